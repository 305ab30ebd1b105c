namespace ColorKernels.Kernels.Hints;

/// <summary>
/// Plain double-precision definitions of <see cref="HintPropagationKernels"/>: the window variance, the affinity, the
/// residual and the operator, and the propagation itself solved directly (Gaussian elimination with partial
/// pivoting on the free cells' dense system: small grids only), against which the device's conjugate
/// gradient is checked.
/// </summary>
public static class HintPropagationReference
{
    public static double[] Variance(float[] y, int width, int height)
    {
        var v = new double[width * height];
        for (int row = 0; row < height; row++)
            for (int col = 0; col < width; col++)
            {
                var window = Window(y, width, height, row, col).ToArray();
                double mean = window.Average();
                v[row * width + col] = window.Sum(value => (value - mean) * (value - mean)) / window.Length;
            }
        return v;
    }

    private static IEnumerable<double> Window(float[] y, int width, int height, int row, int col)
    {
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++)
                if (row + dy >= 0 && row + dy < height && col + dx >= 0 && col + dx < width)
                    yield return y[(row + dy) * width + col + dx];
    }

    /// <summary>Weights [8, cells] and diag [cells] as HintAffinityKernel defines them, from <paramref name="variance"/>.</summary>
    public static (double[] Weights, double[] Diag) Affinity(float[] y, double[] variance, int width, int height, double sigmaScale, double sigmaFloor, double lambda)
    {
        int cells = width * height;
        var w = new double[8 * cells];
        var diag = new double[cells];
        for (int r = 0; r < cells; r++)
        {
            int row = r / width, col = r % width;
            double sum = 0;
            for (int k = 0; k < 8; k++)
            {
                int yy = row + HintPropagationKernels.Dy(k), xx = col + HintPropagationKernels.Dx(k);
                if (yy < 0 || yy >= height || xx < 0 || xx >= width)
                    continue;
                int s = yy * width + xx;
                double d = (double)y[r] - y[s], sigma2 = Math.Max(sigmaScale * (variance[r] + variance[s]) / 2, sigmaFloor);
                w[k * cells + r] = Math.Exp(-d * d / (2 * sigma2));
                sum += w[k * cells + r];
            }
            diag[r] = sum + lambda;
        }
        return (w, diag);
    }

    /// <summary>q = A p on the free cells (diag p - sum w p_s), 0 at hint cells; vectors [2, cells].</summary>
    public static double[] Apply(double[] weights, double[] diag, float[] mask, float[] p, int width, int height) =>
        Rows(weights, diag, mask, p, width, height, (neighbours, self) => self - neighbours);

    /// <summary>r = sum w x_s - diag x on the free cells, 0 at hint cells; vectors [2, cells].</summary>
    public static double[] Residual(double[] weights, double[] diag, float[] mask, float[] x, int width, int height) =>
        Rows(weights, diag, mask, x, width, height, (neighbours, self) => neighbours - self);

    private static double[] Rows(double[] weights, double[] diag, float[] mask, float[] v, int width, int height, Func<double, double, double> combine)
    {
        int cells = width * height;
        var result = new double[2 * cells];
        for (int c = 0; c < 2; c++)
            for (int r = 0; r < cells; r++)
            {
                if (mask[r] != 0)
                    continue;
                int row = r / width, col = r % width;
                double sum = 0;
                for (int k = 0; k < 8; k++)
                {
                    int yy = row + HintPropagationKernels.Dy(k), xx = col + HintPropagationKernels.Dx(k);
                    if (yy >= 0 && yy < height && xx >= 0 && xx < width)
                        sum += weights[k * cells + r] * v[c * cells + yy * width + xx];
                }
                result[c * cells + r] = combine(sum, diag[r] * v[c * cells + r]);
            }
        return result;
    }

    /// <summary>
    /// The propagation solved directly: x [2, cells] with x = <paramref name="hints"/> at the hint cells and,
    /// on the free cells, (D - W + lambda I) x = W x_hints, by Gaussian elimination with partial pivoting.
    /// </summary>
    public static double[] Solve(float[] y, float[] mask, float[] hints, int width, int height, double sigmaScale, double sigmaFloor, double lambda)
    {
        int cells = width * height;
        var (w, diag) = Affinity(y, Variance(y, width, height), width, height, sigmaScale, sigmaFloor, lambda);
        int[] free = Enumerable.Range(0, cells).Where(r => mask[r] == 0).ToArray();
        var index = new Dictionary<int, int>();
        for (int i = 0; i < free.Length; i++)
            index[free[i]] = i;
        var x = hints.Select(v => (double)v).ToArray();
        for (int r = 0; r < cells; r++)
            if (mask[r] == 0)
            {
                x[r] = 0;
                x[cells + r] = 0;
            }
        int n = free.Length;
        var a = new double[n, n + 2];
        for (int i = 0; i < n; i++)
        {
            int r = free[i], row = r / width, col = r % width;
            a[i, i] = diag[r];
            for (int k = 0; k < 8; k++)
            {
                int yy = row + HintPropagationKernels.Dy(k), xx = col + HintPropagationKernels.Dx(k);
                if (yy < 0 || yy >= height || xx < 0 || xx >= width)
                    continue;
                int s = yy * width + xx;
                if (index.TryGetValue(s, out int j))
                    a[i, j] -= w[k * cells + r];
                else
                    for (int c = 0; c < 2; c++)
                        a[i, n + c] += w[k * cells + r] * hints[c * cells + s];
            }
        }
        for (int col = 0; col < n; col++)
        {
            int pivot = col;
            for (int i = col + 1; i < n; i++)
                if (Math.Abs(a[i, col]) > Math.Abs(a[pivot, col]))
                    pivot = i;
            for (int j = 0; j < n + 2; j++)
                (a[col, j], a[pivot, j]) = (a[pivot, j], a[col, j]);
            for (int i = col + 1; i < n; i++)
            {
                double f = a[i, col] / a[col, col];
                for (int j = col; j < n + 2; j++)
                    a[i, j] -= f * a[col, j];
            }
        }
        for (int c = 0; c < 2; c++)
            for (int i = n - 1; i >= 0; i--)
            {
                double sum = a[i, n + c];
                for (int j = i + 1; j < n; j++)
                    sum -= a[i, j] * x[c * cells + free[j]];
                x[c * cells + free[i]] = sum / a[i, i];
            }
        return x;
    }

    /// <summary>HintPaletteGateKernel's definition in double: steered [2, cells] pulled back toward plain by the gate (a new array).</summary>
    public static double[] PaletteGate(float[] y, float[] plain, float[] reach, float[] table, float[] steered, int cells, double sigmaY, double sigmaAb)
    {
        var result = new double[2 * cells];
        int hinted = table.Length / NonLocalArgs.Row;
        for (int r = 0; r < cells; r++)
        {
            double gate = Math.Clamp(reach[r], 0, 1);
            for (int h = 0; h < hinted; h++)
            {
                int o = h * NonLocalArgs.Row;
                double dy = (y[r] - table[o]) / sigmaY, da = (plain[r] - table[o + 1]) / sigmaAb, db = (plain[cells + r] - table[o + 2]) / sigmaAb;
                gate = Math.Max(gate, Math.Exp(-0.5 * (dy * dy + da * da + db * db)));
            }
            result[r] = plain[r] + gate * ((double)steered[r] - plain[r]);
            result[cells + r] = plain[cells + r] + gate * ((double)steered[cells + r] - plain[cells + r]);
        }
        return result;
    }

    /// <summary>HintNonLocalKernel's definition in double: x [2, cells] after the pull (a new array).</summary>
    public static double[] NonLocal(float[] y, float[] ab, float[] mask, float[] reach, float[] table, float[] x, int cells, double sigmaY, double sigmaAb, double strength)
    {
        double[] result = x.Select(v => (double)v).ToArray();
        int hinted = table.Length / NonLocalArgs.Row;
        for (int r = 0; r < cells; r++)
        {
            if (mask[r] != 0f)
                continue;
            double sum = 0, sumA = 0, sumB = 0, best = 0;
            for (int h = 0; h < hinted; h++)
            {
                int o = h * NonLocalArgs.Row;
                double dy = (y[r] - table[o]) / sigmaY, da = (ab[r] - table[o + 1]) / sigmaAb, db = (ab[cells + r] - table[o + 2]) / sigmaAb;
                double w = Math.Exp(-0.5 * (dy * dy + da * da + db * db));
                sum += w;
                sumA += w * table[o + 3];
                sumB += w * table[o + 4];
                best = Math.Max(best, w);
            }
            if (!(sum > 0))
                continue;
            double alpha = Math.Min(1, strength * best * Math.Clamp(1 - reach[r], 0, 1));
            result[r] = (1 - alpha) * x[r] + alpha * sumA / sum;
            result[cells + r] = (1 - alpha) * x[cells + r] + alpha * sumB / sum;
        }
        return result;
    }

    /// <summary>
    /// HintUpsampleKernel's definition in double: lab [3, H, W] with x [2, h, w] joint-bilaterally upsampled
    /// (guided by lab's L / 100 against yGrid) and added to its a and b; a new array.
    /// </summary>
    public static double[] Upsample(float[] x, float[] yGrid, float[] lab, int w, int h, int outW, int outH, int radius, double sigmaSpace, double sigmaRange)
    {
        double[] result = lab.Select(v => (double)v).ToArray();
        int total = outW * outH;
        for (int Y = 0; Y < outH; Y++)
            for (int X = 0; X < outW; X++)
            {
                double u = (X + 0.5) * w / outW - 0.5, v = (Y + 0.5) * h / outH - 0.5, guide = lab[Y * outW + X] / 100.0;
                double fu = Math.Floor(((2.0 * X + 1) * w - outW) / (2.0 * outW)), fv = Math.Floor(((2.0 * Y + 1) * h - outH) / (2.0 * outH));
                var window = new List<(int I, int J, double D2, double S2)>();
                for (int j = 0; j < h; j++)
                    for (int i = 0; i < w; i++)
                        if (Math.Abs(i - fu - 0.5) < radius && Math.Abs(j - fv - 0.5) < radius)
                        {
                            double d = guide - yGrid[j * w + i];
                            window.Add((i, j, d * d, (i - u) * (i - u) + (j - v) * (j - v)));
                        }
                double best = window.Min(c => c.D2), sum = 0, sumA = 0, sumB = 0;
                foreach (var (i, j, d2, s2) in window)
                {
                    double weight = Math.Exp(-s2 / (2 * sigmaSpace * sigmaSpace) - (d2 - best) / (2 * sigmaRange * sigmaRange));
                    sum += weight;
                    sumA += weight * x[j * w + i];
                    sumB += weight * x[w * h + j * w + i];
                }
                result[total + Y * outW + X] += sumA / sum;
                result[2 * total + Y * outW + X] += sumB / sum;
            }
        return result;
    }
}
