using ColorKernels.Engine;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Frames;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Som;
using ColorKernels.Engine.Video;
using ColorKernels.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ColorKernels.Tests.Frames;

/// <summary>
/// Films a person can steer (issue #40): keyframes placed on frames (numbers, times that must fall on a frame's
/// start), and their hints carried along the motion (<see cref="KeyframeCarrier"/>) on clips whose motion is known
/// (tests/Support/MotionClips: a pan, a zoom, an object moving over a still background), checked against the true
/// place of each hinted point in every frame, forward and back through the shot, and stopped at a cut.
/// </summary>
public class FilmKeyframeTests(ITestOutputHelper output)
{
    private readonly ComputeDevice device = TestDevices.Get("cpu:0");

    /// <summary>The mean |difference| of a coloured frame's RGB bytes from the true frame's.</summary>
    internal static double MeanRgbError(ImageData got, byte[] truth) => got.Rgb8!.Zip(truth, (g, r) => Math.Abs(g - r)).Average();

    /// <summary>For tests of what colour frames and keyframe references do, not of their fits' quality: a picture's fit steps keep them short.</summary>
    private static readonly VideoOptions Quick = new() { ReferenceSteps = ReferenceColorizer.DefaultSteps };

    private static FilmKeyframe At(int frame, params ColorHint[] hints) => new() { Frame = frame, Hints = hints };

    /// <summary>A grid of hints over the frame's inside (every 32 pixels, 16 from the edges), each with its own colour so it can be followed.</summary>
    private static ColorHint[] Grid(int width, int height) =>
        (from y in Enumerable.Range(0, height / 32) from x in Enumerable.Range(0, width / 32) select new ColorHint(16 + 32 * x, 16 + 32 * y, x - 64, y - 64, 3)).ToArray();

    private FilmSteering Steer(IReadOnlyList<ImageData> frames, params FilmKeyframe[] keyframes)
    {
        FrameJob job = FrameJob.Frames("clip", frames, _ => { }).WithKeyframes(keyframes);
        return job.Steer(device, CancellationToken.None)!;
    }

    /// <summary>
    /// Every hint carried to frame t against where its point truly is there (<paramref name="truth"/>: the point keyed
    /// on frame <paramref name="keyframe"/> to frame t's, or null where it is hidden). What matters for colour is that
    /// a hint lands on the colour it gives, not on the same pixel: on flat places (a dark tree, a wall) the flow cannot
    /// know the place, and a carried point may slide there harmlessly. So a carried hint counts as right when the true
    /// colour frame's chroma at its place is within 10 ab units of the chroma at the keyed point on the keyframe (or
    /// it is within 1.5 px of its point). Points within 3 px of the picture's edge, inside or out, are not counted
    /// (the flow's window leaves the picture there). Returns the share right and the share of the visible points carried.
    /// </summary>
    private (double Right, double Kept) Check(MotionClip clip, FilmSteering steering, ColorHint[] keyed, int keyframe, Func<ColorHint, int, (double X, double Y)?> truth)
    {
        int w = clip.Width, h = clip.Height, n = w * h;
        int visible = 0, carried = 0, right = 0, outside = 0;
        double worst = 0;
        double[][] labs = clip.Colour.Select(c => global::ColorKernels.Kernels.Color.LabReference.SrgbBytesToLab(c, 1, n)).ToArray();
        (double A, double B) Ab(int t, double x, double y)
        {
            int p = Math.Clamp((int)Math.Round(y), 0, h - 1) * w + Math.Clamp((int)Math.Round(x), 0, w - 1);
            return (labs[t][n + p], labs[t][2 * n + p]);
        }
        for (int t = 0; t < clip.Colour.Count; t++)
        {
            var got = steering.HintsAt(t) ?? Array.Empty<ColorHint>();
            foreach (ColorHint key in keyed)
            {
                (double X, double Y)? where = truth(key, t);
                ColorHint? found = got.FirstOrDefault(g => g.A == key.A && g.B == key.B);
                if (where is { } edge && Math.Min(Math.Min(edge.X, w - 1 - edge.X), Math.Min(edge.Y, h - 1 - edge.Y)) is > -3 and < 3)
                    continue;
                bool inside = where is { } at && at.X >= 0 && at.Y >= 0 && at.X <= w - 1 && at.Y <= h - 1;
                if (inside)
                    visible++;
                if (found is null)
                    continue;
                carried++;
                if (!inside)
                    outside++;
                double miss = where is { } place ? Math.Max(Math.Abs(found.X - place.X), Math.Abs(found.Y - place.Y)) : double.PositiveInfinity;
                if (inside)
                    worst = Math.Max(worst, miss);
                var (ta, tb) = Ab(keyframe, key.X, key.Y);
                var (fa, fb) = Ab(t, found.X, found.Y);
                double chroma = Math.Sqrt((ta - fa) * (ta - fa) + (tb - fb) * (tb - fb));
                if (miss <= 1.5 || chroma <= 10)
                    right++;
                else
                    output.WriteLine($"frame {t}: the hint keyed at ({key.X}, {key.Y}) carried to ({found.X}, {found.Y}), truly at {(where is { } p ? $"({p.X:0.0}, {p.Y:0.0})" : "a hidden place")}: {chroma:0.0} ab off");
            }
        }
        output.WriteLine($"{right} of {carried} carried hints on their colour (worst miss {worst:0.0} px), {carried - outside} of {visible} visible points carried, {outside} carried that had left the picture");
        return (right / (double)carried, (carried - outside) / (double)visible);
    }

