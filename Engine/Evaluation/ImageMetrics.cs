using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Color;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Common;
using ColorKernels.Kernels.Loss;
using ColorKernels.Kernels.Metrics;

namespace ColorKernels.Engine.Evaluation;

/// <summary>The metrics of one colourized picture against its original.</summary>
public sealed record ImageScore(string Image, string Model, double Auc, double AucRebalanced, double Psnr,
    double Colourfulness, double ColourfulnessOriginal, double Chroma, double ChromaOriginal)
{
    /// <summary>The ab-error histograms behind the AuC values (plain, rebalanced), pooled for the overall score.</summary>
    public double[] Histogram { get; init; } = Array.Empty<double>();
    /// <summary>The rebalanced ab-error histogram (per error bucket, weighted by the truth's inverse prior).</summary>
    public double[] RebalancedHistogram { get; init; } = Array.Empty<double>();
}

/// <summary>
/// The paper's metrics on the device: AuC of the per-pixel ab error (Zhang et al. 2016: the fraction of
/// pixels within threshold t, t = 0..150, averaged over t, in percent), plain and class-rebalanced (each
/// pixel weighted by 1 / p of its true colour's bin); PSNR on 8-bit sRGB; colourfulness (Hasler and
/// Suesstrunk 2003) and mean chroma of output and original.
/// </summary>
internal sealed class ImageMetrics : IDisposable
{
    private readonly ComputeDevice device;
    private readonly Tensor<float> centres, inversePrior;

    public ImageMetrics(ComputeDevice device, IReadOnlyList<double> prior)
    {
        this.device = device;
        centres = device.Upload("centres", new Shape(2, BinCodebook.Count), BinCodebook.Planar());
        // Bins the prior never saw would weigh infinitely: floor p at the smallest probability it does give.
        double floor = prior.Where(p => p > 0).Min();
        inversePrior = device.Upload("inverse_prior", new Shape(BinCodebook.Count), prior.Select(p => (float)(1.0 / Math.Max(p, floor))).ToArray());
    }

    public ImageScore Score(string image, string model, ImageData prediction, ImageData truth)
    {
        if ((prediction.Width, prediction.Height) != (truth.Width, truth.Height))
            throw new ArgumentException($"{image}: prediction {prediction.Width}x{prediction.Height} vs original {truth.Width}x{truth.Height}");
        int h = truth.Height, w = truth.Width, pixels = w * h;
        byte[] p8 = To8Bit(prediction), t8 = To8Bit(truth);
        using Tensor<byte> pr = device.Upload("pred_rgb", new Shape(1, h, w, 3), p8);
        using Tensor<byte> tr = device.Upload("true_rgb", new Shape(1, h, w, 3), t8);
        using Tensor<float> pl = device.Allocate<float>("pred_lab", Shape.Nchw(1, 3, h, w));
        using Tensor<float> tl = device.Allocate<float>("true_lab", Shape.Nchw(1, 3, h, w));
        LabOps.SrgbBytesToLab(pr, pl);
        LabOps.SrgbBytesToLab(tr, tl);
        using Tensor<float> histogram = device.Upload("histogram", new Shape(2 * MetricKernels.ErrorBuckets), new float[2 * MetricKernels.ErrorBuckets]);
        using Tensor<float> stats = device.Upload("rgb_stats", new Shape(9), new float[9]);
        using Tensor<float> chroma = device.Upload("chroma", new Shape(2), new float[2]);
        Ops.MetricOps.AbErrorHistogram(pl, tl, centres, inversePrior, histogram);
        Ops.MetricOps.RgbStats(pr, tr, stats);
        Ops.MetricOps.ChromaSums(pl, tl, chroma);
        float[] hist = histogram.Download(), s = stats.Download(), c = chroma.Download();
        double[] plain = hist.Take(MetricKernels.ErrorBuckets).Select(v => (double)v).ToArray();
        double[] rebalanced = hist.Skip(MetricKernels.ErrorBuckets).Select(v => (double)v).ToArray();
        double mse = s[0] / (3.0 * pixels);
        return new ImageScore(image, model, Auc(plain), Auc(rebalanced), Psnr(mse),
            Colourfulness(s[1], s[2], s[3], s[4], pixels), Colourfulness(s[5], s[6], s[7], s[8], pixels),
            c[0] / pixels, c[1] / pixels)
        { Histogram = plain, RebalancedHistogram = rebalanced };
    }

    /// <summary>Mean over t = 0..150 of the fraction of (weighted) pixels with error at most t, in percent.</summary>
    public static double Auc(IReadOnlyList<double> histogram)
    {
        double total = histogram.Sum();
        if (total <= 0)
            return double.NaN;
        double cumulative = 0, sum = 0;
        for (int t = 0; t <= 150; t++)
        {
            cumulative += histogram[t];
            sum += cumulative / total;
        }
        return 100 * sum / 151;
    }

    /// <summary>PSNR in dB of 8-bit pictures from their mean squared error; identical pictures give +infinity.</summary>
    public static double Psnr(double mse) => mse <= 0 ? double.PositiveInfinity : 10 * Math.Log10(255.0 * 255.0 / mse);

    /// <summary>Hasler and Suesstrunk's M3: sqrt(var(rg) + var(yb)) + 0.3 sqrt(mean(rg)^2 + mean(yb)^2).</summary>
    public static double Colourfulness(double rg, double rg2, double yb, double yb2, int pixels)
    {
        double mrg = rg / pixels, myb = yb / pixels;
        double vrg = Math.Max(0, rg2 / pixels - mrg * mrg), vyb = Math.Max(0, yb2 / pixels - myb * myb);
        return Math.Sqrt(vrg + vyb) + 0.3 * Math.Sqrt(mrg * mrg + myb * myb);
    }

    private static byte[] To8Bit(ImageData image)
    {
        if (image.Rgb8 is { } rgb)
            return rgb;
        float[] planar = image.RgbPlanar!;
        int plane = image.Pixels;
        var bytes = new byte[plane * 3];
        for (int i = 0; i < plane; i++)
            for (int ch = 0; ch < 3; ch++)
                bytes[i * 3 + ch] = (byte)Math.Clamp(MathF.Round(planar[ch * plane + i] * 255f), 0, 255);
        return bytes;
    }

    public void Dispose()
    {
        centres.Dispose();
        inversePrior.Dispose();
    }
}
