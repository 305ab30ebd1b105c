namespace ColorKernels.Engine.Som;

/// <summary>
/// Class rebalancing for the SOM + MLP method, the idea of Zhang et al.'s rebalanced loss carried over to
/// the map's classes. Without it the MLP learns to answer the near-grey class that most pixels fall in
/// (measured: patch accuracy at the majority-class share, output nearly grey: docs/som-mlp.md).
/// <para>
/// p: the training labels' class frequencies; p~: p smoothed over the codewords with a Gaussian of
/// sigma ab units (classes whose colours are close share their counts, as neighbouring
/// ab bins do in the paper), renormalised; w_q = 1 / ((1 - lambda) p~_q + lambda / Q), scaled so that the
/// expected weight under p~ is 1 (the loss keeps its scale). lambda = 1 gives every class weight 1; lambda
/// = 0 is full inverse-frequency weighting; the paper's 0.5 is the default.
/// </para>
/// </summary>
internal static class SomRebalancing
{
    public static float[] Weights(IReadOnlyList<int> labels, float[] codebook, double lambda = 0.5, double sigma = 5.0)
    {
        int classes = codebook.Length / 2;
        if (!(lambda >= 0 && lambda <= 1))
            throw new UserErrorException($"rebalancing lambda {lambda}: must be from 0 to 1");
        var counts = new double[classes];
        foreach (int label in labels)
            counts[label]++;
        double total = Math.Max(1, labels.Count);
        var smoothed = new double[classes];
        for (int q = 0; q < classes; q++)
        {
            double sum = 0, norm = 0;
            for (int r = 0; r < classes; r++)
            {
                double da = codebook[2 * q] - codebook[2 * r], db = codebook[2 * q + 1] - codebook[2 * r + 1];
                double k = sigma > 0 ? Math.Exp(-(da * da + db * db) / (2 * sigma * sigma)) : (q == r ? 1 : 0);
                sum += k * counts[r] / total;
                norm += k;
            }
            smoothed[q] = sum / norm;
        }
        double smoothedTotal = smoothed.Sum();
        var weights = new double[classes];
        for (int q = 0; q < classes; q++)
        {
            smoothed[q] = smoothedTotal > 0 ? smoothed[q] / smoothedTotal : 1.0 / classes;
            weights[q] = 1 / ((1 - lambda) * smoothed[q] + lambda / classes);
        }
        double expected = Enumerable.Range(0, classes).Sum(q => smoothed[q] * weights[q]);
        return weights.Select(w => (float)(w / expected)).ToArray();
    }

    /// <summary>
    /// Balanced accuracy: the mean over the classes present of the share of each class's samples predicted
    /// right (recall). The majority-class answer scores 1 / (classes present) here, however skewed the data.
    /// </summary>
    public static double BalancedAccuracy(IReadOnlyList<int> truth, IReadOnlyList<int> predicted)
    {
        var hits = new Dictionary<int, (int Right, int All)>();
        for (int i = 0; i < truth.Count; i++)
        {
            var (right, all) = hits.GetValueOrDefault(truth[i]);
            hits[truth[i]] = (right + (predicted[i] == truth[i] ? 1 : 0), all + 1);
        }
        return hits.Count == 0 ? double.NaN : hits.Values.Average(h => (double)h.Right / h.All);
    }
}
