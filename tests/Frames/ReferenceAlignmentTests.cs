using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Frames;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Som;
using ColorKernels.Engine.Tensors;
using ColorKernels.Engine.Video;
using ColorKernels.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ColorKernels.Tests.Frames;

/// <summary>
/// A reference photo that shows the film's own shot is lined up with the frame along the optical flow and its
/// colours taken where its lightness matches (issue #40: the exemplar protocol's true frame 0 as reference;
/// <see cref="VideoOptions.ReferencePictures"/>, a keyframe's reference pictures). Checked on clips of known motion
/// against their true colours, and that pictures of something else change nothing, bit for bit.
/// </summary>
public class ReferenceAlignmentTests(ITestOutputHelper output)
{
    private readonly ComputeDevice device = TestDevices.Get("cpu:0");

    private static double MeanRgbError(ImageData got, byte[] truth) => FilmKeyframeTests.MeanRgbError(got, truth);

    /// <summary>A picture's fit (400 steps, hidden 64): these tests are of the lining up, not of the fit's quality.</summary>
    private IColorizer Fit(ImageData picture) =>
        Colorizer.Open(device, ReferenceColorizer.FitPictures(device, new[] { picture }, ReferenceColorizer.DefaultSteps, ReferenceColorizer.DefaultHidden));

    private static (List<ImageData> Frames, FrameJobReport Report) Run(IColorizer colorizer, IReadOnlyList<ImageData> frames, VideoOptions? options = null, params FilmKeyframe[] keyframes)
    {
        var got = new List<ImageData>();
        FrameJob job = FrameJob.Frames("clip", frames, got.Add, options);
        if (keyframes.Length > 0)
            job = job.WithKeyframes(keyframes);
        FrameJobReport report = new FramePipeline(colorizer).Run(job);
        Assert.True(report.Succeeded, report.Error);
        return (got, report);
    }

    /// <summary><paramref name="frames"/> coloured by a model fitted to <paramref name="fittedTo"/>, without and with <paramref name="pictures"/> to line up; the frames lined up in the second.</summary>
    private (List<ImageData> Plain, List<ImageData> Lined, int Aligned) WithAndWithout(IReadOnlyList<ImageData> frames, ImageData fittedTo, IReadOnlyList<ImageData> pictures)
    {
        using IColorizer reference = Fit(fittedTo);
        var (plain, plainReport) = Run(reference, frames);
        Assert.Equal(0, plainReport.AlignedFrames);
        var (lined, report) = Run(reference, frames, new VideoOptions { ReferencePictures = pictures });
        return (plain, lined, report.AlignedFrames);
    }

    [Fact]
    public void A_reference_that_is_the_films_first_frame_gives_that_frame_its_colours_and_the_shot_keeps_them()
    {
        MotionClip clip = MotionClips.Zoom("parrot", 0.99, frames: 8);
        var first = ImageData.FromRgb8(clip.Width, clip.Height, clip.Colour[0]);
        var (plain, lined, aligned) = WithAndWithout(clip.GreyFrames(), first, new[] { first });
        Assert.Equal(1, aligned);
        double Error(List<ImageData> got, int t) => MeanRgbError(got[t], clip.Colour[t]);
        output.WriteLine(string.Join(" ", Enumerable.Range(0, 8).Select(t => $"{t}: {Error(plain, t):F2} -> {Error(lined, t):F2}")));
        // Frame 0: its true colours on its own L (the truth's), but for the 0.001 of the model's kept and 8-bit rounding.
        Assert.True(Error(lined, 0) < 1, $"frame 0: mean |RGB error| {Error(lined, 0):F2}");
        // The shot goes on from them, as from a colour frame: every frame nearer the truth than the fitted model alone.
        for (int t = 1; t < 8; t++)
            Assert.True(Error(lined, t) < Error(plain, t) - 0.5, $"frame {t}: mean |RGB error| {Error(lined, t):F2} lined up, {Error(plain, t):F2} not");
    }

