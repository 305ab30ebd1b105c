using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;

namespace ColorKernels.Engine.Models;

/// <summary>
/// A person's hints spread over a decoded grid (Levin, Lischinski and Weiss 2004; <see cref="HintPropagationOps"/>):
/// each hint's correction (its ab minus the decoded ab) is put on the grid cells under its square and carried to
/// the other cells along the picture's L, then brought to the picture's resolution with the model's ab. Shared
/// by every colourizer (<see cref="CodebookColorizer"/>); the hint network's input is <see cref="HintTable"/>.
/// </summary>
internal static class HintPropagation
{
    /// <summary>
    /// Writes ab [1, 2, gridH, gridW] (the decoded grid, changed in place) with the hints' corrections into
    /// <paramref name="prediction"/>'s Lab. The corrections spread over the prediction's grid, or, after a network
    /// that read the hints itself (<paramref name="afterNetwork"/>), over a grid PropagationDivisor times coarser
    /// (its own is the input's full resolution, where a correction would travel a quarter as far as on ECCV16's
    /// grid in the same solver steps). With <paramref name="nonLocal"/> (a network's 313 bins: <see cref="CodebookColorizer"/>)
    /// the hints also reach the cells the model coloured alike (<see cref="PullToAlikeCells"/>). Where <paramref name="ab"/> was
    /// decoded with the hints' palette, <paramref name="unsteered"/> is the same grid decoded without it, and the palette is
    /// first kept only where the hints speak for a cell (<see cref="HintPropagationOps.PaletteGate"/>; issue #43: "gated so
    /// that a red shirt hint does not turn the sky red": the model's own distribution alone let one object's hints move
    /// 70-90 % of the differently coloured rest of a photo toward their colour, perf --filter hints-object).
    /// </summary>
    public static void Apply(ComputeDevice device, Prediction prediction, Tensor<float> ab, bool afterNetwork, IReadOnlyList<ColorHint> hints,
        PropagationSettings settings, HintWarmStart? warm = null, bool nonLocal = false, Tensor<float>? unsteered = null)
    {
        Tensor<float> lab = prediction.Lab ?? throw new InvalidOperationException("the prediction's Lab is made before hints spread");
        int divisor = !afterNetwork ? 1 : Math.Max(1, settings.PropagationDivisor);
        int gridW = Math.Max(1, prediction.Width / divisor), gridH = Math.Max(1, prediction.Height / divisor);
        using Tensor<float>? coarse = divisor == 1 ? null : device.Allocate<float>("ab.coarse", Shape.Nchw(1, 2, gridH, gridW));
        if (coarse is not null)
            ResampleOps.ResizeBilinear(ab, 0, 2, coarse, 0);
        var (correction, luminance) = SpreadHints(device, prediction, coarse ?? ab, gridW, gridH, hints, settings, warm, nonLocal && coarse is null, unsteered);
        using (correction)
        using (luminance)
        {
            // Edge-aware: the model's ab resized as always, the correction brought up guided by the picture's own L.
            if (!settings.EdgeAware)
            {
                if (coarse is null)
                    BufferOps.Accumulate(correction, ab);
                else
                    using (Tensor<float> fine = device.Allocate<float>("correction.fine", ab.Shape))
                    {
                        ResampleOps.ResizeBilinear(correction, 0, 2, fine, 0);
                        BufferOps.Accumulate(fine, ab);
                    }
            }
            ResampleOps.ResizeBilinear(ab, 0, 2, lab, 1);
            if (settings.EdgeAware)
                HintPropagationOps.Upsample(correction, luminance, lab, settings);
        }
    }

