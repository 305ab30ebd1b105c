namespace ColorKernels.Tests.Ops;

/// <summary>The op table's BatchNorm cases (see <see cref="OpCases"/>).</summary>
internal static partial class OpCases
{
    // ---- BatchNorm: inference, training forward, backward ----

    private static IEnumerable<OpCase> BatchNorm()
    {
        const float Eps = 1e-5f;
        foreach (var ((n, c, h, w), perf) in WithPerf((4, 64, 64, 64)))
        {
            int plane = h * w, e = n * c * plane, seed = n + c + h + w;
            string shape = Dims(n, c, h, w);
            foreach (bool affine in new[] { false, true })
            yield return new OpCase("BatchNorm.Inference", $"{shape} affine={affine}", new Tolerance(1e-5, 1e-5, "one subtraction, sqrt, division and FMA in float32"), r =>
            {
                float[] x = U(e, -3, 3, seed), mean = U(c, -1, 1, 2), variance = U(c, 0.1f, 4f, 3), gamma = U(c, 0.5f, 2, 4), beta = U(c, -1, 1, 5);
                var tx = r.In("x", Shape.Nchw(n, c, h, w), x);
                var tm = r.In("mean", new Shape(c), mean);
                var tv = r.In("var", new Shape(c), variance);
                var tg = r.In("gamma", new Shape(c), gamma);
                var tb = r.In("beta", new Shape(c), beta);
                var y = r.Out("y", tx.Shape);
                r.Launch = () => BatchNormOps.Inference(tx, tm, tv, affine ? tg : null, affine ? tb : null, y, Eps);
                r.Check("y", y, BatchNormReference.BatchNorm(x, mean, variance, affine ? gamma : null, affine ? beta : null, n, c, plane, Eps));
            }) { PerfOnly = perf };
            if (n * plane < 2)
                continue;   // the unbiased running variance needs two values a channel
            yield return new OpCase("BatchNorm.TrainingForward", shape, new Tolerance(1e-4, 1e-4, "batch statistics: float32 two-pass sums over up to 2,048 values in [-2, 2]"), r =>
            {
                float[] x = U(e, -2, 2, seed), gamma = U(c, 0.5f, 1.5f, 6), beta = U(c, -0.5f, 0.5f, 7);
                float[] runningMean = U(c, -1, 1, 8), runningVar = U(c, 0.5f, 2, 9);
                var tx = r.In("x", Shape.Nchw(n, c, h, w), x);
                var tg = r.In("gamma", new Shape(c), gamma);
                var tb = r.In("beta", new Shape(c), beta);
                var rm = r.In("running_mean", new Shape(c), runningMean);
                var rv = r.In("running_var", new Shape(c), runningVar);
                var stats = r.Out("stats", new Shape(2 * c));
                var y = r.Out("y", tx.Shape);
                r.Launch = () => BatchNormOps.TrainingForward(tx, tg, tb, rm, rv, stats, y, Eps, 0.1f);
                double[] s = BatchNormReference.Statistics(D(x), n, c, plane);
                var (mean, variance) = BatchNormReference.RunningUpdate(runningMean, runningVar, s, n, plane, 0.1);
                r.Check("y", y, BatchNormReference.TrainingForward(D(x), D(gamma), D(beta), n, c, plane, Eps));
                r.Check("stats", stats, s);
                r.Check("running_mean", rm, mean);
                r.Check("running_var", rv, variance);
            }) { PerfOnly = perf };
            yield return new OpCase("BatchNorm.Backward", shape, new Tolerance(2e-3, 2e-3, "float32 sums over up to 2,048 values and the cancellation in M dy - sum dy - xhat sum(dy xhat); finite differences with h = 1e-3 add O(h^2)"), r =>
            {
                float[] x = U(e, -2, 2, seed), dy = U(e, -1, 1, seed + 1), gamma = U(c, 0.5f, 1.5f, 6), beta = U(c, -0.5f, 0.5f, 7);
                double[] s = BatchNormReference.Statistics(D(x), n, c, plane);
                var tx = r.In("x", Shape.Nchw(n, c, h, w), x);
                var tdy = r.In("dy", tx.Shape, dy);
                var stats = r.In("stats", new Shape(2 * c), F(s));
                var tg = r.In("gamma", new Shape(c), gamma);
                var sums = r.Out("sums", new Shape(2 * c));
                var dx = r.Out("dx", tx.Shape);
                var dg = r.In("dgamma", new Shape(c), TestData.Filled(c, 1f));
                var db = r.In("dbeta", new Shape(c), TestData.Filled(c, 1f));
                r.Launch = () => BatchNormOps.Backward(tx, tdy, stats, tg, sums, dx, dg, db, Eps);
                var (ex, eg, eb) = BatchNormReference.Backward(x, dy, gamma, n, c, plane, Eps);
                r.Check("dx", dx, ex);
                r.Check("dgamma", dg, eg.Select(v => v + 1).ToArray());
                r.Check("dbeta", db, eb.Select(v => v + 1).ToArray());
                double Loss(double[] xs, double[] gs) => BatchNormReference.TrainingForward(xs, gs, D(beta), n, c, plane, Eps).Zip(dy, (v, g) => v * g).Sum();
                r.Gradients.Add(new GradientCheck("dx", v => Loss(v, D(gamma)), x, dx.Download, TestData.Sample(e, 24, seed + 2), 1e-3, 2e-3, 2e-3));
                r.Gradients.Add(new GradientCheck("dgamma", v => Loss(D(x), v), gamma, () => dg.Download().Select(v => v - 1f).ToArray(), TestData.Sample(c, 8, seed + 3), 1e-3, 2e-3, 2e-3));
            }) { Gradient = true, PerfOnly = perf };
        }
    }
}
