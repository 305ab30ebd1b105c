using System.Diagnostics;
using System.Globalization;
using ColorKernels.Engine.Color;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Evaluation;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Som;
using ColorKernels.Engine.Training;

namespace ColorKernels.Perf.Quality;

/// <summary>
/// Reference mode measured on pairs of related photos with known colours: each photo of a folder is cut into
/// its left and right halves; the left half is the reference, the right half (greyscale) is coloured, and
/// the result is scored against the right half's real colours beside the greyscale baseline (rebalanced AuC,
/// the paper's prior; chroma). <c>Perf --filter som-reference --data DIR [--limit N] [--som-settings ...]</c>.
/// </summary>
public static class SomReferenceBench
{
    public static void Run(ComputeDevice device, string folder, int limit, IReadOnlyList<(string Name, Func<int, SomMlpSettings> Settings, float Temperature)> variants, TextWriter output)
    {
        var files = Engine.Files.FileWalk.Files(folder, ImageIO.HasImageExtension).Take(limit).ToList();
        string temp = Directory.CreateTempSubdirectory("ck-reference-bench-").FullName;
        using var metrics = new ImageMetrics(device, Rebalancing.ImageNetPrior());
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine($"som-reference on {device.Description}: {files.Count} photos of {folder}, left half as reference, right half coloured");
        output.WriteLine("  variant                               AuC-rebal  greyscale  gain   chroma  original  fit s  colour s");
        try
        {
            var rows = variants.ToDictionary(v => v.Name, _ => new List<(double Auc, double Grey, double Chroma, double Original, double Fit, double Colour)>());
            foreach (string file in files)
            {
                ImageData photo = ImageIO.Load(file);
                int half = photo.Width / 2;
                ImageData left = Crop(photo, 0, half), right = Crop(photo, half, photo.Width - half);
                string leftPath = Path.Combine(temp, "left.png");
                ImageIO.Save(leftPath, left);
                ImageScore grey = metrics.Score(file, "greyscale", Desaturation.Desaturate(device, right), right);
                foreach (var (name, settings, temperature) in variants)
                {
                    var clock = Stopwatch.StartNew();
                    var (model, _) = SomMlpTrainer.Train(device, new[] { leftPath }, settings(0), (_, _) => { }, _ => { });
                    double fit = clock.Elapsed.TotalSeconds;
                    clock.Restart();
                    using IColorizer colorizer = Colorizer.Open(device, model, new ColorizerOptions { Temperature = temperature });
                    ImageData coloured = colorizer.Colorize(right);
                    double colour = clock.Elapsed.TotalSeconds;
                    ImageScore score = metrics.Score(file, name, coloured, right);
                    rows[name].Add((score.AucRebalanced, grey.AucRebalanced, score.Chroma, score.ChromaOriginal, fit, colour));
                }
            }
            foreach (var (name, list) in rows)
            {
                double auc = list.Average(r => r.Auc), g = list.Average(r => r.Grey);
                output.WriteLine(string.Create(inv, $"  {name,-36} {auc,9:F2}  {g,9:F2}  {auc - g,5:+0.00;-0.00}  {list.Average(r => r.Chroma),6:F2}  {list.Average(r => r.Original),8:F2}  {list.Average(r => r.Fit),5:F1}  {list.Average(r => r.Colour),8:F2}"));
            }
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    private static ImageData Crop(ImageData image, int x0, int width)
    {
        byte[] source = image.Rgb8 ?? throw new ArgumentException("8-bit photos only");
        var rgb = new byte[width * image.Height * 3];
        for (int y = 0; y < image.Height; y++)
            Array.Copy(source, (y * image.Width + x0) * 3, rgb, y * width * 3, width * 3);
        return ImageData.FromRgb8(width, image.Height, rgb);
    }
}