    /// <summary>
    /// The hint mask spread by the same solve as the corrections (<see cref="HintPropagationOps.Propagate"/>): near 1 beside a
    /// hint, near 0 where its spread did not arrive; a new [1, 2, H, W] tensor (both planes the same) the caller disposes.
    /// In a film's shot it starts from the frame before's (<paramref name="warm"/>), which it then replaces.
    /// </summary>
    private static Tensor<float> SolveReach(ComputeDevice device, Tensor<float> y, Tensor<float> tmask, float[] mask, PropagationSettings settings, HintWarmStart? warm)
    {
        int cells = mask.Length;
        float[] start = warm?.Reach is { } previous && previous.Length == 2 * cells ? (float[])previous.Clone() : new float[2 * cells];
        for (int r = 0; r < cells; r++)
            if (mask[r] > 0)
                start[r] = start[cells + r] = 1f;
        Tensor<float> reach = device.Upload("hint.reach", Shape.Nchw(1, 2, y.Shape[2], y.Shape[3]), start);
        try
        {
            HintPropagationOps.Propagate(y, tmask, reach, settings);
            if (warm is not null)
                warm.Reach = reach.Download();
            return reach;
        }
        catch
        {
            reach.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The hinted cells' table (<see cref="Kernels.Hints.NonLocalArgs.Row"/> values a row: the grid's L / 100, the decoded
    /// a and b of <paramref name="model"/>, the correction's a and b of <paramref name="given"/>, 0 without it) of the
    /// cells where <paramref name="mask"/> is 1, uploaded; the caller disposes it.
    /// </summary>
    private static Tensor<float> HintedTable(ComputeDevice device, float[] grid, float[] model, float[] mask, float[]? given)
    {
        int cells = mask.Length;
        var table = new List<float>();
        for (int r = 0; r < cells; r++)
            if (mask[r] > 0)
                table.AddRange(new[] { grid[r], model[r], model[cells + r], given?[r] ?? 0f, given?[cells + r] ?? 0f });
        return device.Upload("hint.table", new Shape(table.Count / Kernels.Hints.NonLocalArgs.Row, Kernels.Hints.NonLocalArgs.Row), table.ToArray());
    }

    /// <summary>Per grid cell, the sums of the hints' a and b over the cells under their squares [2, cells], and how many hints cover it [cells].</summary>
    private static (double[] Sum, int[] Count) HintedCells(Prediction prediction, int width, int height, IReadOnlyList<ColorHint> hints)
    {
        int cells = width * height;
        var sum = new double[2 * cells];
        var count = new int[cells];
        foreach (ColorHint hint in hints)
        {
            var (x0, y0, x1, y1) = hint.Square(prediction.Image.Width, prediction.Image.Height);
            var (cx0, cy0) = Prediction.CellOf(x0, y0, width, height, prediction.Image.Width, prediction.Image.Height);
            var (cx1, cy1) = Prediction.CellOf(x1, y1, width, height, prediction.Image.Width, prediction.Image.Height);
            for (int cy = cy0; cy <= cy1; cy++)
                for (int cx = cx0; cx <= cx1; cx++)
                {
                    int r = cy * width + cx;
                    sum[r] += hint.A;
                    sum[cells + r] += hint.B;
                    count[r]++;
                }
        }
        return (sum, count);
    }

    /// <summary>
    /// The share of <see cref="PropagationSettings.NonLocalStrength"/> that <paramref name="hints"/> hints take: 0 for one,
    /// growing to all of it at <see cref="PropagationSettings.NonLocalFullHints"/> (a single hint's correction pulled onto
    /// every alike cell cost 0.15 dB on imagenet-val's choosing half; from 5 hints on it gains).
    /// </summary>
    private static float Share(int hints, PropagationSettings settings) =>
        settings.NonLocalFullHints <= 1 ? 1f : Math.Clamp((hints - 1f) / (settings.NonLocalFullHints - 1f), 0f, 1f);

    /// <summary>
    /// Pulls the solved correction <paramref name="x"/> of the cells the local spread did not reach toward the
    /// corrections of the hinted cells whose L and decoded ab (<paramref name="ab"/>) are near their own
    /// (<see cref="HintPropagationOps.NonLocal"/>; issue #43: a sky the model made beige everywhere takes a blue hint's
    /// correction in its other parts too). The reach is <paramref name="reach"/> where the hints' palette gate solved it,
    /// else solved here (<see cref="SolveReach"/>); the table of hinted cells is built from the grid's L (<paramref name="grid"/>,
    /// <paramref name="y"/> read back), the model's ab (<paramref name="model"/>, the grid <paramref name="ab"/> read back) and
    /// <paramref name="given"/> (the corrections at the hinted cells, where <paramref name="mask"/> is 1).
    /// </summary>
    private static void PullToAlikeCells(ComputeDevice device, Tensor<float> y, float[] grid, Tensor<float> tmask, Tensor<float> ab, float[] model, Tensor<float> x,
        float[] mask, float[] given, PropagationSettings settings, HintWarmStart? warm, Tensor<float>? reach)
    {
        using Tensor<float> rows = HintedTable(device, grid, model, mask, given);
        using Tensor<float>? solved = reach is null ? SolveReach(device, y, tmask, mask, settings, warm) : null;
        HintPropagationOps.NonLocal(y, ab, tmask, reach ?? solved!, rows, x, settings);
    }

    /// <summary>
    /// The hints' corrections to <paramref name="ab"/> [1, 2, height, width] (the decoded grid) spread over the
    /// grid, and the grid's L / 100 they spread along (the picture's L resized down), both new tensors the
    /// caller disposes: each grid cell under a hint's square holds the hint's ab minus the decoded ab (cells
    /// under several hints take their mean), and <see cref="HintPropagationOps.Propagate"/> carries those corrections to
    /// the other cells.
    /// </summary>
    private static (Tensor<float> Correction, Tensor<float> Luminance) SpreadHints(ComputeDevice device, Prediction prediction, Tensor<float> ab,
        int width, int height, IReadOnlyList<ColorHint> hints, PropagationSettings settings, HintWarmStart? warm, bool nonLocal, Tensor<float>? unsteered)
    {
        int cells = width * height;
        var (sum, count) = HintedCells(prediction, width, height, hints);
        var mask = new float[cells];
        for (int r = 0; r < cells; r++)
            if (count[r] > 0)
                mask[r] = 1;
        Tensor<float> y = device.Allocate<float>("hint.y", Shape.Nchw(1, 1, height, width));
        Tensor<float>? x = null, reach = null;
        try
        {
            ResampleOps.ResizeBilinear(prediction.Lab!, 0, 1, y, 0, scale: 0.01f);
            using Tensor<float> tmask = device.Upload("hint.mask", y.Shape, mask);
            float[]? grid = null;
            if (unsteered is not null)
            {
                // ab was decoded with the hints' palette: kept only where the hints speak for a cell (the reach, from the
                // frame before's in a film's shot at its fewer steps, or likeness to a hinted cell in L and the unsteered
                // decode), the unsteered decode elsewhere. The pull toward alike cells then reads the same reach.
                grid = y.Download();
                reach = SolveReach(device, y, tmask, mask, warm?.Reach?.Length == 2 * cells ? settings with { Iterations = settings.WarmIterations } : settings, warm);
                using Tensor<float> rows = HintedTable(device, grid, unsteered.Download(), mask, null);
                HintPropagationOps.PaletteGate(y, unsteered, reach, rows, ab, settings);
            }
            float[] model = ab.Download();
            // A film's frame starts from the previous frame's solved correction (free cells), and needs fewer steps.
            bool warmed = warm?.Correction is { } previous && previous.Length == 2 * cells;
            var correction = warmed ? (float[])warm!.Correction!.Clone() : new float[2 * cells];
            if (warmed)
                settings = settings with { Iterations = settings.WarmIterations };
            for (int r = 0; r < cells; r++)
                if (count[r] > 0)
                {
                    correction[r] = (float)(sum[r] / count[r] - model[r]);
                    correction[cells + r] = (float)(sum[cells + r] / count[r] - model[cells + r]);
                }
            x = device.Upload("hint.correction", ab.Shape, correction);
            HintPropagationOps.Propagate(y, tmask, x, settings);
            // The local solve is the next frame's start; the pull toward alike cells is applied to each frame's anew.
            if (warm is not null)
                warm.Correction = x.Download();
            float strength = nonLocal ? settings.NonLocalStrength * Share(hints.Count, settings) : 0f;
            if (strength > 0)
                PullToAlikeCells(device, y, grid ?? y.Download(), tmask, ab, model, x, mask, correction, settings with { NonLocalStrength = strength }, warm, reach);
            return (x, y);
        }
        catch
        {
            x?.Dispose();
            y.Dispose();
            throw;
        }
        finally
        {
            reach?.Dispose();
        }
    }
}

/// <summary>What one frame's hint propagation leaves for the next frame of a film: its solved correction on the grid (the next solve's start).</summary>
internal sealed class HintWarmStart
{
    public float[]? Correction { get; set; }

    /// <summary>Its spread hint mask on the grid (the next solve's start for the reach: <see cref="HintPropagation"/>'s pull toward alike cells).</summary>
    public float[]? Reach { get; set; }
}
