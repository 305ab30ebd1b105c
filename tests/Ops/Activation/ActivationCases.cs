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
            yield return new OpCase("Activation.Tanh", shape, new Tolerance(2e-6, 1e-5, "1 - 2 / (e^2x + 1) in float32 (the GPU's exp is approximate, a few ulp): absolute error near 1e-7 where tanh is near 0, relative elsewhere"), r =>
            {
                float[] x = U(e, -4, 4, e + 3);
                if (e > 2)
                    (x[0], x[1], x[2]) = (0f, 60f, -60f);   // exactly 0, and e^2x overflowing and underflowing
                var tx = r.In("x", Shape.Nchw(n, c, h, w), x);
                var y = r.Out("y", tx.Shape);
                r.Launch = () => ActivationOps.Tanh(tx, y);
                r.Check("y", y, ActivationReference.Tanh(x));
            });
            yield return new OpCase("Activation.TanhBackward", shape, new Tolerance(1e-6, 1e-5, "one float32 product and square; h = 1e-3 differences of tanh are exact to 1e-6 (its third derivative is at most 2)"), r =>
            {
                float[] x = U(e, -2, 2, e + 4), dy = U(e, -1, 1, e + 5);
                float[] y = x.Select(v => (float)Math.Tanh(v)).ToArray();
                var ty = r.In("y", Shape.Nchw(n, c, h, w), y);
                var tdy = r.In("dy", ty.Shape, dy);
                var dx = r.Out("dx", ty.Shape);
                r.Launch = () => ActivationOps.TanhBackward(ty, tdy, dx);
                r.Check("dx", dx, ActivationReference.TanhBackward(y, dy));
                r.Gradients.Add(new GradientCheck("dx", v => v.Select((xi, i) => Math.Tanh(xi) * dy[i]).Sum(), x, dx.Download, TestData.Sample(e, 24, e), 1e-3, 1e-5, 1e-3));
            }) { Gradient = true };
        }
    }
}
