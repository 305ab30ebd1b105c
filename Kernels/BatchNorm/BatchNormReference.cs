namespace ColorKernels.Kernels.BatchNorm;

/// <summary>Batch norm in double precision: the definitions the kernels are tested against.</summary>
public static class BatchNormReference
{
    public static double[] BatchNorm(float[] x, float[] mean, float[] variance, float[]? gamma, float[]? beta, int n, int c, int plane, double eps)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            int ch = i / plane % c;
            double v = (x[i] - mean[ch]) / Math.Sqrt(variance[ch] + eps);
            y[i] = gamma is null ? v : v * gamma[ch] + beta![ch];
        }
        return y;
    }

    /// <summary>Per-channel batch mean and biased variance over N x H x W: stats [2C] = means, then variances.</summary>
    public static double[] Statistics(IReadOnlyList<double> x, int n, int c, int plane)
    {
        var stats = new double[2 * c];
        int m = n * plane;
        for (int ch = 0; ch < c; ch++)
        {
            double mean = 0, variance = 0;
            for (int b = 0; b < n; b++)
                for (int p = 0; p < plane; p++)
                    mean += x[(b * c + ch) * plane + p];
            mean /= m;
            for (int b = 0; b < n; b++)
                for (int p = 0; p < plane; p++)
                    variance += (x[(b * c + ch) * plane + p] - mean) * (x[(b * c + ch) * plane + p] - mean);
            stats[ch] = mean;
            stats[c + ch] = variance / m;
        }
        return stats;
    }

    /// <summary>Training-mode batch norm: y = (x - batch mean) / sqrt(batch var + eps) gamma + beta.</summary>
    public static double[] TrainingForward(IReadOnlyList<double> x, IReadOnlyList<double> gamma, IReadOnlyList<double> beta, int n, int c, int plane, double eps)
    {
        double[] stats = Statistics(x, n, c, plane);
        var y = new double[x.Count];
        for (int i = 0; i < y.Length; i++)
        {
            int ch = i / plane % c;
            y[i] = (x[i] - stats[ch]) / Math.Sqrt(stats[c + ch] + eps) * gamma[ch] + beta[ch];
        }
        return y;
    }

    /// <summary>Running statistics after one step: (1 - m) old + m batch, with the unbiased batch variance (PyTorch's).</summary>
    public static (double[] Mean, double[] Variance) RunningUpdate(float[] runningMean, float[] runningVar, double[] stats, int n, int plane, double momentum)
    {
        int c = runningMean.Length, m = n * plane;
        return (Enumerable.Range(0, c).Select(ch => (1 - momentum) * runningMean[ch] + momentum * stats[ch]).ToArray(),
            Enumerable.Range(0, c).Select(ch => (1 - momentum) * runningVar[ch] + momentum * stats[c + ch] * m / (m - 1.0)).ToArray());
    }

    /// <summary>
    /// Backward of <see cref="TrainingForward"/> for upstream gradient dy: dx = gamma invstd / M (M dy - sum dy
    /// - xhat sum(dy xhat)), dgamma = sum(dy xhat), dbeta = sum dy (M = N x H x W).
    /// </summary>
    public static (double[] Dx, double[] DGamma, double[] DBeta) Backward(float[] x, float[] dy, float[] gamma, int n, int c, int plane, double eps)
    {
        double[] stats = Statistics(x.Select(v => (double)v).ToArray(), n, c, plane);
        var dx = new double[x.Length];
        var dGamma = new double[c];
        var dBeta = new double[c];
        int m = n * plane;
        for (int i = 0; i < x.Length; i++)
        {
            int ch = i / plane % c;
            double xhat = (x[i] - stats[ch]) / Math.Sqrt(stats[c + ch] + eps);
            dGamma[ch] += dy[i] * xhat;
            dBeta[ch] += dy[i];
        }
        for (int i = 0; i < x.Length; i++)
        {
            int ch = i / plane % c;
            double invStd = 1 / Math.Sqrt(stats[c + ch] + eps), xhat = (x[i] - stats[ch]) * invStd;
            dx[i] = gamma[ch] * invStd / m * (m * dy[i] - dBeta[ch] - xhat * dGamma[ch]);
        }
        return (dx, dGamma, dBeta);
    }
}
