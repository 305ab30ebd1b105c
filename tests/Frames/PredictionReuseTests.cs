using ColorKernels.Engine;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Frames;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Video;
using ColorKernels.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ColorKernels.Tests.Frames;

/// <summary>
/// A stabilised film runs the model on every <see cref="VideoOptions.PredictEvery"/>-th frame and on each shot's
/// first (#41 item 4): which frames run it, that a frame between decodes the kept output with its own L, that a cut
/// runs the model (no frame of a new shot takes the last shot's colours) and that the colours stay those of the
/// model run on every frame to within what the stabiliser lets through.
/// </summary>
public sealed class PredictionReuseTests(ITestOutputHelper output)
{
    private readonly ComputeDevice device = TestDevices.Get("cpu:0");

    // The built-in model's grid is 28 x 28 cells: at 144 x 112 a cell is at least 4 pixels a side, so frames may reuse.
    private const int W = 144, H = 112;

    private static ImageData Flat(byte level) => ImageData.FromRgb8(8, 8, Enumerable.Repeat(level, 8 * 8 * 3).ToArray());

    [Fact]
    public void The_model_runs_on_a_shots_first_frame_and_every_nth_frame_of_the_film()
    {
        using var cadence = new PredictionCadence(every: 3, cutThreshold: 20);
        // A segment's source starts at film frame 5: its first frame runs (nothing kept yet), then the film's
        // multiples of 3 (as a single run of the whole film does); frame 10 is a cut (grey 100 -> 200), frame 13 a
        // steered shot's start.
        var reused = new List<long>();
        for (long index = 5; index < 16; index++)
        {
            byte level = index < 10 ? (byte)100 : (byte)200;
            if (cadence.Next(Flat(level), index, startsShot: index == 13).Reuse)
                reused.Add(index);
        }
        Assert.Equal(new long[] { 7, 8, 11, 14 }, reused);
        // Every is 1 at least: the options refuse anything else, in one line.
        var e = Assert.Throws<UserErrorException>(() => new VideoOptions { PredictEvery = 0 });
        Assert.Equal("--predict-every 0: expected 1 (the model on every frame) to 8", e.Message);
        Assert.Throws<UserErrorException>(() => new VideoOptions { PredictEvery = VideoOptions.MaxPredictEvery + 1 });
    }

    private List<byte[]> Colour(IColorizer colorizer, IReadOnlyList<ImageData> frames, int every, int batch = 1)
    {
        var coloured = new List<byte[]>();
        new FramePipeline(colorizer, batch).Run(FrameJob.Frames("clip", frames, f => coloured.Add(f.Rgb8!), new VideoOptions { PredictEvery = every }));
        return coloured;
    }

    private static double MeanDifference(byte[] a, byte[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Average();

    [Fact]
    public void A_still_shot_coloured_with_the_model_on_every_fourth_frame_is_the_same_film_byte_for_byte()
    {
        // Identical frames: the kept output is exactly what the model would give again, so a frame that decodes it
        // with its own L must come out as the frame whose model ran.
        using IColorizer colorizer = Colorizer.Open(device, "default");
        IReadOnlyList<ImageData> frames = MotionClips.Pan("car", 0, 0, frames: 6, w: W, h: H).GreyFrames();
        // In batches of 4 as a GPU takes them, a frame reuses what an earlier frame of its batch kept.
        List<byte[]> every = Colour(colorizer, frames, 1), fourth = Colour(colorizer, frames, 4), batched = Colour(colorizer, frames, 4, batch: 4);
        Assert.Equal(6, fourth.Count);
        for (int t = 0; t < 6; t++)
        {
            Assert.Equal(every[t], fourth[t]);
            Assert.Equal(every[t], batched[t]);
        }
    }

    [Fact]
    public void A_film_whose_frames_are_small_beside_the_models_grid_runs_the_model_on_every_frame()
    {
        // At 72 x 48 a cell of the 28 x 28 grid is under 4 pixels a side: an older prediction would show a moving edge
        // a frame late, so no frame reuses one, and the film is the one with the model on every frame.
        using IColorizer colorizer = Colorizer.Open(device, "default");
        IReadOnlyList<ImageData> frames = MotionClips.Pan("books", -6, 2, frames: 5, w: 72, h: 48).GreyFrames();
        List<byte[]> every = Colour(colorizer, frames, 1), fourth = Colour(colorizer, frames, 4);
        for (int t = 0; t < frames.Count; t++)
            Assert.Equal(every[t], fourth[t]);
    }

    [Fact]
    public void Frames_between_the_models_runs_take_their_own_light_and_a_cut_runs_the_model()
    {
        using IColorizer colorizer = Colorizer.Open(device, "default");
        // Five frames of a pan over the car, then a cut to five of a pan over the books (the cut at frame 5, which
        // the cadence of 4 would otherwise skip).
        var frames = MotionClips.Pan("car", 6, 2, frames: 5, w: W, h: H).GreyFrames()
            .Concat(MotionClips.Pan("books", -6, 2, frames: 5, w: W, h: H).GreyFrames()).ToList();
        List<byte[]> every = Colour(colorizer, frames, 1), fourth = Colour(colorizer, frames, 4);
        for (int t = 0; t < frames.Count; t++)
        {
            double apart = MeanDifference(every[t], fourth[t]);
            output.WriteLine($"frame {t}: mean |every 4th - every frame| {apart:F3} levels");
            if (t is 0 or 5)
                // The model ran on both and starts a shot: the stabiliser carries nothing into it.
                Assert.True(apart == 0, $"frame {t}: {apart:F3}");
            else if (t is 4 or 8)
                // The model ran on both: what differs is only what the stabiliser carried from the frame before.
                Assert.True(apart <= MeanDifference(every[t - 1], fourth[t - 1]), $"frame {t}: {apart:F3}");
            else
                // Decoded from an older prediction: a little off the model's own, never a shot's worth.
                Assert.True(apart is > 0 and < 1.5, $"frame {t}: {apart:F3}");
            // Each frame keeps its own light: the output's grey is the input's (to the rounding of Lab -> sRGB).
            double grey = Enumerable.Range(0, W * H).Average(i =>
                Math.Abs(0.299 * fourth[t][3 * i] + 0.587 * fourth[t][3 * i + 1] + 0.114 * fourth[t][3 * i + 2] - frames[t].Rgb8![3 * i]));
            Assert.True(grey < 3, $"frame {t}: grey {grey:F2} from its own");
        }
    }
}
