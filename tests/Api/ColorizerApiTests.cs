using ColorKernels.Engine;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Tests.Support;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace ColorKernels.Tests.Api;

/// <summary>
/// The library's promises: every way in (ImageData, ImageSharp image, file, stream, a list with progress)
/// colours the same picture the same way; concurrent callers get the same pictures as one caller; a
/// cancelled batch stops; ECCV16's prediction is a distribution whose mean is the decoded ab.
/// </summary>
public class ColorizerApiTests
{
    private static readonly string Books = TestData.RepositoryFile("samples", "photos", "books.png");

    private static ImageData Grey(ComputeDevice device) => ColorKernels.Engine.Color.Desaturation.Desaturate(device, ImageIO.Load(Books));

    [Fact]
    public void Every_way_in_colours_a_picture_the_same()
    {
        ComputeDevice device = TestDevices.Get("cpu:0");
        using IColorizer colorizer = Colorizer.Open(device, "default");
        byte[] expected = colorizer.ColorizeFile(Books).Rgb8!;
        Assert.Equal(expected, colorizer.Colorize(ImageIO.Load(Books)).Rgb8);
        using (FileStream stream = File.OpenRead(Books))
            Assert.Equal(expected, colorizer.Colorize(stream, "books.png").Rgb8);
        using (Image<Rgba32> image = Image.Load<Rgba32>(Books))
        using (Image coloured = colorizer.Colorize(image))
        {
            Assert.Equal((image.Width, image.Height), (coloured.Width, coloured.Height));
            Assert.Equal(expected, ImageIO.FromImage(coloured).Rgb8);
        }
        using (var model = File.OpenRead(TestData.RepositoryFile("docs", "som-mlp", "general.ckm")))
        using (IColorizer som = Colorizer.Open(device, model, "general.ckm"))
            Assert.Equal(ColorizationMethod.SomMlp, som.Method);
    }

    [Fact]
    public void Concurrent_callers_get_what_one_caller_gets()
    {
        ComputeDevice device = TestDevices.Get("cpu:0");
        ImageData grey = Grey(device);
        using IColorizer colorizer = Colorizer.Open(device, "default");
        byte[] alone = colorizer.Colorize(grey).Rgb8!;
        byte[][] together = Enumerable.Range(0, 4).AsParallel().WithDegreeOfParallelism(4).Select(_ => colorizer.Colorize(grey).Rgb8!).ToArray();
        Assert.All(together, rgb => Assert.Equal(alone, rgb));
    }

    [Fact]
    public void A_batch_reports_progress_and_stops_when_cancelled()
    {
        ComputeDevice device = TestDevices.Get("cpu:0");
        ImageData small = ImageData.FromRgb8(16, 12, TestData.Bytes(16 * 12 * 3, 1));
        using IColorizer colorizer = Colorizer.Open(device, "default", new ColorizerOptions { Batch = 2 });
        var reported = new List<int>();
        var progress = new SynchronousProgress(reported.Add);
        IReadOnlyList<ImageData> done = colorizer.Colorize(Enumerable.Repeat(small, 5).ToList(), progress);
        Assert.Equal(5, done.Count);
        Assert.Equal(new[] { 2, 4, 5 }, reported);
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Assert.Throws<OperationCanceledException>(() => colorizer.Colorize(new[] { small }, null, cancel.Token));
    }

    /// <summary>The CPU accelerator, the model's path ("default", or a repository file), and the grey test picture.</summary>
    private static (ComputeDevice Device, string Path, ImageData Grey) GreyFor(string model)
    {
        ComputeDevice device = TestDevices.Get("cpu:0");
        return (device, model == "default" ? model : TestData.RepositoryFile(model.Split('/')), Grey(device));
    }

    [Theory]
    [InlineData("default")]
    [InlineData("docs/som-mlp/general.ckm")]
    public void A_prediction_decodes_at_any_temperature_as_a_fresh_colouring_does(string model)
    {
        // The one prediction path, either method: Decode(Predict(x), T) is bit for bit what a colourizer
        // opened at T colours, so a temperature move needs no second run of the model.
        var (device, path, grey) = GreyFor(model);
        using IColorizer colorizer = Colorizer.Open(device, path);
        using Prediction p = colorizer.Predict(grey);
        Assert.True(p.Classes > 0);
        Assert.Equal(2 * p.Classes, colorizer.Palette.Count);
        foreach (float t in new[] { 0f, 0.38f, 1f, 2.5f })
        {
            using IColorizer fresh = Colorizer.Open(device, path, new ColorizerOptions { Temperature = t });
            Assert.Equal(fresh.Colorize(new[] { grey })[0].Rgb8, colorizer.Decode(p, t).Rgb8);
        }
        Assert.Equal(colorizer.Colorize(new[] { grey })[0].Rgb8, colorizer.Decode(p).Rgb8);
        using IColorizer other = Colorizer.Open(device, path);
        Assert.Throws<ArgumentException>(() => other.Decode(p));
        Assert.Throws<UserErrorException>(() => colorizer.Decode(p, 0.001f));
    }

    [Theory]
    [InlineData("default")]
    [InlineData("docs/som-mlp/general.ckm")]
    public void A_pixels_distribution_sums_to_one_and_its_mean_is_the_decoded_ab(string model)
    {
        var (device, path, grey) = GreyFor(model);
        using IColorizer colorizer = Colorizer.Open(device, path);
        using Prediction p = colorizer.Predict(grey);
        foreach (var (x, y) in new[] { (0, 0), (grey.Width - 1, grey.Height - 1), (grey.Width / 3, grey.Height / 2) })
            foreach (float t in new[] { 1f, 0.38f })
            {
                PixelDistribution d = colorizer.Distribution(p, x, y, t);
                Assert.Equal(p.CellOf(x, y), (d.CellX, d.CellY));
                Assert.Equal(p.Classes, d.Probabilities.Length);
                Assert.Equal(1.0, d.Probabilities.Sum(v => (double)v), 1e-4);
                // The decoded colour is the expectation under p^(1/T), renormalised: float32 sums of up to 313
                // palette colours of up to 110 against a double sum.
                double[] w = d.Probabilities.Select(v => Math.Pow(v, 1.0 / t)).ToArray();
                double sum = w.Sum(), a = 0, b = 0;
                for (int q = 0; q < w.Length; q++)
                {
                    a += w[q] / sum * d.Palette[2 * q];
                    b += w[q] / sum * d.Palette[2 * q + 1];
                }
                Assert.Equal(a, d.A, 0.05);
                Assert.Equal(b, d.B, 0.05);
            }
        Assert.Throws<UserErrorException>(() => colorizer.Distribution(p, grey.Width, 0));
    }

    [Fact]
    public void A_stream_that_is_too_large_is_refused_before_decoding()
    {
        ComputeDevice device = TestDevices.Get("cpu:0");
        using IColorizer colorizer = Colorizer.Open(device, "default");
        using var big = new MemoryStream(new byte[4096]);
        var e = Assert.Throws<UserErrorException>(() => colorizer.Colorize(big, "big.png", maxBytes: 1000));
        Assert.Contains("larger than 1,000 bytes", e.Message);
    }

    /// <summary>IProgress that reports on the calling thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