    [Fact]
    public void A_still_a_few_frames_on_in_the_shot_lines_up_across_the_motion()
    {
        // A pan of 3, 1 pixels a frame: frame 3 of it is 9, 3 pixels from frame 0. Lined up with frame 0 along the flow
        // (not pasted in place), it colours frame 0 far nearer the truth; what it never showed (the strip frame 0 has
        // and frame 3 has not) is left to the model.
        MotionClip clip = MotionClips.Pan("books", -3, -1, frames: 4);
        var still = ImageData.FromRgb8(clip.Width, clip.Height, clip.Colour[3]);
        var (plain, lined, aligned) = WithAndWithout(clip.GreyFrames(), still, new[] { still });
        Assert.Equal(1, aligned);
        double plainError = MeanRgbError(plain[0], clip.Colour[0]), linedError = MeanRgbError(lined[0], clip.Colour[0]);
        // Pasted in place (no flow) the still would be 9 pixels off on a textured photo.
        double pasted = MeanRgbError(still, clip.Colour[0]);
        output.WriteLine($"frame 0: mean |RGB error| {plainError:F2} the model alone, {linedError:F2} lined up, {pasted:F2} the still as it is");
        Assert.True(linedError < plainError / 2, $"frame 0: {linedError:F2} lined up against {plainError:F2}");
        Assert.True(linedError < pasted / 2, $"frame 0: {linedError:F2} lined up against {pasted:F2} pasted");
    }

    [Fact]
    public void Pictures_of_something_else_change_nothing()
    {
        // The books photo is not the parrot's zoom; its relative difference after lining up is far over the gate.
        MotionClip clip = MotionClips.Zoom("parrot", 0.99, frames: 4);
        var first = ImageData.FromRgb8(clip.Width, clip.Height, clip.Colour[0]);
        var others = new[] { MotionClips.Photo("books"), MotionClips.Photo("car"), MotionClips.Photo("sunflower") };
        var (plain, lined, aligned) = WithAndWithout(clip.GreyFrames(), first, others);
        Assert.Equal(0, aligned);
        for (int t = 0; t < plain.Count; t++)
            Assert.Equal(plain[t].Rgb8, lined[t].Rgb8);
    }

    [Fact]
    public void Each_shots_first_frame_is_tried_and_the_shot_it_shows_takes_it()
    {
        // Two shots: a pan over the car, a cut, a pan over the books; the reference is the books shot's first frame. The
        // car shot is coloured as without it, byte for byte; the books shot's first frame takes its colours.
        MotionClip car = MotionClips.Pan("car", 2, 1, frames: 4), books = MotionClips.Pan("books", -3, 1, frames: 4);
        var frames = car.GreyFrames().Concat(books.GreyFrames()).ToList();
        var still = ImageData.FromRgb8(books.Width, books.Height, books.Colour[0]);
        var (plain, lined, aligned) = WithAndWithout(frames, still, new[] { still });
        Assert.Equal(1, aligned);
        for (int t = 0; t < 4; t++)
            Assert.Equal(plain[t].Rgb8, lined[t].Rgb8);
        Assert.True(MeanRgbError(lined[4], books.Colour[0]) < 1, $"frame 4: mean |RGB error| {MeanRgbError(lined[4], books.Colour[0]):F2}");
    }

