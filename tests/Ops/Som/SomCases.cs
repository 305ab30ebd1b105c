namespace ColorKernels.Tests.Ops;

/// <summary>The op table's Som cases (see <see cref="OpCases"/>).</summary>
internal static partial class OpCases
{
    // ---- Som ----

    private static IEnumerable<OpCase> Som()
    {
        foreach (var (count, gw, gh) in new[] { (1, 1, 1), (31, 2, 2), (33, 4, 3), (100, 3, 3) })
        {
            int neurons = gw * gh;
            string shape = $"{count} samples, {gw}x{gh} map";
            yield return new OpCase("Som.Bmu", shape, new Tolerance(1e-3, 1e-5, "squared distances up to ~6e4 in float32; unit indices exact"), r =>
            {
                float[] samples = U(2 * count, -80, 80, count), codebook = U(2 * neurons, -60, 60, neurons);
                var tx = r.In("samples", new Shape(2, count), samples);
                var tb = r.In("codebook", new Shape(neurons, 2), codebook);
                var bmu = r.In("bmu", new Shape(count), TestData.Filled(count, -7));
                var second = r.In("second", new Shape(count), TestData.Filled(count, -7));
                var distance = r.Out("distance", new Shape(count));
                r.Launch = () => SomOps.Bmu(tx, tb, bmu, second, distance, new SomArgs(count, gw, gh, 1f, 1f, 1));
                var (eb, es, ed) = SomReference.Bmu(samples, codebook);
                r.Check("bmu", bmu, eb);
                r.Check("second", second, es);
                r.Check("distance", distance, ed);
            });
            yield return new OpCase("Som.BatchUpdate", $"{shape}, sigma 1.5, rate 0.5", new Tolerance(1e-3, 1e-4, "ab values up to 80: float32 sums of Gaussian-weighted samples"), r =>
            {
                float[] samples = U(2 * count, -80, 80, count), codebook = U(2 * neurons, -60, 60, neurons);
                int[] bmu = SomReference.Bmu(samples, codebook).Bmu;
                var tx = r.In("samples", new Shape(2, count), samples);
                var tbmu = r.In("bmu", new Shape(count), bmu);
                var tb = r.In("codebook", new Shape(neurons, 2), codebook);
                r.Launch = () => SomOps.BatchUpdate(tx, tbmu, tb, new SomArgs(count, gw, gh, 1.5f, 0.5f, 1));
                r.Check("codebook", tb, SomReference.BatchUpdate(samples, bmu, codebook, gw, 1.5, 0.5));
            });
            yield return new OpCase("Som.Online", $"{shape}, sigma 1, rate 0.3", new Tolerance(1e-3, 1e-4, "a sequence of float32 updates of ab values up to 80"), r =>
            {
                float[] samples = U(2 * count, -80, 80, count + 1), codebook = U(2 * neurons, -60, 60, neurons + 1);
                var tx = r.In("samples", new Shape(2, count), samples);
                var tb = r.In("codebook", new Shape(neurons, 2), codebook);
                r.Launch = () => SomOps.Online(tx, tb, new SomArgs(count, gw, gh, 1f, 0.3f, 1));
                r.Check("codebook", tb, SomReference.Online(samples, codebook, gw, 1.0, 0.3));
            });
        }
        foreach (var (n, h, w, gw, gh) in new[] { (1, 1, 1, 1, 1), (2, 31, 33, 3, 3), (1, 32, 32, 4, 4) })
            yield return new OpCase("Som.Quantize", $"{Dims(n, 3, h, w)}, {gw}x{gh} map", Tolerance.Exact("L kept, ab copied from a codeword"), r =>
            {
                float[] lab = RandomLab(n, h * w, h), codebook = U(2 * gw * gh, -60, 60, w);
                var tl = r.In("lab", Shape.Nchw(n, 3, h, w), lab);
                var tb = r.In("codebook", new Shape(gw * gh, 2), codebook);
                r.Launch = () => SomOps.Quantize(tl, tb, gw, gh);
                r.Check("lab", tl, SomReference.Quantize(lab, codebook, n, h * w));
            });
    }
}
