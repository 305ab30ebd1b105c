namespace ColorKernels.Tests.Ops;

/// <summary>The op table's Hints cases (see <see cref="OpCases"/>): each step of the propagation, and the whole solve against a direct one.</summary>
internal static partial class OpCases
{
    // ---- Hints: colour hints spread by an edge-aware affinity ----

    private static readonly PropagationSettings HintCaseSettings = new(SigmaScale: 0.6f, SigmaFloor: 1e-3f, Lambda: 0.01f);

    /// <summary>A grid's luminance (L / 100): a smooth ramp, a step (an edge) down the middle, and noise.</summary>
    private static float[] HintLuminance(int h, int w, int seed)
    {
        float[] noise = U(h * w, -0.02f, 0.02f, seed);
        return Enumerable.Range(0, h * w).Select(i => 0.2f + 0.3f * (i % w) / Math.Max(1, w) + (i % w >= w / 2 ? 0.3f : 0f) + noise[i]).ToArray();
    }

    /// <summary>About one cell in <paramref name="every"/> is a hint (always the first), with (a, b) in [-60, 60]; x holds them there and 0 elsewhere.</summary>
    private static (float[] Mask, float[] X) HintCells(int cells, int every, int seed)
    {
        var random = new Random(seed);
        var mask = new float[cells];
        var x = new float[2 * cells];
        for (int r = 0; r < cells; r++)
            if (r == 0 || random.Next(every) == 0)
            {
                mask[r] = 1;
                x[r] = (float)(random.NextDouble() * 120 - 60);
                x[cells + r] = (float)(random.NextDouble() * 120 - 60);
            }
        return (mask, x);
    }

