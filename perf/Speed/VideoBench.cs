using System.Diagnostics;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Frames;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Video;
using ColorKernels.Tests.Support;

namespace ColorKernels.Perf.Speed;

/// <summary>
/// Colouring videos end to end (ffmpeg decode, device work, ffmpeg encode, concurrently) at 480p and 720p
/// with the built-in model: frames/s per frame, stabilised along the motion (the default) and by the old
/// fixed-pixel filter, and the optical flow alone (its share), against a baseline in the same run that
/// runs the same pipeline with a colourizer that returns its input (ffmpeg's share: decoding, encoding and
/// the pipes). The clips are made with ffmpeg from a bundled print (a pan, greyscale, H.264, 48 frames).
/// --size WxH times that size alone (the GPU recipe's 1920 x 1080).
/// </summary>
internal static class VideoBench
{
    public static void Run(ComputeDevice device, TextWriter log, (int Width, int Height)? size = null)
    {
        string folder = Directory.CreateTempSubdirectory("ck-videobench").FullName;
        try
        {
            using IColorizer model = Colorizer.Open(device, "default");
            using var identity = new IdentityColorizer(device);
            // Warm-up: the kernels of the model and of the stabilisation compile on first use, outside the timings.
            ImageData small = ImageData.FromRgb8(16, 16, new byte[16 * 16 * 3]);
            model.Colorize(new[] { small });
            using (var warm = new TemporalStabilizer(device, 16, 16, new VideoOptions()))
                warm.Apply(small, small);
            using (var warm = new MotionStabilizer(device, 16, 16, new VideoOptions()))
            {
                warm.Apply(small, small);
                warm.Apply(small, small);
            }
            log.WriteLine($"video  48-frame clips (a pan over samples/demo-bw/nagasaki-boats.jpg), built-in model, on {device.Description}");
            log.WriteLine($"  {"size",-10} {"variant",-22} {"s",7} {"frames/s",9} {"vs ffmpeg alone",16}   where the colouring loop's time went");
            var sizes = size is { } given ? new[] { ($"{given.Height}p", given.Width, given.Height) } : new[] { ("480p", 854, 480), ("720p", 1280, 720) };
            foreach (var (name, width, height) in sizes)
            {
                string clip = Path.Combine(folder, name + ".mp4");
                VideoMetrics.RunFfmpeg("-loop", "1", "-i", Path.Combine("samples", "demo-bw", "nagasaki-boats.jpg"),
                    "-vf", $"scale={width + 96}:-2,crop={width}:{height}:x='t*40':y=0,format=gray,format=yuv420p", "-r", "24", "-t", "2", "-c:v", "libx264", clip);
                FrameJobReport baseline = Time(identity, clip, folder, new VideoOptions { Stabilize = false });
                foreach (var (variant, colorizer, options) in new[]
                {
                    ("ffmpeg alone (baseline)", (IColorizer)identity, new VideoOptions { Stabilize = false }), ("per frame", model, new VideoOptions { Stabilize = false }),
                    ("fixed-pixel filter", model, new VideoOptions { FixedPixel = true, PredictEvery = 1 }), ("along the motion", model, new VideoOptions { PredictEvery = 1 }),
                    ("  model every 2nd frame", model, new VideoOptions { PredictEvery = 2 }), ("  model every 3rd frame", model, new VideoOptions { PredictEvery = 3 }),
                })
                {
                    FrameJobReport report = variant.StartsWith("ffmpeg", StringComparison.Ordinal) ? baseline : Time(colorizer, clip, folder, options);
                    double seconds = report.Seconds;
                    log.WriteLine($"  {name,-10} {variant,-22} {seconds,7:F2} {48 / seconds,9:F2} {seconds / baseline.Seconds,15:F2}x   {report.Timings.Describe(seconds)}");
                }
                log.WriteLine($"  {name,-10} {"optical flow alone",-22} {FlowMilliseconds(device, width, height),7:F1} ms a frame (pyramidal Lucas-Kanade at the flow's resolution)");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The optical flow of one frame pair at <paramref name="width"/> x <paramref name="height"/> (device work only, the pyramid included), median of 9 after 2 warm-ups.</summary>
    private static double FlowMilliseconds(ComputeDevice device, int width, int height)
    {
        using var flow = new OpticalFlow(device, width, height);
        var random = new Random(1);
        var planes = new float[3 * width * height];
        for (int i = 0; i < width * height; i++)
            planes[i] = (float)(50 + 30 * Math.Sin(i % width * 0.05) * Math.Cos(i / width * 0.07) + random.NextDouble());
        using var lab = device.Upload("lab", Engine.Tensors.Shape.Nchw(1, 3, height, width), planes);
        var times = new List<double>();
        for (int i = 0; i < 11; i++)
        {
            var clock = Stopwatch.StartNew();
            flow.Next(lab);
            device.Synchronize();
            if (i >= 2)
                times.Add(clock.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }

    /// <summary>One run; its Seconds are the wall time around the whole call (probing and process start included).</summary>
    private static FrameJobReport Time(IColorizer colorizer, string clip, string folder, VideoOptions options)
    {
        var clock = Stopwatch.StartNew();
        FrameJobReport report = VideoColorizer.Colorize(colorizer, clip, Path.Combine(folder, "out.mp4"), options);
        if (report.Frames != 48)
            throw new InvalidOperationException($"{report.Frames} frames, expected 48");
        return report with { Seconds = clock.Elapsed.TotalSeconds };
    }

    /// <summary>Returns each picture as it is: the pipeline without the device work.</summary>
    private sealed class IdentityColorizer(ComputeDevice device) : IColorizer
    {
        public ColorizationMethod Method => ColorizationMethod.Eccv16;

        public ComputeDevice Device => device;

        public int PreferredBatch => 1;

        public float Temperature => 1f;

        public IReadOnlyList<float> Palette => Array.Empty<float>();

        public IReadOnlyList<ImageData> Colorize(IReadOnlyList<ImageData> images) => images;

        // The baseline times the video pipeline around Colorize only: it has no model, so nothing to predict.
        public IReadOnlyList<Prediction> Predict(IReadOnlyList<ImageData> images) => throw new NotSupportedException("the identity baseline has no model");

        public ImageData Decode(Prediction prediction, float? temperature = null, IReadOnlyList<ColorHint>? hints = null, ColorPalette? colorPalette = null) => throw new NotSupportedException("the identity baseline has no model");

        public PixelDistribution Distribution(Prediction prediction, int x, int y, float? temperature = null) => throw new NotSupportedException("the identity baseline has no model");

        public void Dispose()
        {
        }
    }
}
