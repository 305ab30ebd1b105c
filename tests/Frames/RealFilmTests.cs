using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Frames;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Video;
using ColorKernels.Kernels.Color;
using ColorKernels.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ColorKernels.Tests.Frames;

/// <summary>
/// Real old photographic frames, not simulated ones (issue #41): Muybridge's "Animal Locomotion" plate of a house cat
/// (1887; samples/demo-bw/locomotion-house-cat.jpg, Getty Open Content, CC0), 24 exposures from a row of cameras
/// printed as a 6 x 4 grid, cut into 24 frames at fixed places. What it has that the synthetic clips lack: each
/// exposure's own density (real flicker), the print's real grain and specks, each frame sitting a little differently in
/// its cell (real weave), a background that pans from camera to camera and a cat whose legs move non-rigidly. There is
/// no colour truth, so the measures are reference-free: the frame-to-frame change of each frame's mean a and b and the
/// cuts the stabiliser saw (issue #41), and for keyframe hints (issue #40) how far the cat's colour stays from the colour
/// a person gave it, and where the carried hints land.
/// </summary>
public class RealFilmTests(ITestOutputHelper output)
{
    public const int FrameWidth = 152, FrameHeight = 96;

    /// <summary>The plate's 24 exposures in order, each a <see cref="FrameWidth"/> x <see cref="FrameHeight"/> greyscale frame (its L, a = b = 0) cut from the centre of its cell.</summary>
    public static List<ImageData> HouseCat()
    {
        ImageData plate = ImageIO.Load(TestData.RepositoryFile("samples", "demo-bw", "locomotion-house-cat.jpg"));
        // The plate is 1024 x 510: four rows of exposures between dark bands (rows 10-120, 136-245, 260-374, 391-499,
        // measured on the print), six to a row across x = 9 to 1014 with thin light gaps between them.
        (int Top, int Bottom)[] rows = { (10, 120), (136, 245), (260, 374), (391, 499) };
        var frames = new List<ImageData>();
        foreach (var (top, bottom) in rows)
            for (int column = 0; column < 6; column++)
            {
                int cx = (int)Math.Round(9 + (column + 0.5) * (1014 - 9) / 6.0), cy = (top + bottom) / 2;
                int x0 = cx - FrameWidth / 2, y0 = cy - FrameHeight / 2, n = FrameWidth * FrameHeight;
                var rgb = new byte[3 * n];
                for (int y = 0; y < FrameHeight; y++)
                    Array.Copy(plate.Rgb8!, 3 * ((y0 + y) * plate.Width + x0), rgb, 3 * y * FrameWidth, 3 * FrameWidth);
                frames.Add(ImageData.FromRgb8(FrameWidth, FrameHeight, MotionClips.Greyscale(rgb, n)));
            }
        return frames;
    }

    [Fact]
    public void A_real_plates_frames_keep_their_colours_steadier_than_frame_by_frame()
    {
        List<ImageData> frames = HouseCat();
        using var device = ComputeDevice.Open("cpu");
        using IColorizer colorizer = Colorizer.Open(device, "default");
        (List<byte[]> Frames, FrameJobReport Report) Colour(bool stabilize, bool fixedPixel = false)
        {
            var outputs = new List<byte[]>();
            var options = new VideoOptions { Stabilize = stabilize, FixedPixel = fixedPixel };
            FrameJobReport report = new FramePipeline(colorizer).Run(FrameJob.Frames("house-cat", frames, f => outputs.Add(f.Rgb8!), options));
            return (outputs, report);
        }
        var perFrame = Colour(false);
        var motion = Colour(true);
        // Printed for scale: the fixed-pixel filter the motion stabiliser replaced (VideoOptions.FixedPixel, kept for comparison).
        var fixedPixel = Colour(true, fixedPixel: true);
        foreach (var (mode, run) in new[] { ("per frame", perFrame), ("fixed pixel", fixedPixel), ("motion", motion) })
        {
            var change = MotionClipMetrics.MeanAbChange(run.Frames);
            var spread = MotionClipMetrics.MeanAbSpread(run.Frames);
            // COLORKERNELS_FRAMES=DIR keeps the coloured frames (docs/motion/house-cat.jpg was made from them).
            if (Environment.GetEnvironmentVariable("COLORKERNELS_FRAMES") is { Length: > 0 } dump)
                for (int t = 0; t < run.Frames.Count; t++)
                    ImageIO.Save(Path.Combine(dump, $"{mode.Replace(' ', '-')}-{t:00}.png"), ImageData.FromRgb8(FrameWidth, FrameHeight, run.Frames[t]));
            output.WriteLine($"house cat {mode}: cuts {run.Report.Cuts}, mean a change {change.A:0.000}, mean b change {change.B:0.000}, mean a spread {spread.A:0.000}, mean b spread {spread.B:0.000}");
        }
        // Each exposure's density moves the model's colours: frame by frame the wall swings between warm and blue (mean b
        // changes by 6.3 from frame to frame, measured at this commit), which is the flicker an archive's reel shows.
        // 24 cameras, 24 exposures: none is a cut (the stabiliser carrying nothing across would be per-frame colouring).
        Assert.Equal(0, motion.Report.Cuts);
        var (perFrameChange, motionChange) = (MotionClipMetrics.MeanAbChange(perFrame.Frames), MotionClipMetrics.MeanAbChange(motion.Frames));
        // #41's target for the whole picture's colour under flicker, at most half of per-frame's (0.12 and 0.11 of it here).
        Assert.True(motionChange.A <= 0.5 * perFrameChange.A && motionChange.B <= 0.5 * perFrameChange.B,
            $"frame-to-frame change of the mean a and b {motionChange.A:0.000}, {motionChange.B:0.000} against per-frame {perFrameChange.A:0.000}, {perFrameChange.B:0.000} (at most half)");
    }

