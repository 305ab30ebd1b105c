using System.Text.Json.Nodes;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Evaluation;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Training;
using ColorKernels.Tests.Support;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace ColorKernels.Tests.Evaluation;

/// <summary>The evaluation metrics against hand-computed values, and the report end to end.</summary>
public sealed class MetricsTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("ck-eval-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    public static IEnumerable<object[]> Devices => TestDevices.All;

    /// <summary>
    /// The same evaluation gives the same digits on every run: the sums are added in a fixed order (per-thread
    /// partials in thread order, the histogram's buckets in pixel order), where float atomics added them in
    /// whatever order threads finished (eval's metrics moved in the 7th digit from run to run). A picture large
    /// enough that every thread of the launch has pixels, scored ten times.
    /// </summary>
    [Theory]
    [MemberData(nameof(Accelerators))]
    public void The_same_evaluation_gives_the_same_digits_every_run(string deviceId)
    {
        using var metrics = new ImageMetrics(TestDevices.Get(deviceId), Rebalancing.ImageNetPrior());
        var truth = ImageData.FromRgb8(96, 64, TestData.Bytes(96 * 64 * 3, 5));
        var prediction = ImageData.FromRgb8(96, 64, TestData.Bytes(96 * 64 * 3, 6));
        ImageScore first = metrics.Score("x", "m", prediction, truth);
        for (int run = 0; run < 10; run++)
        {
            ImageScore again = metrics.Score("x", "m", prediction, truth);
            Assert.Equal(first.Psnr, again.Psnr);
            Assert.Equal(first.AucRebalanced, again.AucRebalanced);
            Assert.Equal(first.Colourfulness, again.Colourfulness);
            Assert.Equal(first.Chroma, again.Chroma);
            Assert.Equal(first.Histogram, again.Histogram);
            Assert.Equal(first.RebalancedHistogram, again.RebalancedHistogram);
        }
    }

    public static IEnumerable<object[]> Accelerators => TestDevices.Accelerators;

    [Theory]
    [MemberData(nameof(Devices))]
    public void A_perfect_prediction_scores_100_AuC_and_infinite_PSNR(string deviceId)
    {
        using var metrics = new ImageMetrics(TestDevices.Get(deviceId), Rebalancing.ImageNetPrior());
        var truth = ImageData.FromRgb8(7, 5, TestData.Bytes(7 * 5 * 3, 1));
        ImageScore s = metrics.Score("x", "m", truth, truth);
        Assert.Equal(100.0, s.Auc, 9);
        Assert.Equal(100.0, s.AucRebalanced, 9);
        Assert.True(double.IsPositiveInfinity(s.Psnr));
        Assert.Equal(s.ColourfulnessOriginal, s.Colourfulness, 6);
        Assert.Equal(s.ChromaOriginal, s.Chroma, 4);
    }

    [Theory]
    [MemberData(nameof(Devices))]
    public void Two_pixel_pictures_give_the_hand_computed_values(string deviceId)
    {
        using var metrics = new ImageMetrics(TestDevices.Get(deviceId), Rebalancing.ImageNetPrior());
        // Truth: pure red and pure blue. Prediction: each channel 10 codes off.
        var truth = ImageData.FromRgb8(2, 1, new byte[] { 255, 0, 0, 0, 0, 255 });
        var prediction = ImageData.FromRgb8(2, 1, new byte[] { 245, 10, 10, 10, 10, 245 });
        ImageScore s = metrics.Score("x", "m", prediction, truth);
        // MSE 100 -> PSNR = 10 log10(255^2 / 100) = 28.1308 dB.
        Assert.Equal(28.1308, s.Psnr, 3);
        // Colourfulness of the truth by hand: rg = (255, 0), yb = (127.5, -255): sqrt(16256.25 + 36576.5625)
        // + 0.3 sqrt(127.5^2 + 63.75^2) = 229.8539 + 42.7643 = 272.6182.
        Assert.Equal(272.6182, s.ColourfulnessOriginal, 2);
        // Mean chroma of the truth: red (a 80.09, b 67.20) has chroma 104.55, blue (79.19, -107.86) 133.81.
        Assert.Equal((104.5518 + 133.8076) / 2, s.ChromaOriginal, 1);
        // AuC is between 0 and 100 and both pixels are off by some ab error below 150.
        Assert.InRange(s.Auc, 0, 100);
        Assert.Equal(2.0, s.Histogram.Sum(), 9);
        Assert.Equal(0.0, s.Histogram[151]);
    }

    [Fact]
    public void AuC_of_a_histogram_is_the_mean_cumulative_fraction()
    {
        var histogram = new double[152];
        histogram[10] = 3;                 // every pixel off by an error in (9, 10]
        Assert.Equal(100.0 * 141 / 151, ImageMetrics.Auc(histogram), 9);
        histogram[151] = 3;                // half of them beyond 150
        Assert.Equal(50.0 * 141 / 151, ImageMetrics.Auc(histogram), 9);
        Assert.True(double.IsNaN(ImageMetrics.Auc(new double[152])));
        Assert.True(double.IsPositiveInfinity(ImageMetrics.Psnr(0)));
    }

    [Fact]
    public void The_report_is_produced_for_a_tiny_folder_and_tiny_model()
    {
        Directory.CreateDirectory(Path.Combine(dir, "photos"));
        for (int i = 0; i < 3; i++)
        {
            using var image = new Image<Rgb24>(24, 16);
            for (int y = 0; y < 16; y++)
                for (int x = 0; x < 24; x++)
                    image[x, y] = new Rgb24((byte)(x * 10), (byte)(100 + i * 30), (byte)(y * 15));
            image.Save(Path.Combine(dir, "photos", $"p{i}.png"));
        }
        ComputeDevice device = TestDevices.Get("cpu:0");
        using var network = InferenceNetwork.Load(device, NetworkInit.Create(NetworkConfig.Eccv16(1.0 / 32), 2), "tiny");
        using var colorizer = new NetworkColorizer(network, 16, 0.38f);
        string report = Path.Combine(dir, "report");
        var overall = new EvaluationRun { GalleryLimit = 2 }.Run(device, PhotoBatches.Scan(Path.Combine(dir, "photos")),
            new[] { new EvalModel("tiny", colorizer.Colorize) }, Rebalancing.ImageNetPrior(), report, _ => { });

        Assert.Equal(new[] { "greyscale", "tiny" }, overall.Select(s => s.Model));
        Assert.Equal(0.0, overall[0].Chroma, 1);   // the baseline has no colour
        foreach (string file in new[] { "metrics.json", "metrics.csv", "index.html", "contact-sheet.png" })
            Assert.True(File.Exists(Path.Combine(report, file)), file);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(report, "metrics.json")))!;
        Assert.Equal(6, json["images"]!.AsArray().Count);
        Assert.Equal(2, json["overall"]!.AsArray().Count);
        string html = File.ReadAllText(Path.Combine(report, "index.html"));
        Assert.Contains("rebalanced AuC", html);
        foreach (string image in Directory.GetFiles(Path.Combine(report, "images")))
            Assert.Contains("images/" + Path.GetFileName(image), html);
        Assert.Equal(1 + 2 + 6, File.ReadAllLines(Path.Combine(report, "metrics.csv")).Length);   // header, 2 overall rows, 3 pictures x 2 rows
    }
}