    [Theory]
    [InlineData(6, 2)]
    [InlineData(-9, 3)]
    public void Hints_follow_a_pan_forward_and_back_to_the_shots_start(int dx, int dy)
    {
        MotionClip clip = MotionClips.Pan("car", dx, dy, frames: 12);
        ColorHint[] keyed = Grid(clip.Width, clip.Height);
        FilmSteering steering = Steer(clip.GreyFrames(), At(5, keyed));
        // The camera moves by (dx, dy) a frame, so a still point moves by minus that.
        var (right, kept) = Check(clip, steering, keyed, 5, (h, t) => (h.X - (t - 5) * dx, h.Y - (t - 5) * dy));
        Assert.True(right >= 0.95, $"{right:P0} of the carried hints on their point's colour");
        Assert.True(kept >= 0.8, $"{kept:P0} of the visible points carried");
        Assert.Equal(12, steering.FramesRead);
    }

    /// <summary>Old film's conditions one at a time and all together (issue #41's recipe: tests/Support/MotionClips.cs).</summary>
    internal static OldFilm OldFilmOf(string conditions) => conditions switch
    {
        "flicker" => new OldFilm(Flicker: true, Grain: false, Weave: false, Dust: false),
        "grain" => new OldFilm(Flicker: false, Grain: true, Weave: false, Dust: false),
        "weave" => new OldFilm(Flicker: false, Grain: false, Weave: true, Dust: false),
        "dust" => new OldFilm(Flicker: false, Grain: false, Weave: false, Dust: true),
        _ => OldFilm.All,
    };

    /// <summary>
    /// On old film (issue #41: exposure flicker, grain, gate weave, dust) a keyframe's hints are carried as on a clean
    /// clip: a flickering frame is compared with the one before at the tone the flow fitted between them, not by its
    /// raw L, which moves by up to a fifth on half the frames, and its flow is solved again against the frame before
    /// brought to its exposure (<see cref="FlowSettings.MatchToneBeforeFlow"/>), and on a grainy frame a point the dense
    /// flow's inverse loses is judged by its own window (<see cref="OpticalFlow.NoisyFrame"/>), and the flow is the
    /// frame's motion as a whole where that explains the frame (<see cref="FlowSettings.FrameMotionOnGrain"/>). Measured
    /// (2026-12-07; the clean pan 94 % of the visible points carried): flicker 88 % (72 % before), all four conditions
    /// 98 % (62 % before, 92 % before the frame's motion; on their colour 93 %, 98 %, now 100 %), grain 100 % (94 %; on
    /// their colour 97 %, now 100 %), weave 86 %, dust 86 %.
    /// </summary>
    [Theory]
    [InlineData("flicker")]
    [InlineData("grain")]
    [InlineData("weave")]
    [InlineData("dust")]
    [InlineData("all")]
    public void Hints_follow_a_pan_on_old_film(string conditions)
    {
        const int dx = 6, dy = 2;
        MotionClip clip = MotionClips.Pan("car", dx, dy, frames: 12, old: OldFilmOf(conditions));
        ColorHint[] keyed = Grid(clip.Width, clip.Height);
        FilmSteering steering = Steer(clip.GreyFrames(), At(5, keyed));
        // Frame t shows the scene point at pixel + weave_t; the camera moves by (dx, dy) a frame.
        var (right, kept) = Check(clip, steering, keyed, 5, (h, t) =>
            (h.X + clip.Weave[5].X - clip.Weave[t].X - (t - 5) * dx, h.Y + clip.Weave[5].Y - clip.Weave[t].Y - (t - 5) * dy));
        Assert.True(right >= 0.95, $"{right:P0} of the carried hints on their point's colour");
        Assert.True(kept >= 0.8, $"{kept:P0} of the visible points carried");
    }

    [Fact]
    public void Hints_on_a_moving_object_move_with_it_and_the_backgrounds_stay()
    {
        const int vx = 6, vy = 2;
        MotionClip clip = MotionClips.MovingObject("books", "parrot", vx, vy, frames: 12);
        // On the disc (centre (60 + 6t, 80 + 2t), radius 44 at frame t): four points 20 from its centre at frame 3;
        // on the background: four far from its path.
        var onObject = new[] { (-20, 0), (20, 0), (0, -20), (0, 20) }.Select((d, i) => new ColorHint(78 + d.Item1, 86 + d.Item2, 10 + i, 10, 3)).ToArray();
        var behind = new[] { (200, 40), (220, 150), (150, 170), (30, 170) }.Select((p, i) => new ColorHint(p.Item1, p.Item2, -10 - i, 10, 3)).ToArray();
        FilmSteering steering = Steer(clip.GreyFrames(), At(3, onObject.Concat(behind).ToArray()));
        var (rightObject, keptObject) = Check(clip, steering, onObject, 3, (h, t) => (h.X + (t - 3) * vx, h.Y + (t - 3) * vy));
        var (rightBehind, keptBehind) = Check(clip, steering, behind, 3, (h, t) =>
            Math.Pow(h.X - (60 + t * vx), 2) + Math.Pow(h.Y - (80 + t * vy), 2) <= 44 * 44 ? null : (h.X, h.Y));
        Assert.True(rightObject >= 0.95 && keptObject >= 0.8, $"on the object: {rightObject:P0} on their colour, {keptObject:P0} carried");
        Assert.True(rightBehind >= 0.95 && keptBehind >= 0.8, $"behind it: {rightBehind:P0} on their colour, {keptBehind:P0} carried");
    }

