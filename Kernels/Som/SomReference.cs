namespace ColorKernels.Kernels.Som;

/// <summary>
/// The self-organising map in double precision: best-matching units, the batch and online updates and
/// quantisation (the definitions SomKernels follow). samples [2, S] (an a row, then a b row); codebook
/// [Neurons, 2]; neuron j sits at grid (j mod GridW, j div GridW).
/// </summary>
public static class SomReference
{
    /// <summary>Nearest and second-nearest codeword of each sample (ties to the lower index; second -1 with one neuron) and the squared distance to the nearest.</summary>
    public static (int[] Bmu, int[] Second, double[] Distance) Bmu(float[] samples, IReadOnlyList<float> codebook)
    {
        int count = samples.Length / 2, neurons = codebook.Count / 2;
        var bmu = new int[count];
        var second = new int[count];
        var distance = new double[count];
        for (int s = 0; s < count; s++)
        {
            var order = Enumerable.Range(0, neurons)
                .Select(j => (D: Square(samples[s] - (double)codebook[2 * j]) + Square(samples[count + s] - (double)codebook[2 * j + 1]), J: j))
                .OrderBy(t => t.D).ThenBy(t => t.J).ToArray();
            bmu[s] = order[0].J;
            second[s] = neurons > 1 ? order[1].J : -1;
            distance[s] = order[0].D;
        }
        return (bmu, second, distance);
    }

    /// <summary>Batch update: codeword j moves by rate towards sum_s h(bmu_s, j) x_s / sum_s h(bmu_s, j) (h Gaussian on the grid).</summary>
    public static double[] BatchUpdate(float[] samples, int[] bmu, float[] codebook, int gridW, double sigma, double rate)
    {
        int count = samples.Length / 2;
        var result = codebook.Select(v => (double)v).ToArray();
        for (int j = 0; j < codebook.Length / 2; j++)
        {
            double sumA = 0, sumB = 0, weight = 0;
            for (int s = 0; s < count; s++)
            {
                double h = Neighbourhood(bmu[s], j, gridW, sigma);
                sumA += h * samples[s];
                sumB += h * samples[count + s];
                weight += h;
            }
            if (weight > 0)
            {
                result[2 * j] += rate * (sumA / weight - result[2 * j]);
                result[2 * j + 1] += rate * (sumB / weight - result[2 * j + 1]);
            }
        }
        return result;
    }

    /// <summary>Kohonen's online rule: for each sample in order, its BMU, then every codeword moves by rate h (x - w).</summary>
    public static double[] Online(float[] samples, float[] codebook, int gridW, double sigma, double rate)
    {
        int count = samples.Length / 2, neurons = codebook.Length / 2;
        var w = codebook.Select(v => (double)v).ToArray();
        for (int s = 0; s < count; s++)
        {
            double x = samples[s], y = samples[count + s];
            int best = 0;
            for (int j = 1; j < neurons; j++)
                if (Square(x - w[2 * j]) + Square(y - w[2 * j + 1]) < Square(x - w[2 * best]) + Square(y - w[2 * best + 1]))
                    best = j;
            for (int j = 0; j < neurons; j++)
            {
                double h = rate * Neighbourhood(best, j, gridW, sigma);
                w[2 * j] += h * (x - w[2 * j]);
                w[2 * j + 1] += h * (y - w[2 * j + 1]);
            }
        }
        return w;
    }

    /// <summary>Lab [N, 3, H, W] with each pixel's ab replaced by its nearest codeword's.</summary>
    public static double[] Quantize(float[] lab, float[] codebook, int n, int plane)
    {
        var result = lab.Select(v => (double)v).ToArray();
        for (int p = 0; p < n * plane; p++)
        {
            int i = p / plane * 3 * plane + p % plane;
            float[] sample = { lab[i + plane], lab[i + 2 * plane] };
            int j = Bmu(sample, codebook).Bmu[0];
            result[i + plane] = codebook[2 * j];
            result[i + 2 * plane] = codebook[2 * j + 1];
        }
        return result;
    }

    private static double Neighbourhood(int a, int b, int gridW, double sigma)
    {
        int dx = a % gridW - b % gridW, dy = a / gridW - b / gridW;
        return Math.Exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
    }

    private static double Square(double v) => v * v;
}
