namespace ColorKernels.Tests.Ops;

/// <summary>The op table's Metrics cases (see <see cref="OpCases"/>).</summary>
internal static partial class OpCases
{
    // ---- Metrics ----

    private static IEnumerable<OpCase> Metrics()
    {
        foreach (var (n, h, w) in new[] { (1, 1, 1), (2, 31, 33), (1, 32, 32) })
        {
            int plane = h * w;
            yield return new OpCase("Metrics.AbErrorHistogram", Dims(n, 3, h, w), new Tolerance(1e-3, 1e-4, "counts exact below 2^24; the rebalanced half sums float32 weights (in pixel order) against a double reference"), r =>
            {
                float[] truth = RandomLab(n, plane, plane), prediction = RandomLab(n, plane, plane + 1);
                float[] centres = BinCodebook.Planar(), inversePrior = U(313, 0.1f, 5f, 3);
                var tp = r.In("prediction", Shape.Nchw(n, 3, h, w), prediction);
                var tt = r.In("truth", tp.Shape, truth);
                var tc = r.In("centres", new Shape(2, 313), centres);
                var ti = r.In("inverse_prior", new Shape(313), inversePrior);
                var histogram = r.In("histogram", new Shape(2 * MetricKernels.ErrorBuckets), new float[2 * MetricKernels.ErrorBuckets]);
                r.Launch = () => MetricOps.AbErrorHistogram(tp, tt, tc, ti, histogram);
                r.Check("histogram", histogram, MetricReference.AbErrorHistogram(prediction, truth, centres, inversePrior, n, plane));
            });
            yield return new OpCase("Metrics.ChromaSums", Dims(n, 3, h, w), new Tolerance(1e-2, 1e-5, "float32 partial sums of up to 1,023 chromas below 181, then the partials in thread order, against a double reference"), r =>
            {
                float[] truth = RandomLab(n, plane, plane + 2), prediction = RandomLab(n, plane, plane + 3);
                var tp = r.In("prediction", Shape.Nchw(n, 3, h, w), prediction);
                var tt = r.In("truth", tp.Shape, truth);
                var sums = r.In("sums", new Shape(2), new float[2]);
                r.Launch = () => MetricOps.ChromaSums(tp, tt, sums);
                r.Check("sums", sums, MetricReference.ChromaSums(prediction, truth, n, plane));
            });
            yield return new OpCase("Metrics.RgbStats", Dims(1, h, w, 3), new Tolerance(1e-2, 1e-5, "float32 sums of integers, exact below 2^24 a thread; the partials added in thread order in float32"), r =>
            {
                byte[] prediction = TestData.Bytes(plane * 3, plane), truth = TestData.Bytes(plane * 3, plane + 1);
                var tp = r.In("prediction", new Shape(1, h, w, 3), prediction);
                var tt = r.In("truth", tp.Shape, truth);
                var stats = r.In("stats", new Shape(9), new float[9]);
                r.Launch = () => MetricOps.RgbStats(tp, tt, stats);
                r.Check("stats", stats, MetricReference.RgbStats(prediction, truth));
            });
        }
    }
}
