using System.Globalization;
using ColorKernels.Engine.Models;

namespace ColorKernels.Engine.Training;

/// <summary>
/// Class rebalancing (Zhang et al. 2016, eq. 3-4): the empirical distribution p of the 313 bins, smoothed
/// with a Gaussian of sigma = 5 in ab space; weights w = 1 / ((1 - lambda) p + lambda / Q), rescaled so that
/// sum_q p_q w_q = 1 (the expected weight under p is 1).
/// </summary>
public static class Rebalancing
{
    /// <summary>The paper's rebalancing lambda and prior smoothing sigma.</summary>
    public const double DefaultLambda = 0.5, DefaultSigma = 5.0;

    /// <summary>Normalises bin counts to a distribution and smooths it: p'_q proportional to sum_j p_j exp(-|c_q - c_j|^2 / 2 sigma^2).</summary>
    public static double[] SmoothedDistribution(IReadOnlyList<long> counts, double sigma = DefaultSigma)
    {
        int q = counts.Count;
        double total = counts.Sum();
        if (total <= 0)
            throw new UserErrorException("no pixels were counted: the prior needs at least one colour photo");
        float[,] c = BinCodebook.Centres;
        var smoothed = new double[q];
        for (int i = 0; i < q; i++)
            for (int j = 0; j < q; j++)
            {
                double da = c[i, 0] - c[j, 0], db = c[i, 1] - c[j, 1];
                smoothed[i] += counts[j] / total * Math.Exp(-(da * da + db * db) / (2 * sigma * sigma));
            }
        double sum = smoothed.Sum();
        return smoothed.Select(v => v / sum).ToArray();
    }

    /// <summary>w_q = 1 / ((1 - lambda) p_q + lambda / Q), scaled so that sum_q p_q w_q = 1.</summary>
    public static double[] Weights(IReadOnlyList<double> prior, double lambda = DefaultLambda)
    {
        int q = prior.Count;
        double[] w = prior.Select(p => 1.0 / ((1 - lambda) * p + lambda / q)).ToArray();
        double expectation = prior.Select((p, i) => p * w[i]).Sum();
        return w.Select(v => v / expectation).ToArray();
    }

    /// <summary>The paper's ImageNet prior (resources/prior_probs.npy), compiled in.</summary>
    public static double[] ImageNetPrior() => Read(
        typeof(Eccv16Architecture).Assembly.GetManifestResourceStream("ColorKernels.Engine.Models.Data.prior_probs.csv")!,
        "built-in ImageNet prior");

    /// <summary>Reads a prior CSV (index,p[,...] per bin, 313 rows, a header line).</summary>
    public static double[] Read(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return Read(stream, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserErrorException($"'{path}': cannot read the prior: {e.Message}", e);
        }
    }

    private static double[] Read(Stream stream, string name)
    {
        using var reader = new StreamReader(stream);
        reader.ReadLine();
        var prior = new double[BinCodebook.Count];
        for (int q = 0; q < prior.Length; q++)
        {
            string? line = reader.ReadLine();
            string[] parts = line?.Split(',') ?? Array.Empty<string>();
            if (parts.Length < 2 || !int.TryParse(parts[0], out int index) || index != q
                || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double p) || !(p >= 0))
                throw new UserErrorException($"'{name}': line {q + 2} should be '{q},PROBABILITY'");
            prior[q] = p;
        }
        double sum = prior.Sum();
        if (Math.Abs(sum - 1) > 1e-3)
            throw new UserErrorException($"'{name}': probabilities sum to {sum}, not 1");
        return prior;
    }

    /// <summary>Writes index,p,weight per bin (the first two columns are the format of the paper's prior_probs).</summary>
    public static void Write(string path, IReadOnlyList<double> prior, double lambda = DefaultLambda)
    {
        double[] w = Weights(prior, lambda);
        var text = new System.Text.StringBuilder("index,p,weight\n");
        for (int q = 0; q < prior.Count; q++)
            text.Append(CultureInfo.InvariantCulture, $"{q},{prior[q]:R},{w[q]:R}\n");
        Imaging.AtomicFile.Write(path, s => s.Write(System.Text.Encoding.UTF8.GetBytes(text.ToString())));
    }
}