    /// <summary>
    /// Per frame, the cat's body (dark: L under 40 and its 5 x 5 neighbourhood's mean under 45, which leaves out the wall's
    /// thin grid lines) and the bare wall (L over 55 and its neighbourhood's mean over 58).
    /// </summary>
    private static (bool[] Cat, bool[] Wall) Regions(ImageData frame)
    {
        int w = frame.Width, h = frame.Height, n = w * h;
        double[] lab = LabReference.SrgbBytesToLab(frame.Rgb8!, 1, n);
        var (cat, wall) = (new bool[n], new bool[n]);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                double sum = 0;
                int count = 0;
                for (int dy = -2; dy <= 2; dy++)
                    for (int dx = -2; dx <= 2; dx++)
                        if (x + dx >= 0 && x + dx < w && y + dy >= 0 && y + dy < h)
                        {
                            sum += lab[(y + dy) * w + x + dx];
                            count++;
                        }
                double l = lab[y * w + x], mean = sum / count;
                cat[y * w + x] = l < 40 && mean < 45;
                wall[y * w + x] = l > 55 && mean > 58;
            }
        return (cat, wall);
    }

    [Fact]
    public void Keyframe_hints_on_a_real_plate_keep_the_cat_the_colour_given()
    {
        List<ImageData> frames = HouseCat();
        using var device = ComputeDevice.Open("cpu");
        using IColorizer colorizer = Colorizer.Open(device, "default");
        (float A, float B) ginger = (22, 40), green = (-14, 12);
        var cat0 = new[] { (55, 45), (85, 44), (115, 48) };
        var wall0 = new[] { (20, 12), (75, 10), (140, 22) };
        ColorHint[] Hints(IEnumerable<(int X, int Y)> cat, IEnumerable<(int X, int Y)> wall) =>
            cat.Select(p => new ColorHint(p.X, p.Y, ginger.A, ginger.B, 3)).Concat(wall.Select(p => new ColorHint(p.X, p.Y, green.A, green.B, 3))).ToArray();
        var regions = frames.Select(Regions).ToList();
        // The places given: on frame 0, the cat's and the wall's pixels nearest three places along the body and three on
        // the wall; for the upper bound, every frame its own hints, the same colours at its cat's and wall's pixels nearest
        // those places.
        (int X, int Y)[] Near(bool[] region, (int X, int Y)[] places) => places.Select(p =>
            Enumerable.Range(0, FrameWidth * FrameHeight).Where(q => region[q]).Select(q => (X: q % FrameWidth, Y: q / FrameWidth))
                .OrderBy(q => (q.X - p.X) * (q.X - p.X) + (q.Y - p.Y) * (q.Y - p.Y)).First()).ToArray();
        var modes = new List<(string Mode, FilmKeyframe[] Keyframes)>
        {
            ("automatic", Array.Empty<FilmKeyframe>()),
            ("hints on frame 0, carried", new[] { new FilmKeyframe { Frame = 0, Hints = Hints(Near(regions[0].Cat, cat0), Near(regions[0].Wall, wall0)) } }),
            ("hints on every frame", Enumerable.Range(0, frames.Count).Select(t => new FilmKeyframe { Frame = t, Hints = Hints(Near(regions[t].Cat, cat0), Near(regions[t].Wall, wall0)) }).ToArray()),
        };
        output.WriteLine($"frame 0's hints: cat {string.Join(" ", Near(regions[0].Cat, cat0))}, wall {string.Join(" ", Near(regions[0].Wall, wall0))}; cat pixels {regions[0].Cat.Count(c => c)}, wall {regions[0].Wall.Count(c => c)}");
        // Where the carried hints land: per frame 1-23, those still carried, and of them those on their own region (within 2 pixels).
        using (FilmSteering steering = FrameJob.Frames("house-cat", frames, _ => { }).WithKeyframes(modes[1].Keyframes).Steer(device, CancellationToken.None)!)
        {
            int carried = 0, right = 0, total = 6 * (frames.Count - 1);
            var perFrame = new List<string>();
            for (int t = 1; t < frames.Count; t++)
            {
                var at = steering.HintsAt(t) ?? Array.Empty<ColorHint>();
                perFrame.Add($"{at.Count(h => h.A > 0)}+{at.Count(h => h.A < 0)}");
                foreach (ColorHint hint in at)
                {
                    bool[] region = hint.A > 0 ? regions[t].Cat : regions[t].Wall;
                    carried++;
                    bool on = false;
                    for (int dy = -2; dy <= 2; dy++)
                        for (int dx = -2; dx <= 2; dx++)
                        {
                            int x = hint.X + dx, y = hint.Y + dy;
                            on |= x >= 0 && y >= 0 && x < FrameWidth && y < FrameHeight && region[y * FrameWidth + x];
                        }
                    right += on ? 1 : 0;
                }
            }
            output.WriteLine($"carried (cat+wall) on frames 1-23: {string.Join(" ", perFrame)}");
            output.WriteLine($"carried hints: {carried} of {total} still carried on frames 1-23, {right} of them on their region");
            // Measured: 99 of 138 carried, 86 of them on their region (the wall's two leave by frame 6; the cat's stay to
            // frame 21). With a window mismatch fixed at half the threshold, under this plate's real noise, 69 and 63: the
            // cat's hints were all dropped by frame 18 (KeyframeCarrier.NoiseFactor).
            Assert.True(right >= 0.8 * carried && carried >= 0.6 * total, $"{carried} of {total} carried, {right} of them on their region");
        }
        var catDistance = new Dictionary<string, double>();
        foreach (var (mode, keyframes) in modes)
        {
            var outputs = new List<byte[]>();
            FrameJob job = FrameJob.Frames("house-cat", frames, f => outputs.Add(f.Rgb8!), new VideoOptions());
            new FramePipeline(colorizer).Run(keyframes.Length == 0 ? job : job.WithKeyframes(keyframes));
            double catError = 0, wallError = 0;
            for (int t = 1; t < frames.Count; t++)
            {
                int n = FrameWidth * FrameHeight;
                double[] lab = LabReference.SrgbBytesToLab(outputs[t], 1, n);
                var (cat, wall) = regions[t];
                double Distance(bool[] region, (float A, float B) colour) =>
                    Enumerable.Range(0, n).Where(q => region[q]).Average(q => Math.Sqrt(Math.Pow(lab[n + q] - colour.A, 2) + Math.Pow(lab[2 * n + q] - colour.B, 2)));
                catError += Distance(cat, ginger) / (frames.Count - 1);
                wallError += Distance(wall, green) / (frames.Count - 1);
            }
            output.WriteLine($"house cat {mode}: mean ab distance, frames 1-23, of the cat from the ginger hint {catError:0.00}, of the wall from the green hint {wallError:0.00}");
            catDistance[mode] = catError;
        }
        // #40's target on its clips is two thirds, here with the distance to the person's colour standing in for the truth:
        // carried from frame 0, the hints gain what the same hints given on every frame gain over automatic (measured:
        // 34.98 -> 6.24 against 7.10, 103 %; 78 % when the cat's hints were dropped by frame 18, the stabiliser carrying
        // their colour on). Held at 90 %.
        double gained = catDistance["automatic"] - catDistance["hints on frame 0, carried"], bound = catDistance["automatic"] - catDistance["hints on every frame"];
        Assert.True(gained >= 0.9 * bound, $"carried hints gain {gained:0.00} of the every-frame hints' {bound:0.00} on the cat");
    }
}
