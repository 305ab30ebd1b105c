namespace ColorKernels.Tests.Ops;

/// <summary>The op table's Optimizer cases (see <see cref="OpCases"/>).</summary>
internal static partial class OpCases
{
    // ---- Optimizer ----

    private static IEnumerable<OpCase> Optimizer()
    {
        foreach (int count in new[] { 1, 37, 1000 })
        {
            yield return new OpCase("Optimizer.Adam", $"{count} t=3", new Tolerance(1e-5, 1e-5, "one step on parameters of order 1; float32 sqrt and division"), r =>
            {
                float[] p = U(count, -1, 1, 81), g = U(count, -1, 1, 82), m = U(count, -0.1f, 0.1f, 83), v = U(count, 0.001f, 0.01f, 84);
                var tp = r.In("p", new Shape(count), p);
                var tg = r.In("g", new Shape(count), g);
                var tm = r.In("m", new Shape(count), m);
                var tv = r.In("v", new Shape(count), v);
                r.Launch = () => OptimizerOps.Adam(tp, tg, tm, tv, 0.01f, 0.9f, 0.99f, 1e-8f, 1e-3f, 3, 0.5f);
                double[] ep = D(p), em = D(m), ev = D(v);
                OptimizerReference.Adam(ep, g, em, ev, 0.01f, 0.9f, 0.99f, 1e-8f, 1e-3f, 3, 0.5f);
                r.Check("p", tp, ep);
                r.Check("m", tm, em);
                r.Check("v", tv, ev);
            });
            yield return new OpCase("Optimizer.Sgd", count.ToString(), new Tolerance(1e-6, 1e-5, "two float32 FMAs on values of order 1"), r =>
            {
                float[] p = U(count, -1, 1, 91), g = U(count, -1, 1, 92), velocity = U(count, -0.1f, 0.1f, 93);
                var tp = r.In("p", new Shape(count), p);
                var tg = r.In("g", new Shape(count), g);
                var tv = r.In("velocity", new Shape(count), velocity);
                r.Launch = () => OptimizerOps.Sgd(tp, tg, tv, 0.01f, 0.9f, 1e-3f, 0.5f);
                double[] ep = D(p), ev = D(velocity);
                OptimizerReference.Sgd(ep, g, ev, 0.01f, 0.9f, 1e-3f, 0.5f);
                r.Check("p", tp, ep);
                r.Check("velocity", tv, ev);
            });
        }
    }
}
