using System.Diagnostics;
using System.Globalization;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Launch;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Tensors;
using ColorKernels.Engine.Video;
using ColorKernels.Tests.Support;

namespace ColorKernels.Perf.Speed;

/// <summary>
/// One stabilised 720p frame's device work, stage by stage (issue #41 item 4): 8 frames of a pan over the bundled
/// print (greyscale, 1280 x 720, made with ffmpeg), each coloured by the built-in model as the frame pipeline does it
/// (ColorizeThroughLab: upload, Lab, the network, the decode to ab, the upsampling, then the stabiliser's Blend on
/// that Lab: the flow, the tone fit, the blend; then one conversion to RGB and the download). Wall ms per frame
/// (synchronised, median over the frames after a warm-up pass), with the stabiliser's Blend timed apart, then every
/// kernel of the same step under the profiler (each launch synchronised and timed: where the device time goes, and
/// how much of the wall time is not kernels). ffmpeg's decoding and encoding are VideoBench's baseline ("ffmpeg
/// alone"), not here. --size WxH profiles another frame size (the GPU recipe: 1920 x 1080 and 1280 x 720); without
/// ffmpeg (the GPU machine) the pan's frames are made here by bilinear sampling instead.
/// </summary>
internal static class VideoProfileBench
{
    public static void Run(ComputeDevice device, TextWriter log, int width = 1280, int height = 720)
    {
        string folder = Directory.CreateTempSubdirectory("ck-videoprofile").FullName;
        try
        {
            string print = Path.Combine("samples", "demo-bw", "nagasaki-boats.jpg");
            List<ImageData> frames;
            if (OnPath("ffmpeg"))
            {
                string clip = Path.Combine(folder, "pan.mp4");
                VideoMetrics.RunFfmpeg("-loop", "1", "-i", print,
                    "-vf", $"scale={width + 96}:-2,crop={width}:{height}:x='t*40':y=0,format=gray,format=yuv420p", "-r", "24", "-t", "0.5", "-c:v", "libx264", "-crf", "12", clip);
                frames = VideoMetrics.DecodeFrames(clip, width, height).Select(f => ImageData.FromRgb8(width, height, f)).ToList();
            }
            else
            {
                // The GPU machine has no ffmpeg (perf/NOTES.md): the same pan made here, without the encoder's loss.
                frames = Pan(ImageIO.Load(print), width, height, count: 12);
                log.WriteLine("  (no ffmpeg: the pan's frames made by bilinear sampling, not decoded from H.264)");
            }
            using IColorizer model = Colorizer.Open(device, "default");
            var codebook = (CodebookColorizer)model;
            using var stabilizer = new MotionStabilizer(device, width, height, new VideoOptions());
            // The baseline blend, on a copy of the same Lab: the noise level at the flow's resolution (FlowSettings.NoiseAtFrame off).
            using var baseline = new MotionStabilizer(device, width, height, new VideoOptions { FlowSettings = new FlowSettings { NoiseAtFrame = false } });
            using var copy = device.Allocate<float>("lab.copy", Shape.Nchw(1, 3, height, width));
            var frame = new List<double>();
            var blend = new List<double>();
            var baselineBlend = new List<double>();
            var blendClock = new Stopwatch();
            var baselineClock = new Stopwatch();
            bool timeBaseline = true;
            void Step(ImageData picture) => codebook.ColorizeThroughLab(new[] { picture }, (_, lab) =>
            {
                if (timeBaseline)
                {
                    copy.CopyFrom(lab, 0);
                    device.Synchronize();
                    baselineClock.Restart();
                    baseline.Blend(picture, copy);
                    device.Synchronize();
                    baselineClock.Stop();
                }
                device.Synchronize();
                blendClock.Restart();
                stabilizer.Blend(picture, lab);
                device.Synchronize();
                blendClock.Stop();
            });
            for (int pass = 0; pass < 2; pass++)   // the first pass compiles the kernels
                foreach (ImageData picture in frames)
                {
                    var clock = Stopwatch.StartNew();
                    Step(picture);
                    device.Synchronize();
                    if (pass == 1)
                    {
                        frame.Add(clock.Elapsed.TotalMilliseconds - baselineClock.Elapsed.TotalMilliseconds);
                        blend.Add(blendClock.Elapsed.TotalMilliseconds);
                        baselineBlend.Add(baselineClock.Elapsed.TotalMilliseconds);
                    }
                }
            double Median(List<double> v) => v.Order().ElementAt(v.Count / 2);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"video-profile  {width}x{height}, {frames.Count} frames of a pan, built-in model, stabilised, on {device.Description}"));
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  a frame {Median(frame),8:F1} ms ({1000 / Median(frame):F2} frames/s of device and host work), of which the stabiliser's blend {Median(blend),8:F1} ms; the blend with its noise level at the flow's resolution (the baseline, on a copy of the same frame) {Median(baselineBlend),8:F1} ms ({Median(blend) / Median(baselineBlend):F2}x)"));
            timeBaseline = false;
            int k = 0;
            ProfileResult profile = Profiler.Run(device, () => Step(frames[k++ % frames.Count]), warmup: 0, iterations: frames.Count);
            log.Write(Profiler.Table(profile));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(d => d.Length > 0 && File.Exists(Path.Combine(d, program)));

    /// <summary>
    /// <paramref name="count"/> greyscale frames of <paramref name="width"/> x <paramref name="height"/>: the photo scaled to
    /// width + 96 wide, cropped from the top left and moved 40 / 24 pixels a frame (ffmpeg's filter above, at 24 frames/s).
    /// </summary>
    internal static List<ImageData> Pan(ImageData photo, int width, int height, int count)
    {
        double scale = photo.Width / (double)(width + 96);
        byte[] rgb = photo.Rgb8!;
        double Grey(int x, int y)
        {
            int s = 3 * (Math.Clamp(y, 0, photo.Height - 1) * photo.Width + Math.Clamp(x, 0, photo.Width - 1));
            return 0.299 * rgb[s] + 0.587 * rgb[s + 1] + 0.114 * rgb[s + 2];
        }
        var frames = new List<ImageData>(count);
        for (int t = 0; t < count; t++)
        {
            var frame = new byte[3 * width * height];
            double shift = t * 40.0 / 24;
            Parallel.For(0, height, y =>
            {
                double sy = (y + 0.5) * scale - 0.5;
                int y0 = (int)Math.Floor(sy);
                double fy = sy - y0;
                for (int x = 0; x < width; x++)
                {
                    double sx = (x + shift + 0.5) * scale - 0.5;
                    int x0 = (int)Math.Floor(sx);
                    double fx = sx - x0;
                    double g = (1 - fy) * ((1 - fx) * Grey(x0, y0) + fx * Grey(x0 + 1, y0)) + fy * ((1 - fx) * Grey(x0, y0 + 1) + fx * Grey(x0 + 1, y0 + 1));
                    byte v = (byte)Math.Clamp(Math.Round(g), 0, 255);
                    int d = 3 * (y * width + x);
                    frame[d] = frame[d + 1] = frame[d + 2] = v;
                }
            });
            frames.Add(ImageData.FromRgb8(width, height, frame));
        }
        return frames;
    }
}