    [Fact]
    public void Hints_follow_a_zoom()
    {
        const double rate = 0.97;
        MotionClip clip = MotionClips.Zoom("parrot", rate, frames: 12);
        ColorHint[] keyed = Grid(clip.Width, clip.Height);
        FilmSteering steering = Steer(clip.GreyFrames(), At(0, keyed));
        // Frame t shows the photo at scale 1.6 rate^t about the centre: a point's offset from the centre grows by 1 / rate a frame.
        var (right, kept) = Check(clip, steering, keyed, 0, (h, t) =>
        {
            double grow = Math.Pow(rate, -t);
            return ((h.X + 0.5 - clip.Width / 2.0) * grow + clip.Width / 2.0 - 0.5, (h.Y + 0.5 - clip.Height / 2.0) * grow + clip.Height / 2.0 - 0.5);
        });
        Assert.True(right >= 0.95, $"{right:P0} of the carried hints on their point's colour");
        Assert.True(kept >= 0.8, $"{kept:P0} of the visible points carried");
    }

    /// <summary>
    /// A zoom and a moving object under all of old film's conditions at once, as <see cref="Hints_follow_a_pan_on_old_film"/>:
    /// a keyed point's place in frame t is where the clean clip has it, less that frame's gate weave. Measured
    /// (2026-12-07, fourth session): the zoom 99 % of the visible points carried, 99 % of them on their colour (the clean
    /// clip keyed on the same frame: 98 % and 99.8 %); the object 96 % and 96 % (clean: 94 % and 100 %). Before a grainy
    /// frame's points followed the frame's motion as a whole (<see cref="GlobalMotion"/>): 97 % and 93 %, 88 % and 98 %;
    /// before the carrier compared frames at their tone, its flow was solved again on a flickering frame and a grainy
    /// frame's points were judged by their own window (<see cref="OpticalFlow.NoisyFrame"/>), 54 % and 88 %, 48 % and
    /// 95 %. Hence lower bars than a clean clip's: under grain some points still lag their place.
    /// </summary>
    [Theory]
    [InlineData("zoom")]
    [InlineData("object")]
    public void Hints_follow_a_zoom_and_a_moving_object_on_old_film(string kind)
    {
        const double rate = 0.97;
        const int vx = 6, vy = 2, keyframe = 3;
        MotionClip clip = kind == "zoom"
            ? MotionClips.Zoom("parrot", rate, frames: 12, old: OldFilm.All)
            : MotionClips.MovingObject("books", "parrot", vx, vy, frames: 12, old: OldFilm.All);
        ColorHint[] keyed = Grid(clip.Width, clip.Height);
        FilmSteering steering = Steer(clip.GreyFrames(), At(keyframe, keyed));
        var (right, kept) = Check(clip, steering, keyed, keyframe, (h, t) =>
        {
            // Where the clean clip shows the keyed point on the keyframe, then in frame t; then frame t's weave taken off.
            double x = h.X + clip.Weave[keyframe].X, y = h.Y + clip.Weave[keyframe].Y;
            if (kind == "zoom")
            {
                double grow = Math.Pow(rate, keyframe - t);
                (x, y) = ((x + 0.5 - clip.Width / 2.0) * grow + clip.Width / 2.0 - 0.5, (y + 0.5 - clip.Height / 2.0) * grow + clip.Height / 2.0 - 0.5);
            }
            else
            {
                bool Covered(int f, double px, double py) => Math.Pow(px - (60 + f * vx), 2) + Math.Pow(py - (80 + f * vy), 2) <= 44 * 44;
                if (Covered(keyframe, x, y))
                    (x, y) = (x + (t - keyframe) * vx, y + (t - keyframe) * vy);
                else if (Covered(t, x, y))
                    return null;
            }
            return (x - clip.Weave[t].X, y - clip.Weave[t].Y);
        });
        Assert.True(right >= 0.9, $"{right:P0} of the carried hints on their point's colour");
        Assert.True(kept >= 0.7, $"{kept:P0} of the visible points carried");
    }

    /// <summary>
    /// Over a long shot of old film (48 frames of the film-steering bench's pan, all four defects) a keyframe's hints last:
    /// on a grainy frame a point the dense flow's inverse loses is judged by its own window (<see cref="OpticalFlow.NoisyFrame"/>),
    /// and the flow is the frame's motion as a whole (<see cref="GlobalMotion"/>). Measured (2026-12-07): 78 % of the
    /// visible points carried, 100 % of them on their colour; before the frame's motion 70 % and 98 %; without either 45 %
    /// (10 of the grid's 48 hints died out by frame 35). The zoom of the same bench: <see cref="Hints_last_through_a_long_zoom"/>.
    /// </summary>
    [Fact]
    public void Hints_last_through_a_long_shot_of_old_film()
    {
        MotionClip clip = MotionClips.Pan("books", -2, 1, 48, old: OldFilm.All);
        ColorHint[] keyed = Grid(clip.Width, clip.Height);
        FilmSteering steering = Steer(clip.GreyFrames(), At(0, keyed));
        // The camera moves by (-2, 1) a frame; frame t shows the scene point at pixel + weave_t.
        var (right, kept) = Check(clip, steering, keyed, 0, (h, t) => (h.X + clip.Weave[0].X + 2 * t - clip.Weave[t].X, h.Y + clip.Weave[0].Y - t - clip.Weave[t].Y));
        Assert.True(right >= 0.95, $"{right:P0} of the carried hints on their point's colour");
        Assert.True(kept >= 0.7, $"{kept:P0} of the visible points carried");
    }

