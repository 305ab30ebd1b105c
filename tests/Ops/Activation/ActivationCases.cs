namespace ColorKernels.Tests.Ops;

/// <summary>The op table's Activation cases (see <see cref="OpCases"/>).</summary>
internal static partial class OpCases
{
    // ---- Activation ----

    private static IEnumerable<OpCase> Activation()
    {
        foreach (var (n, c, h, w) in Nchw)
        {
            int e = n * c * h * w;
            string shape = Dims(n, c, h, w);
            yield return new OpCase("Activation.Relu", shape, Tolerance.Exact("max(x, 0) has no rounding"), r =>
            {
                float[] x = U(e, -1, 1, e);
                var tx = r.In("x", Shape.Nchw(n, c, h, w), x);
                var y = r.Out("y", tx.Shape);
                r.Launch = () => ActivationOps.Relu(tx, y);
                r.Check("y", y, ActivationReference.Relu(x));
            });
            yield return new OpCase("Activation.ReluBackward", shape, new Tolerance(1e-6, 1e-6, "a copy or a zero; finite differences with h = 0.01 on inputs at least 0.05 from the kink are exact to double rounding"), r =>
            {
                float[] x = U(e, -1, 1, e + 1).Select(v => Math.Abs(v) < 0.05f ? v + 0.1f : v).ToArray(), dy = U(e, -1, 1, e + 2);
                float[] y = x.Select(v => Math.Max(v, 0f)).ToArray();
                var ty = r.In("y", Shape.Nchw(n, c, h, w), y);
                var tdy = r.In("dy", ty.Shape, dy);
                var dx = r.Out("dx", ty.Shape);
                r.Launch = () => ActivationOps.ReluBackward(ty, tdy, dx);
                r.Check("dx", dx, ActivationReference.ReluBackward(y, dy));
                r.Gradients.Add(new GradientCheck("dx", v => v.Select((xi, i) => Math.Max(xi, 0) * dy[i]).Sum(), x, dx.Download, TestData.Sample(e, 24, e), 0.01, 1e-6, 1e-6));
            }) { Gradient = true };
        }
    }
}