    [Fact]
    public void A_keyframes_reference_picture_lines_up_where_its_colours_begin_not_at_a_step_inside_the_shot()
    {
        // A keyframe on frame 3 of a zoom with that frame's true colours as its reference picture: its fitted model
        // colours the shot from the shot's start (the shot's first reference), so the picture is lined up there, with
        // frame 0 (3 % of zoom away), not on frame 3, where the film would step from the model's colours to the picture's.
        MotionClip clip = MotionClips.Zoom("parrot", 0.99, frames: 6);
        var third = ImageData.FromRgb8(clip.Width, clip.Height, clip.Colour[3]);
        using IColorizer automatic = Colorizer.Open(device, "default");
        var quick = new VideoOptions { ReferenceSteps = ReferenceColorizer.DefaultSteps };
        FilmKeyframe keyframe = new() { Frame = 3, ReferencePictures = new[] { third } };
        using FilmSteering steering = FrameJob.Frames("clip", clip.GreyFrames(), _ => { }, quick).WithKeyframes(new[] { keyframe }).Steer(device, CancellationToken.None)!;
        Assert.Same(keyframe.ReferencePictures, steering.AlignAt(0));
        Assert.Null(steering.AlignAt(3));
        var (lined, report) = Run(automatic, clip.GreyFrames(), quick, keyframe);
        Assert.Equal(1, report.AlignedFrames);
        // Against the picture's fitted model alone (what the keyframe gave before it was lined up): every frame nearer.
        using IColorizer fitted = Fit(third);
        var (plain, _) = Run(fitted, clip.GreyFrames());
        for (int t = 0; t < 6; t++)
            Assert.True(MeanRgbError(lined[t], clip.Colour[t]) < MeanRgbError(plain[t], clip.Colour[t]) - 0.5,
                $"frame {t}: mean |RGB error| {MeanRgbError(lined[t], clip.Colour[t]):F2} lined up, {MeanRgbError(plain[t], clip.Colour[t]):F2} the fitted model alone");
    }

    [Fact]
    public void A_segments_lead_in_is_not_a_shots_start()
    {
        // A segment's stabiliser starts inside a shot (FilmSegment.LeadFrames early): the film's reference pictures are
        // tried on the film's first frame and after cuts, not where a segment's lead-in happens to begin.
        MotionClip clip = MotionClips.Pan("books", -3, 1, frames: 2);
        var first = ImageData.FromRgb8(clip.Width, clip.Height, clip.Colour[0]);
        var options = new VideoOptions { ReferencePictures = new[] { first } };
        foreach (bool startsFilm in new[] { true, false })
        {
            using var stabilizer = new MotionStabilizer(device, clip.Width, clip.Height, options, startsFilm: startsFilm);
            using Tensor<float> lab = device.Allocate<float>("lab", Shape.Nchw(1, 3, clip.Height, clip.Width));
            LabOps.ImageToLab(device, clip.GreyFrames()[0], lab);
            stabilizer.Blend(clip.GreyFrames()[0], lab);
            Assert.Equal(startsFilm ? 1 : 0, stabilizer.Aligned);
        }
    }

    [Fact]
    public void The_relative_difference_is_near_zero_for_the_same_frame_moved_and_large_for_other_pictures()
    {
        MotionClip clip = MotionClips.Pan("books", -3, 1, frames: 3);
        int w = clip.Width, h = clip.Height;
        using var flow = new OpticalFlow(device, w, h);
        using Tensor<float> lab = device.Allocate<float>("lab", Shape.Nchw(1, 3, h, w));
        double Relative(ImageData picture, ImageData frame)
        {
            flow.Restart();
            LabOps.ImageToLab(device, picture, lab);
            Assert.False(flow.Next(lab));
            Assert.Equal(double.PositiveInfinity, flow.RelativeDifference());
            LabOps.ImageToLab(device, frame, lab);
            Assert.True(flow.Next(lab));
            return flow.RelativeDifference();
        }
        ImageData grey0 = clip.GreyFrames()[0];
        double same = Relative(ImageData.FromRgb8(w, h, clip.Colour[0]), grey0), moved = Relative(ImageData.FromRgb8(w, h, clip.Colour[2]), grey0);
        double other = Relative(ImageIO.Resized(MotionClips.Photo("parrot"), w, h), grey0);
        var flat = ImageData.FromRgb8(w, h, Enumerable.Repeat((byte)120, w * h * 3).ToArray());
        output.WriteLine($"relative difference: same frame {same:F3}, 6 px on {moved:F3}, another photo {other:F3}");
        Assert.True(same < 0.05, $"{same}");
        Assert.True(moved < 0.1, $"{moved}");
        Assert.True(other > 2 * MotionStabilizer.MaxAlignDifference, $"{other}");
        // A flat frame has nothing to line up: infinity, whatever the picture.
        Assert.Equal(double.PositiveInfinity, Relative(grey0, flat));
    }
}
