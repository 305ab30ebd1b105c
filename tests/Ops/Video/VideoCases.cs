namespace ColorKernels.Tests.Ops;

/// <summary>The op table's Video cases (see <see cref="OpCases"/>).</summary>
internal static partial class OpCases
{
    // ---- Video: temporal stabilisation ----

    private static IEnumerable<OpCase> Video()
    {
        foreach (var (h, w, reset) in new[] { (1, 1, false), (31, 33, false), (32, 32, true), (17, 5, false) })
        {
            int plane = h * w;
            yield return new OpCase("Temporal.StabilizeAb", $"{h}x{w} reset={reset}", new Tolerance(1e-4, 1e-6, "two float32 lerps of ab values up to 128"), r =>
            {
                float[] lab = RandomLab(1, plane, plane), previous = RandomLab(1, plane, plane + 1);
                // Half the pixels keep their L (a still scene), the rest move by up to 20 (past the threshold).
                for (int p = 0; p < plane; p += 2)
                    previous[p] = lab[p] + (p % 4 == 0 ? 0f : 3f);
                var tl = r.In("lab", Shape.Nchw(1, 3, h, w), lab);
                var tp = r.In("previous", Shape.Nchw(1, 3, h, w), previous);
                r.Launch = () => TemporalOps.StabilizeAb(tl, tp, 0.8f, 10f, reset);
                var (frame, next) = TemporalReference.StabilizeAb(lab, previous, 0.8, 10, reset);
                r.Check("lab", tl, frame);
                r.Check("previous", tp, next);
            });
        }
        foreach (var (h, w) in new[] { (1, 1), (31, 33), (32, 32), (17, 5) })
        {
            int plane = h * w;
            yield return new OpCase("Temporal.BlendAb", $"{h}x{w}", new Tolerance(1e-4, 1e-6, "one float32 lerp of ab values up to 128"), r =>
            {
                float[] lab = RandomLab(1, plane, plane + 2), given = RandomLab(1, plane, plane + 3);
                // Weights below 0, in [0, 1] and above 1 (clamped).
                for (int p = 0; p < plane; p++)
                    given[p] = (p % 5 - 1) * 0.4f;
                var tl = r.In("lab", Shape.Nchw(1, 3, h, w), lab);
                var tg = r.In("given", Shape.Nchw(1, 3, h, w), given);
                r.Launch = () => TemporalOps.BlendAb(tl, tg, 0.9f);
                r.Check("lab", tl, TemporalReference.BlendAb(lab, given, 0.9));
            });
        }
        foreach (OpCase flow in Flow())
            yield return flow;
    }
}
