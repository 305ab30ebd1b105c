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

    [Fact]
    public void Eccv16_prediction_is_a_distribution_whose_mean_is_the_decoded_ab()
    {
        ComputeDevice device = TestDevices.Get("cpu:0");
        using var colorizer = (Eccv16Colorizer)Colorizer.Open(device, "default", new ColorizerOptions { Temperature = 1f });
        Eccv16Prediction p = colorizer.Predict(Grey(device));
        int plane = p.Width * p.Height, q = 313;
        Assert.Equal(colorizer.Size / 4, p.Width);
        Assert.Equal(q * plane, p.Probabilities!.Length);
        Assert.Equal(2 * plane, p.Ab.Length);
        // At temperature 1 the annealed mean is the plain expectation over the bins' ab (the model's decode
        // layer is the bin centres): float32 sums of 313 terms of ab values up to 110.
        float[] centres = Eccv16Architecture.CentresPlanar();
        for (int i = 0; i < plane; i += 7)
        {
            double sum = 0, a = 0, b = 0;
            for (int k = 0; k < q; k++)
            {
                double v = p.Probabilities[k * plane + i];
                sum += v;
                a += v * centres[k];
                b += v * centres[q + k];
            }
            Assert.Equal(1.0, sum, 1e-4);
            Assert.Equal(a, p.Ab[i], 0.05);
            Assert.Equal(b, p.Ab[plane + i], 0.05);
        }
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