    /// <summary>
    /// Over a long zoom (48 frames of the film-steering bench's zoom into the parrot, 1 % a frame), clean and made old: a
    /// grid keyed on frame 0 followed to the end. On a grainy frame the flow is the frame's motion as a whole where that
    /// explains the frame (<see cref="FlowSettings.FrameMotionOnGrain"/>, <see cref="GlobalMotion"/>), since the dense flow
    /// on a flat grainy window wanders. Measured (2026-12-07, fourth session): clean 98 % of the visible points carried,
    /// 98 % of them on their colour; made old 77 % and 96 %, where following the dense flow alone gave 68 % and 77 %
    /// (points jumped 30 to 50 pixels in a step on flat places), and points placed by the frame's motion beside it 79 % and 89 %.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Hints_last_through_a_long_zoom(bool old)
    {
        const double rate = 0.99;
        MotionClip clip = MotionClips.Zoom("parrot", rate, frames: 48, old: old ? OldFilm.All : null);
        ColorHint[] keyed = Grid(clip.Width, clip.Height);
        FilmSteering steering = Steer(clip.GreyFrames(), At(0, keyed));
        var (right, kept) = Check(clip, steering, keyed, 0, (h, t) =>
        {
            // As in the zoom above, from the keyed point's place in the clean clip (its weave added), less frame t's weave.
            double x = h.X + clip.Weave[0].X, y = h.Y + clip.Weave[0].Y, grow = Math.Pow(rate, -t);
            (x, y) = ((x + 0.5 - clip.Width / 2.0) * grow + clip.Width / 2.0 - 0.5, (y + 0.5 - clip.Height / 2.0) * grow + clip.Height / 2.0 - 0.5);
            return (x - clip.Weave[t].X, y - clip.Weave[t].Y);
        });
        Assert.True(right >= (old ? 0.9 : 0.95), $"{right:P0} of the carried hints on their point's colour");
        Assert.True(kept >= (old ? 0.7 : 0.9), $"{kept:P0} of the visible points carried");
    }

    [Fact]
    public void Nothing_crosses_a_cut_and_each_shot_takes_its_own_keyframe_and_palette()
    {
        MotionClip first = MotionClips.Pan("car", 2, 1, frames: 8), second = MotionClips.Pan("books", -3, 1, frames: 8);
        var frames = first.GreyFrames().Concat(second.GreyFrames()).ToList();
        ColorHint[] early = Grid(first.Width, first.Height), late = early.Select(h => h with { A = h.A + 100 }).ToArray();
        ColorPalette red = ColorPalette.Parse("#c03020"), blue = ColorPalette.Parse("#2040c0"), green = ColorPalette.Parse("#20a040");
        FilmSteering steering = Steer(frames, At(3, early) with { Palette = red }, At(12, late), new FilmKeyframe { Frame = 14, Palette = blue },
            new FilmKeyframe { Frame = 6, Palette = green });
        for (int t = 0; t < 16; t++)
        {
            var hints = steering.HintsAt(t) ?? Array.Empty<ColorHint>();
            Assert.True(hints.Count > 0, $"frame {t}: no hints");
            // The first shot's hints reach back to its start and stop at the cut; the second shot's from its own keyframe reach back to the cut.
            Assert.All(hints, h => Assert.Equal(t < 8, early.Any(e => e.A == h.A)));
        }
        // Palettes: the shot's first from the shot's start, the next from its own frame, none across the cut.
        Assert.Equal(new[] { red, red, red, red, red, red, green, green, blue, blue, blue, blue, blue, blue, blue, blue },
            Enumerable.Range(0, 16).Select(steering.PaletteAt));
    }