    private static IEnumerable<OpCase> Hints()
    {
        foreach (var (h, w) in new[] { (1, 1), (1, 17), (31, 33), (32, 32), (7, 9), (48, 64) })
        {
            int cells = h * w, seed = h * 100 + w;
            string shape = $"{h}x{w}";
            float[] y = HintLuminance(h, w, seed);
            yield return new OpCase("Hints.Variance", shape, new Tolerance(1e-6, 1e-4, "float32 means and squares of up to 9 values in [0, 1]"), r =>
            {
                var ty = r.In("y", Shape.Nchw(1, 1, h, w), y);
                var v = r.Out("variance", ty.Shape);
                r.Launch = () => HintPropagationOps.Variance(ty, v, HintCaseSettings);
                r.Check("variance", v, HintPropagationReference.Variance(y, w, h));
            });
            yield return new OpCase("Hints.Affinity", shape, new Tolerance(1e-5, 1e-4, "float32 exp of arguments up to ~40 (weights in [0, 1]) and sums of 8 of them"), r =>
            {
                double[] variance = HintPropagationReference.Variance(y, w, h);
                var ty = r.In("y", Shape.Nchw(1, 1, h, w), y);
                var tv = r.In("variance", ty.Shape, variance.Select(v => (float)v).ToArray());
                var weights = r.Out("weights", Shape.Nchw(8, 1, h, w));
                var diag = r.Out("diag", ty.Shape);
                r.Launch = () => HintPropagationOps.Affinity(ty, tv, weights, diag, HintCaseSettings);
                var (ew, ed) = HintPropagationReference.Affinity(y, variance.Select(v => (double)(float)v).ToArray(), w, h, 0.6, (double)1e-3f, (double)0.01f);
                r.Check("weights", weights, ew);
                r.Check("diag", diag, ed);
            });
            foreach (bool residual in new[] { false, true })
                yield return new OpCase(residual ? "Hints.Residual" : "Hints.Apply", shape, new Tolerance(1e-4, 1e-5, "sums of 9 float32 products of weights in [0, 1] with values in [-60, 60]"), r =>
                {
                    float[] weights = U(8 * cells, 0, 1, seed + 1), diag = U(cells, 1, 9, seed + 2), v = U(2 * cells, -60, 60, seed + 3);
                    var (mask, _) = HintCells(cells, 5, seed + 4);
                    var tw = r.In("weights", Shape.Nchw(8, 1, h, w), weights);
                    var td = r.In("diag", Shape.Nchw(1, 1, h, w), diag);
                    var tm = r.In("mask", td.Shape, mask);
                    var tv = r.In("v", Shape.Nchw(1, 2, h, w), v);
                    var result = r.Out("result", tv.Shape);
                    double[] dw = weights.Select(x => (double)x).ToArray(), dd = diag.Select(x => (double)x).ToArray();
                    if (residual)
                    {
                        r.Launch = () => HintPropagationOps.Residual(tw, td, tm, tv, result, HintCaseSettings);
                        r.Check("r", result, HintPropagationReference.Residual(dw, dd, mask, v, w, h));
                    }
                    else
                    {
                        r.Launch = () => HintPropagationOps.Apply(tw, td, tm, tv, result, HintCaseSettings);
                        r.Check("q", result, HintPropagationReference.Apply(dw, dd, mask, v, w, h));
                    }
                });
        }
        // The whole solve against a direct one: conjugate gradient converges in at most as many steps as free
        // cells in exact arithmetic; twice that (at least 60) covers float32 rounding on these grids. And once
        // 1000 steps, far past convergence: float32 CG there divides by residuals in the denormal range unless
        // a solved channel stops (HintPropagationKernels.Converged); found on CUDA (13 x 11 off by 0.16 after
        // 192 steps), and the same solve on the CPU accelerator blew up to 1e15 by 1000 steps before the stop.
        // Both solvers (a few launches a step; the whole solve in one launch, the CPU accelerator's path) on every
        // device, whichever Auto would pick there. 33 x 31 and 32 x 1: the boundary sizes, in the one-launch form
        // only (2 x 700 free cells of steps at 7 launches each is most of a minute on the CPU accelerator).
        foreach (var (h, w, every, steps) in new[] { (1, 1, 1, 0), (1, 17, 6, 0), (5, 7, 4, 0), (9, 7, 10, 0), (12, 16, 20, 0), (13, 11, 3, 0), (13, 11, 3, 1000), (33, 31, 3, 0), (32, 1, 5, 0) })
            foreach (HintSolve solve in new[] { HintSolve.LaunchPerStep, HintSolve.OneLaunch })
            {
                if (solve == HintSolve.LaunchPerStep && h * w > 300)
                    continue;
                int cells = h * w, seed = 7 * h + w;
                float[] y = HintLuminance(h, w, seed);
                var (mask, x0) = HintCells(cells, every, seed);
                int free = mask.Count(m => m == 0);
                var settings = HintCaseSettings with { Iterations = steps > 0 ? steps : Math.Max(60, 2 * free), Solve = solve };
                string how = solve == HintSolve.OneLaunch ? ", one launch" : "";
                yield return new OpCase("Hints.Propagate", $"{h}x{w}, {cells - free} hints" + (steps > 0 ? $", {steps} steps" : "") + how, new Tolerance(1e-2, 1e-4, "a hundredth of an ab unit (a hundred times below a visible step): float32 conjugate gradient against Gaussian elimination in double"), r =>
                {
                    var ty = r.In("y", Shape.Nchw(1, 1, h, w), y);
                    var tm = r.In("mask", ty.Shape, mask);
                    var tx = r.In("x", Shape.Nchw(1, 2, h, w), x0);
                    r.Launch = () => HintPropagationOps.Propagate(ty, tm, tx, settings);
                    r.Check("x", tx, HintPropagationReference.Solve(y, mask, x0, w, h, settings.SigmaScale, settings.SigmaFloor, settings.Lambda));
                });
            }
        // The pull toward alike cells: free cells (mask 0) against a table of hinted cells' L, model ab and corrections.
        // Shapes at the boundaries (1, 31, 32, 33, odd, non-square), from one hinted row to a hint in every cell; reach over
        // [-0.2, 1.2] exercises its clamp; sigmas at the scale of the values, so weights are neither all 1 nor all 0.
        foreach (var (h, w, every) in new[] { (1, 1, 1), (1, 17, 6), (5, 7, 4), (31, 33, 9), (32, 32, 40), (33, 31, 7), (9, 13, 1000) })
        {
            int cells = h * w, seed = 11 * h + w;
            yield return new OpCase("Hints.NonLocal", $"{h}x{w}, a hint every {every}", new Tolerance(1e-3, 1e-4, "corrections up to +-60: float32 exp of arguments down to about -50, sums of up to 200 weighted terms, one blend"), r =>
            {
                float[] y = HintLuminance(h, w, seed), ab = U(2 * cells, -20, 20, seed + 1), reach = U(cells, -0.2f, 1.2f, seed + 2), x = U(2 * cells, -60, 60, seed + 3);
                var (mask, _) = HintCells(cells, every, seed + 4);
                var table = new List<float>();
                for (int c = 0; c < cells; c++)
                    if (mask[c] != 0)
                        table.AddRange(new[] { y[c], ab[c], ab[cells + c], x[c], x[cells + c] });
                var ty = r.In("y", Shape.Nchw(1, 1, h, w), y);
                var tab = r.In("ab", Shape.Nchw(1, 2, h, w), ab);
                var tm = r.In("mask", ty.Shape, mask);
                var treach = r.In("reach", ty.Shape, reach);
                var ttable = r.In("table", new Shape(table.Count / NonLocalArgs.Row, NonLocalArgs.Row), table.ToArray());
                var tx = r.In("x", tab.Shape, x);
                var settings = HintCaseSettings with { NonLocalStrength = 3f, NonLocalSigmaY = 0.05f, NonLocalSigmaAb = 10f };
                r.Launch = () => HintPropagationOps.NonLocal(ty, tab, tm, treach, ttable, tx, settings);
                r.Check("x", tx, HintPropagationReference.NonLocal(y, ab, mask, reach, table.ToArray(), x, cells, settings.NonLocalSigmaY, settings.NonLocalSigmaAb, settings.NonLocalStrength));
            });
        }
        // The hint palette's gate: the steered decode pulled back toward the plain one except where the reach (over
        // [-0.2, 1.2], exercising its clamp) or likeness to a hinted cell says the hints speak for the cell. Shapes at the
        // boundaries, from one hinted row to every cell hinted.
        foreach (var (h, w, every) in new[] { (1, 1, 1), (1, 17, 6), (5, 7, 4), (31, 33, 9), (32, 32, 40), (33, 31, 7), (9, 13, 1000) })
        {
            int cells = h * w, seed = 13 * h + w;
            yield return new OpCase("Hints.PaletteGate", $"{h}x{w}, a hint every {every}", new Tolerance(1e-3, 1e-4, "ab up to +-60: float32 exp of arguments down to about -50, one blend"), r =>
            {
                float[] y = HintLuminance(h, w, seed), plain = U(2 * cells, -20, 20, seed + 1), reach = U(cells, -0.2f, 1.2f, seed + 2), steered = U(2 * cells, -60, 60, seed + 3);
                var (mask, _) = HintCells(cells, every, seed + 4);
                var table = new List<float>();
                for (int c = 0; c < cells; c++)
                    if (mask[c] != 0)
                        table.AddRange(new[] { y[c], plain[c], plain[cells + c], 0f, 0f });
                var ty = r.In("y", Shape.Nchw(1, 1, h, w), y);
                var tplain = r.In("plain", Shape.Nchw(1, 2, h, w), plain);
                var treach = r.In("reach", ty.Shape, reach);
                var ttable = r.In("table", new Shape(table.Count / NonLocalArgs.Row, NonLocalArgs.Row), table.ToArray());
                var tsteered = r.In("steered", tplain.Shape, steered);
                var settings = HintCaseSettings with { NonLocalSigmaY = 0.05f, NonLocalSigmaAb = 10f };
                r.Launch = () => HintPropagationOps.PaletteGate(ty, tplain, treach, ttable, tsteered, settings);
                r.Check("steered", tsteered, HintPropagationReference.PaletteGate(y, plain, reach, table.ToArray(), steered, cells, settings.NonLocalSigmaY, settings.NonLocalSigmaAb));
            });
        }
        // Joint bilateral upsampling of a grid's correction into a Lab picture's a and b: up (integer and odd
        // ratios), equal, and down (a 64 x 64 grid over a small picture); L with an edge, the grid's L near it.
        foreach (var (h, w, outH, outW) in new[] { (1, 1, 1, 1), (1, 1, 5, 7), (8, 8, 32, 32), (8, 8, 31, 33), (7, 9, 33, 31), (3, 5, 13, 17), (16, 16, 9, 11), (6, 6, 6, 6) })
            foreach (int radius in new[] { 1, 2 })
            {
                int seed = 31 * outH + outW + radius;
                yield return new OpCase("Hints.Upsample", $"{h}x{w} -> {outH}x{outW}, radius {radius}", new Tolerance(1e-3, 1e-4, "ab up to +-90: float32 exp of arguments down to about -50 and sums of up to 16 weighted terms"), r =>
                {
                    float[] lab = U(3 * outH * outW, -60, 60, seed), x = U(2 * h * w, -30, 30, seed + 1), y = HintLuminance(h, w, seed + 2);
                    float[] noise = U(outH * outW, -3, 3, seed + 3);
                    for (int p = 0; p < outH * outW; p++)
                        lab[p] = 20 + 40f * (p % outW) / outW + (p % outW >= outW / 2 ? 30 : 0) + noise[p];
                    var tx = r.In("x", Shape.Nchw(1, 2, h, w), x);
                    var ty = r.In("y", Shape.Nchw(1, 1, h, w), y);
                    var tlab = r.In("lab", Shape.Nchw(1, 3, outH, outW), lab);
                    var settings = HintCaseSettings with { UpsampleRadius = radius, SigmaSpace = 0.8f, SigmaRange = 0.08f };
                    r.Launch = () => HintPropagationOps.Upsample(tx, ty, tlab, settings);
                    r.Check("lab", tlab, HintPropagationReference.Upsample(x, y, lab, w, h, outW, outH, radius, settings.SigmaSpace, settings.SigmaRange));
                });
            }
    }
}
