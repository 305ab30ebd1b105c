using System.Globalization;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Evaluation;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Training;
using ColorKernels.Engine.Video;
using ColorKernels.Tests.Support;

namespace ColorKernels.Perf.Quality;

/// <summary>
/// Temporal stabilisation on clips with known colours: from each of <c>limit</c> colour photos a 2-second
/// segment (a slow pan and zoom, 12 fps, 320 x 240) is made with ffmpeg and the segments are joined (a cut
/// between photos); the clip is greyscaled, coloured per frame and stabilised, and each is scored against the
/// original colour frames: flicker (tests/Support/VideoMetrics) and the mean per-frame AuC and rebalanced AuC
/// (the evaluation's metrics, ImageNet prior). The issue's targets: flicker at most half of per-frame, accuracy
/// within 0.5 points.
/// </summary>
internal static class VideoQualityBench
{
    public static void Run(ComputeDevice device, string data, int limit, TextWriter log)
    {
        IReadOnlyList<string> photos = PhotoBatches.Scan(data).Take(limit).ToList();
        string folder = Directory.CreateTempSubdirectory("ck-videoquality").FullName;
        try
        {
            var segments = new List<string>();
            for (int i = 0; i < photos.Count; i++)
            {
                string segment = Path.Combine(folder, $"s{i}.mkv");
                VideoMetrics.RunFfmpeg("-loop", "1", "-i", photos[i], "-vf",
                    "scale=480:360:force_original_aspect_ratio=increase,crop=480:360,zoompan=z='1+0.002*on':x='iw/2-(iw/zoom/2)+on':y='ih/2-(ih/zoom/2)':d=24:s=320x240:fps=12",
                    "-frames:v", "24", "-c:v", "libx264", "-crf", "8", "-pix_fmt", "yuv444p", segment);
                segments.Add(segment);
            }
            string list = Path.Combine(folder, "list.txt");
            File.WriteAllLines(list, segments.Select(s => $"file '{s}'"));
            string colour = Path.Combine(folder, "colour.mkv"), grey = Path.Combine(folder, "grey.mkv");
            VideoMetrics.RunFfmpeg("-f", "concat", "-safe", "0", "-i", list, "-c", "copy", colour);
            VideoMetrics.RunFfmpeg("-i", colour, "-vf", "format=gray,format=yuv444p", "-c:v", "libx264", "-crf", "8", grey);
            List<byte[]> truth = VideoMetrics.DecodeFrames(colour, 320, 240);

            using IColorizer colorizer = Colorizer.Open(device, "default");
            using var metrics = new ImageMetrics(device, Rebalancing.ImageNetPrior());
            log.WriteLine($"video-quality  {photos.Count} photos from {data}, {truth.Count} frames (320x240, 12 fps, a cut between photos), built-in model, {device.Description}");
            float defaultStrength = new VideoOptions().Strength;
            log.WriteLine($"  {"variant",-12} {"flicker",8} {"AuC",7} {"rebal. AuC",11} {"cuts",5}   (stabilised: keep = the strength, {defaultStrength:0.00} by default)");
            double? firstFlicker = null;
            foreach (float strength in new[] { 0f, 0.9f, defaultStrength })
            {
                bool stabilize = strength > 0;
                var frames = new List<byte[]>();
                ColorKernels.Engine.Frames.FrameJobReport report = VideoColorizer.Colorize(colorizer, grey, Path.Combine(folder, "out.mkv"),
                    new VideoOptions { Stabilize = stabilize, Strength = stabilize ? strength : defaultStrength, FrameSink = f => frames.Add(f.Rgb8!) });
                if (frames.Count != truth.Count)
                    throw new InvalidOperationException($"{frames.Count} frames coloured, {truth.Count} in the original");
                var scores = frames.Select((f, i) => metrics.Score($"frame{i}", "model", ImageData.FromRgb8(320, 240, f), ImageData.FromRgb8(320, 240, truth[i]))).ToList();
                double flicker = VideoMetrics.Flicker(frames);
                firstFlicker ??= flicker;
                string relative = stabilize ? string.Create(CultureInfo.InvariantCulture, $"   (flicker {flicker / firstFlicker.Value:P0} of per frame)") : "";
                log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {(stabilize ? $"keep {strength:0.00}" : "per frame"),-12} {flicker,8:F3} {scores.Average(s => s.Auc),7:F2} {scores.Average(s => s.AucRebalanced),11:F2} {report.Cuts,5}{relative}"));
            }
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  original colour frames' own flicker: {VideoMetrics.Flicker(truth):F3}"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