    [Fact]
    public void A_keyframe_reference_photo_colours_its_shot_and_leaves_the_other_alone()
    {
        // Two shots (a cut between a pan over the car and one over the books); the second keyed with its own first
        // colour frame as the reference photo: a SOM + MLP model fitted to it colours that shot. The first shot is
        // coloured exactly as without keyframes (nothing crosses the cut), the second nearer its truth.
        MotionClip first = MotionClips.Pan("car", 2, 1, frames: 4), second = MotionClips.Pan("books", -3, 1, frames: 4);
        var frames = first.GreyFrames().Concat(second.GreyFrames()).ToList();
        var truth = first.Colour.Concat(second.Colour).ToList();
        string folder = Directory.CreateTempSubdirectory("ck-reference-shot").FullName;
        try
        {
            string photo = Path.Combine(folder, "books.png");
            ImageIO.Save(photo, ImageData.FromRgb8(second.Width, second.Height, second.Colour[0]));
            using IColorizer colorizer = Colorizer.Open(device, "default");
            var automatic = new List<ImageData>();
            var steered = new List<ImageData>();
            new FramePipeline(colorizer).Run(FrameJob.Frames("two shots", frames, automatic.Add));
            new FramePipeline(colorizer).Run(FrameJob.Frames("two shots", frames, steered.Add, Quick).WithKeyframes(new[] { new FilmKeyframe { Frame = 6, ReferencePhotos = new[] { photo } } }));
            for (int t = 0; t < 4; t++)
                Assert.Equal(automatic[t].Rgb8, steered[t].Rgb8);
            double Error(IReadOnlyList<ImageData> got, int t) => MeanRgbError(got[t], truth[t]);
            for (int t = 4; t < 8; t++)
                Assert.True(Error(steered, t) < Error(automatic, t) - 1, $"frame {t}: mean |RGB error| {Error(steered, t):F2} with the reference, {Error(automatic, t):F2} without");
            // The same photo held in memory (a keyframes file's data URL, the web page's) colours the shot the same.
            var inline = new List<ImageData>();
            new FramePipeline(colorizer).Run(FrameJob.Frames("two shots", frames, inline.Add, Quick).WithKeyframes(new[] { new FilmKeyframe { Frame = 6, ReferencePictures = new[] { ImageIO.Load(photo) } } }));
            for (int t = 0; t < 8; t++)
                Assert.Equal(steered[t].Rgb8, inline[t].Rgb8);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void The_same_picture_given_inline_on_two_keyframes_is_fitted_once()
    {
        // Two shots, each keyed with the books photo as a picture in memory, decoded twice (as a keyframes file's two
        // data URLs of one photo are): one fit serves both; a different picture gets its own.
        MotionClip first = MotionClips.Pan("car", 2, 1, frames: 3), second = MotionClips.Pan("books", -3, 1, frames: 3);
        var frames = first.GreyFrames().Concat(second.GreyFrames()).ToList();
        byte[] png = PngOf(ImageData.FromRgb8(second.Width, second.Height, second.Colour[0]));
        ImageData Decoded() => ImageIO.Decode("books.png", png);
        FilmKeyframe Keyed(int frame, ImageData picture) => new() { Frame = frame, ReferencePictures = new[] { picture } };
        var quick = Quick with { ReferenceSteps = 20 };
        using (FilmSteering steering = FrameJob.Frames("two shots", frames, _ => { }, quick).WithKeyframes(new[] { Keyed(0, Decoded()), Keyed(3, Decoded()) }).Steer(device, CancellationToken.None)!)
            Assert.Same(steering.ColorizerAt(0), steering.ColorizerAt(3));
        var other = ImageData.FromRgb8(first.Width, first.Height, first.Colour[0]);
        using (FilmSteering steering = FrameJob.Frames("two shots", frames, _ => { }, quick).WithKeyframes(new[] { Keyed(0, other), Keyed(3, Decoded()) }).Steer(device, CancellationToken.None)!)
            Assert.NotSame(steering.ColorizerAt(0), steering.ColorizerAt(3));
    }

    private static byte[] PngOf(ImageData picture)
    {
        using var image = ImageIO.ToImage(picture);
        using var stream = new MemoryStream();
        image.Save(stream, new SixLabors.ImageSharp.Formats.Png.PngEncoder());
        return stream.ToArray();
    }

    [Fact]
    public void A_colour_frame_is_taken_on_its_frame_carried_through_its_shot_and_stopped_by_the_cut()
    {
        // Two shots (a pan over the books, a cut, a pan over the car); frame 1 of the first given in its true colours.
        MotionClip first = MotionClips.Pan("books", -3, 1, frames: 6), second = MotionClips.Pan("car", 2, 1, frames: 4);
        var frames = first.GreyFrames().Concat(second.GreyFrames()).ToList();
        var truth = first.Colour.Concat(second.Colour).ToList();
        using IColorizer colorizer = Colorizer.Open(device, "default");
        var automatic = new List<ImageData>();
        var keyed = new List<ImageData>();
        new FramePipeline(colorizer).Run(FrameJob.Frames("two shots", frames, automatic.Add));
        var colours = ImageData.FromRgb8(first.Width, first.Height, first.Colour[1]);
        new FramePipeline(colorizer).Run(FrameJob.Frames("two shots", frames, keyed.Add, Quick).WithKeyframes(new[] { new FilmKeyframe { Frame = 1, ColorFrame = colours } }));
        double Error(IReadOnlyList<ImageData> got, int t) => MeanRgbError(got[t], truth[t]);
        // From the cut on: the automatic film, byte for byte (nothing crosses). Before the keyframe: coloured by the model
        // fitted to the colour frame (its colours go forward only), nearer the truth than the built-in model's.
        Assert.True(Error(keyed, 0) < Error(automatic, 0) - 1, $"frame 0: mean |RGB error| {Error(keyed, 0):F2} keyed, {Error(automatic, 0):F2} automatic");
        for (int t = 6; t < 10; t++)
            Assert.Equal(automatic[t].Rgb8, keyed[t].Rgb8);
        // The keyframe: the true colours on the film's own L (which is the truth's): within rounding of the truth.
        Assert.True(Error(keyed, 1) < 1, $"frame 1: mean |RGB error| {Error(keyed, 1):F2}");
        // The rest of the shot keeps most of them where the pan carries them (new content at the edge is coloured by a
        // model fitted to the colour frame).
        for (int t = 2; t < 6; t++)
            Assert.True(Error(keyed, t) < Error(automatic, t) / 2, $"frame {t}: mean |RGB error| {Error(keyed, t):F2} keyed, {Error(automatic, t):F2} automatic");

        // That model is the one the same picture named as the keyframe's reference would give (the same fit), and it
        // holds as a named reference does, from the shot's start: the two films agree on every frame.
        string folder = Directory.CreateTempSubdirectory("ck-colour-frame").FullName;
        try
        {
            string photo = Path.Combine(folder, "frame-1.png");
            ImageIO.Save(photo, colours);
            var named = new List<ImageData>();
            new FramePipeline(colorizer).Run(FrameJob.Frames("two shots", frames, named.Add, Quick)
                .WithKeyframes(new[] { new FilmKeyframe { Frame = 1, ColorFrame = colours, ReferencePhotos = new[] { photo } } }));
            for (int t = 0; t < 10; t++)
                Assert.Equal(named[t].Rgb8, keyed[t].Rgb8);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_films_reference_is_fitted_longer_and_colours_a_held_out_clip_nearer_the_truth()
    {
        // The film steps were chosen on the film-steering bench's clips (docs/hints.md); here a clip it does not use: a
        // zoom on the books, its true frame 0 as the reference photo, 12 frames stabilised.
        MotionClip clip = MotionClips.Zoom("books", 0.99, frames: 12);
        var photo = ImageData.FromRgb8(clip.Width, clip.Height, clip.Colour[0]);
        double Error(int steps)
        {
            using IColorizer reference = Colorizer.Open(device, ReferenceColorizer.FitPictures(device, new[] { photo }, steps, ReferenceColorizer.FilmHidden));
            var got = new List<ImageData>();
            new FramePipeline(reference).Run(FrameJob.Frames("zoom", clip.GreyFrames(), got.Add));
            return Enumerable.Range(0, got.Count).Average(t => MeanRgbError(got[t], clip.Colour[t]));
        }
        double picture = Error(ReferenceColorizer.DefaultSteps), film = Error(ReferenceColorizer.FilmSteps);
        output.WriteLine($"mean |RGB error| over the clip: {picture:F3} at a picture's {ReferenceColorizer.DefaultSteps} steps, {film:F3} at a film's {ReferenceColorizer.FilmSteps}");
        Assert.True(film < picture, $"{film:F3} at {ReferenceColorizer.FilmSteps} steps against {picture:F3} at {ReferenceColorizer.DefaultSteps}");
    }

    [Theory]
    [InlineData("zoom on books")]
    [InlineData("parrot over books")]
    public void In_a_colour_frames_shot_a_point_follows_the_flow_unless_staying_still_matches_clearly_better(string kind)
    {
        // The blend's still place (a moving object's smeared background keeps its colour) won its near-ties in flat
        // places, pinning a colour frame's carried colours to the screen while a zoom moved the picture under them.
        // Held-out clips (the margin was chosen on the film-steering bench's parrot zoom, books pan and car/sunflower
        // object, docs/hints.md), frame 0 given in its true colours, 12 frames: nearer the truth with the margin.
        MotionClip clip = kind == "zoom on books" ? MotionClips.Zoom("books", 0.99, frames: 12) : MotionClips.MovingObject("books", "parrot", 3, -2, frames: 12);
        using IColorizer colorizer = Colorizer.Open(device, "default");
        var keyframes = new[] { new FilmKeyframe { Frame = 0, ColorFrame = ImageData.FromRgb8(clip.Width, clip.Height, clip.Colour[0]) } };
        List<ImageData> Run(float margin)
        {
            var got = new List<ImageData>();
            new FramePipeline(colorizer).Run(FrameJob.Frames("clip", clip.GreyFrames(), got.Add, new VideoOptions { ColorFrameStillMargin = margin, ReferenceSteps = ReferenceColorizer.DefaultSteps }).WithKeyframes(keyframes));
            return got;
        }
        List<ImageData> followed = Run(new VideoOptions().ColorFrameStillMargin), nearer = Run(0f);
        double Error(List<ImageData> got) => Enumerable.Range(1, clip.Colour.Count - 1).Average(t => MeanRgbError(got[t], clip.Colour[t]));
        output.WriteLine($"{kind}: mean |RGB error| over frames 1-{clip.Colour.Count - 1}: {Error(followed):F3} with the margin, {Error(nearer):F3} the nearer place winning");
        Assert.True(Error(followed) < Error(nearer), $"{Error(followed):F3} with the margin against {Error(nearer):F3}");
    }

    [Fact]
    public void A_colour_frame_is_carried_back_to_the_frames_before_it_in_its_shot_and_not_across_the_cut()
    {
        // Two shots (a pan over the car, a cut, a pan over the books); the books shot's last frame given in its true
        // colours. Its earlier frames take those colours carried back along the motion, so they are nearer the truth
        // than the model fitted to the same picture alone gives them; the car shot is the automatic film's, byte for byte.
        MotionClip first = MotionClips.Pan("car", 2, 1, frames: 3), second = MotionClips.Pan("books", -3, 1, frames: 6);
        var frames = first.GreyFrames().Concat(second.GreyFrames()).ToList();
        var truth = first.Colour.Concat(second.Colour).ToList();
        using IColorizer colorizer = Colorizer.Open(device, "default");
        var colours = ImageData.FromRgb8(second.Width, second.Height, second.Colour[^1]);
        string folder = Directory.CreateTempSubdirectory("ck-colour-back").FullName;
        try
        {
            string photo = Path.Combine(folder, "last.png");
            ImageIO.Save(photo, colours);
            var automatic = new List<ImageData>();
            var keyed = new List<ImageData>();
            var reference = new List<ImageData>();
            new FramePipeline(colorizer).Run(FrameJob.Frames("two shots", frames, automatic.Add));
            new FramePipeline(colorizer).Run(FrameJob.Frames("two shots", frames, keyed.Add, Quick).WithKeyframes(new[] { new FilmKeyframe { Frame = 8, ColorFrame = colours } }));
            // The fitted model alone: the picture's fit as the film's colourizer (a keyframe's reference would also be
            // lined up with the shot's first frame, which this still of the same pan passes).
            using (IColorizer fitted = Colorizer.Open(device, ReferenceColorizer.FitPictures(device, new[] { ImageIO.Load(photo) }, Quick.ReferenceSteps, ReferenceColorizer.FilmHidden)))
                new FramePipeline(fitted).Run(FrameJob.Frames("two shots", frames, reference.Add));
            double Error(IReadOnlyList<ImageData> got, int t) => MeanRgbError(got[t], truth[t]);
            for (int t = 0; t < 3; t++)
                Assert.Equal(automatic[t].Rgb8, keyed[t].Rgb8);
            for (int t = 3; t < 8; t++)
                Assert.True(Error(keyed, t) < Error(reference, t) / 2, $"frame {t}: mean |RGB error| {Error(keyed, t):F2} carried back, {Error(reference, t):F2} with the fitted model alone");

            // Without the stabiliser a colour frame colours its own frame only: the frames before are the reference's.
            var perFrame = new List<ImageData>();
            var perFrameReference = new List<ImageData>();
            var options = new VideoOptions { Stabilize = false, ReferenceSteps = ReferenceColorizer.DefaultSteps };
            new FramePipeline(colorizer).Run(FrameJob.Frames("two shots", frames, perFrame.Add, options).WithKeyframes(new[] { new FilmKeyframe { Frame = 8, ColorFrame = colours } }));
            new FramePipeline(colorizer).Run(FrameJob.Frames("two shots", frames, perFrameReference.Add, options).WithKeyframes(new[] { new FilmKeyframe { Frame = 8, ReferencePhotos = new[] { photo } } }));
            for (int t = 0; t < 8; t++)
                Assert.Equal(perFrameReference[t].Rgb8, perFrame[t].Rgb8);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Between_two_colour_frames_of_a_shot_the_film_passes_from_the_first_to_the_second()
    {
        // One shot (a pan over the books): frame 1 in its true colours, frame 6 all brick red (a person's second
        // thought). The frames between go from the first's colours toward the red step by step instead of
        // stepping at frame 6: each nearer the red than the one before.
        MotionClip clip = MotionClips.Pan("books", -3, 1, frames: 7);
        int w = clip.Width, h = clip.Height, n = w * h;
        using IColorizer colorizer = Colorizer.Open(device, "default");
        var red = ImageData.FromRgb8(w, h, Enumerable.Range(0, n).SelectMany(_ => new byte[] { 0xc0, 0x30, 0x20 }).ToArray());
        var hint = ColorHint.FromColor(0, 0, "#c03020");
        var keyed = new List<ImageData>();
        new FramePipeline(colorizer).Run(FrameJob.Frames("pan", clip.GreyFrames(), keyed.Add, Quick).WithKeyframes(new[]
        {
            new FilmKeyframe { Frame = 1, ColorFrame = ImageData.FromRgb8(w, h, clip.Colour[1]) },
            new FilmKeyframe { Frame = 6, ColorFrame = red },
        }));
        double FromRed(int t)
        {
            double[] lab = ColorKernels.Kernels.Color.LabReference.SrgbBytesToLab(keyed[t].Rgb8!, 1, n);
            double sum = 0;
            for (int p = 0; p < n; p++)
                sum += Math.Sqrt(Math.Pow(lab[n + p] - hint.A, 2) + Math.Pow(lab[2 * n + p] - hint.B, 2));
            return sum / n;
        }
        var distances = Enumerable.Range(1, 6).Select(FromRed).ToList();
        for (int t = 2; t <= 6; t++)
            Assert.True(distances[t - 1] < distances[t - 2] - 1, $"frame {t}: {distances[t - 1]:F1} ab from the red, frame {t - 1} {distances[t - 2]:F1} (frames 1-6: {string.Join(", ", distances.Select(d => d.ToString("F1")))})");
    }

    [Fact]
    public void Each_frames_hint_solve_starts_from_the_frame_before_within_a_shot_and_ends_near_a_solve_from_zero()
    {
        // Two shots, hints carried through each. Warm-started, a frame's solve takes 25 steps from the last frame's
        // correction instead of 100 from zero: the first frame of each shot is solved from zero (bit for bit the
        // cold film's), the others end within a few levels of the cold film's (the start is used: some differ). The
        // reach, warm-started too, also gates the hints' palette, so a cell whose gate it moves by a little moves a
        // little more than the correction alone would (worst 4 levels at a few pixels; 3 before the gate).
        MotionClip first = MotionClips.Pan("car", 2, 1, frames: 5), second = MotionClips.Pan("books", -3, 1, frames: 5);
        var frames = first.GreyFrames().Concat(second.GreyFrames()).ToList();
        ColorHint[] early = Grid(first.Width, first.Height), late = early.Select(h => h with { A = -h.A }).ToArray();
        var keyframes = new[] { At(0, early), At(7, late) };
        using IColorizer colorizer = Colorizer.Open(device, "default");
        var warm = new List<ImageData>();
        var cold = new List<ImageData>();
        new FramePipeline(colorizer).Run(FrameJob.Frames("two shots", frames, warm.Add).WithKeyframes(keyframes));
        new FramePipeline(colorizer) { WarmStart = false }.Run(FrameJob.Frames("two shots", frames, cold.Add).WithKeyframes(keyframes));
        int changed = 0;
        for (int t = 0; t < frames.Count; t++)
        {
            double mean = warm[t].Rgb8!.Zip(cold[t].Rgb8!, (a, b) => Math.Abs(a - b)).Average();
            int worst = warm[t].Rgb8!.Zip(cold[t].Rgb8!, (a, b) => Math.Abs(a - b)).Max();
            output.WriteLine($"frame {t}: mean |RGB difference| {mean:F4}, worst {worst}");
            if (t is 0 or 5)
                Assert.Equal(cold[t].Rgb8, warm[t].Rgb8);
            else
            {
                changed += worst > 0 ? 1 : 0;
                Assert.True(mean < 0.05 && worst <= 4, $"frame {t}: mean |RGB difference| {mean:F4}, worst {worst}");
            }
        }
        Assert.True(changed > 0, "no frame's solve used the frame before's");
    }

    [Fact]
    public void The_pass_stops_once_nothing_more_is_carried()
    {
        MotionClip first = MotionClips.Pan("car", 2, 1, frames: 6), second = MotionClips.Pan("books", -3, 1, frames: 6);
        FilmSteering steering = Steer(first.GreyFrames().Concat(second.GreyFrames()).ToList(), At(1, Grid(first.Width, first.Height)));
        // The cut at frame 6 drops every point: frame 6 is read (to find the cut), the rest of the film is not.
        Assert.Equal(7, steering.FramesRead);
        Assert.Null(steering.HintsAt(6));
    }

    [Fact]
    public void A_keyframe_past_the_frames_fails_the_film_before_any_frame_is_written()
    {
        MotionClip clip = MotionClips.Pan("car", 2, 1, frames: 4);
        var written = new List<ImageData>();
        using IColorizer colorizer = Colorizer.Open(device, "none");
        FrameJob job = FrameJob.Frames("clip", clip.GreyFrames(), written.Add).WithKeyframes(new[] { At(1, new ColorHint(5, 5, 40, 40)), At(4, new ColorHint(5, 5, 40, 40)) });
        var e = Assert.Throws<UserErrorException>(() => new FramePipeline(colorizer).Run(job));
        Assert.Equal("'clip': keyframe 1 (frame 4): past the film's end (it has 4 frames, 0 to 3)", e.Message);
        Assert.Empty(written);
    }

    [Fact]
    public void A_hinted_film_takes_its_carried_hints_colours()
    {
        // No model: grey frames coloured only where hints spread, so a carried hint's colour shows at its point.
        MotionClip clip = MotionClips.Pan("car", 6, 2, frames: 6);
        var written = new List<ImageData>();
        using IColorizer colorizer = Colorizer.Open(device, "none");
        var hint = ColorHint.FromColor(150, 100, "#c03020", size: 9);
        new FramePipeline(colorizer).Run(FrameJob.Frames("clip", clip.GreyFrames(), written.Add).WithKeyframes(new[] { At(2, hint) }));
        Assert.Equal(6, written.Count);
        for (int t = 0; t < 6; t++)
        {
            // Where the point is in frame t (the camera moves by (6, 2) a frame), the picture is red (a well above b's 0 and above 20).
            int x = 150 - 6 * (t - 2), y = 100 - 2 * (t - 2);
            var lab = global::ColorKernels.Kernels.Color.LabReference.SrgbBytesToLab(written[t].Rgb8![(3 * (y * clip.Width + x))..(3 * (y * clip.Width + x) + 3)], 1, 1);
            Assert.True(lab[1] > 20, $"frame {t}: a = {lab[1]:0.0} at the hint's point");
        }
    }

    [Theory]
    [InlineData("00:00:01.000", 25.0, 1.0, 25)]
    [InlineData("1.04", 25.0, 1.0, 26)]
    [InlineData("00:01:00.040", 25.0, 1.0, 1501)]
    [InlineData("00:00:01.001", 30000.0, 1001.0, 30)]
    [InlineData("00:00:01.034", 30000.0, 1001.0, 31)]
    public void A_time_names_the_frame_that_starts_then(string time, double num, double den, int frame)
    {
        var placed = KeyframePlacement.Place(new[] { new FilmKeyframe { Time = FilmKeyframe.ParseTime(time, "time"), Hints = new[] { new ColorHint(1, 1, 0, 0) } } }, 10, 10, 0, false, (num, den));
        Assert.Equal(frame, placed.Single().Frame);
    }

    [Theory]
    [InlineData("00:00:00.013", "keyframe 0 (00:00:00.013): falls between frames 0 (00:00:00.000) and 1 (00:00:00.040) at 25 frames/s; give a frame's start, or its number")]
    [InlineData("00:00:04.000", "keyframe 0 (00:00:04.000): past the film's end (it has 100 frames, 0 to 99)")]
    public void A_time_between_frames_or_past_the_end_is_refused(string time, string message)
    {
        var e = Assert.Throws<UserErrorException>(() => KeyframePlacement.Place(
            new[] { new FilmKeyframe { Time = FilmKeyframe.ParseTime(time, "time"), Hints = new[] { new ColorHint(1, 1, 0, 0) } } }, 10, 10, 100, false, (25, 1)));
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("00:61:00")]
    [InlineData("00:00:01.0001")]
    [InlineData("-1")]
    [InlineData("1e3")]
    [InlineData("")]
    [InlineData("00:00:.5")]
    public void A_malformed_time_is_refused(string time)
    {
        var e = Assert.Throws<UserErrorException>(() => FilmKeyframe.ParseTime(time, "\"time\""));
        Assert.StartsWith($"\"time\" '{time}': expected HH:MM:SS.mmm", e.Message);
    }

    [Fact]
    public void Two_keyframes_on_one_frame_and_times_without_a_rate_are_refused()
    {
        var hint = new[] { new ColorHint(1, 1, 0, 0) };
        var twice = Assert.Throws<UserErrorException>(() => KeyframePlacement.Place(new[] { At(3, hint), new FilmKeyframe { Time = TimeSpan.FromSeconds(0.12), Hints = hint } }, 10, 10, 0, false, (25, 1)));
        Assert.Equal("keyframes 0 and 1 both name frame 3; give one keyframe a frame", twice.Message);
        var noTimes = Assert.Throws<UserErrorException>(() => KeyframePlacement.Place(new[] { new FilmKeyframe { Time = TimeSpan.Zero, Hints = hint } }, 10, 10, 5, false, null));
        Assert.Equal("keyframe 0 (00:00:00.000): these frames have no times; name the frame by its number (\"frame\")", noTimes.Message);
        var picture = Assert.Throws<UserErrorException>(() => FrameJob.Picture("a.png", "b.png").WithKeyframes(new[] { At(0, hint) }));
        Assert.Equal("'a.png': a picture takes hints, not keyframes", picture.Message);
    }
}
