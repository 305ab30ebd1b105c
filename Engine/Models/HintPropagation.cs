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
    /// first kept only where the hints speak for a cell (<see cref="GatePalette"/>).
    /// </summary>
    public static void Apply(ComputeDevice device, Prediction prediction, Tensor<float> ab, bool afterNetwork, IReadOnlyList<ColorHint> hints,
        PropagationSettings settings, HintWarmStart? warm = null, bool nonLocal = false, Tensor<float>? unsteered = null)
    {
        // ab steered by the hints' palette: kept only where the hints speak for a cell, the rest back to the unsteered decode.
        float[]? reach = unsteered is null ? null : GatePalette(device, prediction, unsteered, ab, hints, settings, warm);
        Tensor<float> lab = prediction.Lab ?? throw new InvalidOperationException("the prediction's Lab is made before hints spread");
        int divisor = !afterNetwork ? 1 : Math.Max(1, settings.PropagationDivisor);
        int gridW = Math.Max(1, prediction.Width / divisor), gridH = Math.Max(1, prediction.Height / divisor);
        using Tensor<float>? coarse = divisor == 1 ? null : device.Allocate<float>("ab.coarse", Shape.Nchw(1, 2, gridH, gridW));
        if (coarse is not null)
            ResampleOps.ResizeBilinear(ab, 0, 2, coarse, 0);
        var (correction, luminance) = SpreadHints(device, prediction, coarse ?? ab, gridW, gridH, hints, settings, warm, nonLocal && coarse is null, reach);
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
    /// The hints' palette (<paramref name="steered"/>, the grid decoded with it, changed in place) kept only where the
    /// hints speak for a cell, <paramref name="plain"/> (decoded without it) elsewhere (<see cref="HintPropagationOps.PaletteGate"/>;
    /// issue #43: "gated so that a red shirt hint does not turn the sky red"; the model's own distribution alone let one
    /// object's hints move 70-90 % of the differently coloured rest of a photo toward their colour, perf --filter
    /// hints-object). A cell keeps the palette where the hint mask's local spread arrives (the reach, solved here from the
    /// frame before's in a film's shot, <paramref name="warm"/>) or where its L and plain decode are near a hinted cell's.
    /// Returns the reach [2, cells] (both planes the same), which the pull toward alike cells then reads instead of
    /// solving it again.
    /// </summary>
    private static float[] GatePalette(ComputeDevice device, Prediction prediction, Tensor<float> plain, Tensor<float> steered, IReadOnlyList<ColorHint> hints,
        PropagationSettings settings, HintWarmStart? warm)
    {
        int width = prediction.Width, height = prediction.Height, cells = width * height;
        var (_, count) = HintedCells(prediction, width, height, hints);
        using Tensor<float> y = device.Allocate<float>("gate.y", Shape.Nchw(1, 1, height, width));
        ResampleOps.ResizeBilinear(prediction.Lab!, 0, 1, y, 0, scale: 0.01f);
        var mask = new float[cells];
        bool warmed = warm?.Reach is { } previous && previous.Length == 2 * cells;
        float[] start = warmed ? (float[])warm!.Reach!.Clone() : new float[2 * cells];
        for (int r = 0; r < cells; r++)
            if (count[r] > 0)
                mask[r] = start[r] = start[cells + r] = 1f;
        float[] grid = y.Download(), model = plain.Download();
        var table = new List<float>();
        for (int r = 0; r < cells; r++)
            if (mask[r] > 0)
                table.AddRange(new[] { grid[r], model[r], model[cells + r], 0f, 0f });
        using Tensor<float> tmask = device.Upload("gate.mask", y.Shape, mask);
        using Tensor<float> reach = device.Upload("hint.reach", plain.Shape, start);
        HintPropagationOps.Propagate(y, tmask, reach, warmed ? settings with { Iterations = settings.WarmIterations } : settings);
        using Tensor<float> rows = device.Upload("gate.table", new Shape(table.Count / Kernels.Hints.NonLocalArgs.Row, Kernels.Hints.NonLocalArgs.Row), table.ToArray());
        HintPropagationOps.PaletteGate(y, plain, reach, rows, steered, settings);
        float[] reached = reach.Download();
        if (warm is not null)
            warm.Reach = reached;
        return reached;
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
    /// correction in its other parts too). The reach is the hint mask spread by the same solve (from the frame before's
    /// in a film's shot: <paramref name="warm"/>), or <paramref name="reached"/> where the hint palette's gate solved it; the table of hinted cells is built here from the grid's L, the model's
    /// ab (<paramref name="model"/>, the grid <paramref name="ab"/> already read back) and <paramref name="given"/> (the corrections
    /// at the hinted cells, where <paramref name="mask"/> is 1).
    /// </summary>
    private static void PullToAlikeCells(ComputeDevice device, Tensor<float> y, Tensor<float> tmask, Tensor<float> ab, float[] model, Tensor<float> x, float[] mask, float[] given,
        PropagationSettings settings, HintWarmStart? warm, float[]? reached)
    {
        int cells = mask.Length;
        float[] grid = y.Download();
        var table = new List<float>();
        for (int r = 0; r < cells; r++)
            if (mask[r] > 0)
                table.AddRange(new[] { grid[r], model[r], model[cells + r], given[r], given[cells + r] });
        using Tensor<float> rows = device.Upload("hint.table", new Shape(table.Count / Kernels.Hints.NonLocalArgs.Row, Kernels.Hints.NonLocalArgs.Row), table.ToArray());
        // The reach: the hint palette's gate solved it already (GatePalette), else solved here.
        if (reached is { Length: var length } && length == 2 * cells)
        {
            using Tensor<float> solved = device.Upload("hint.reach", x.Shape, reached);
            HintPropagationOps.NonLocal(y, ab, tmask, solved, rows, x, settings);
            return;
        }
        float[] start = warm?.Reach is { } previous && previous.Length == 2 * cells ? (float[])previous.Clone() : new float[2 * cells];
        for (int r = 0; r < cells; r++)
            if (mask[r] > 0)
                start[r] = start[cells + r] = 1f;
        using Tensor<float> reach = device.Upload("hint.reach", x.Shape, start);
        HintPropagationOps.Propagate(y, tmask, reach, settings);
        if (warm is not null)
            warm.Reach = reach.Download();
        HintPropagationOps.NonLocal(y, ab, tmask, reach, rows, x, settings);
    }

    /// <summary>
    /// The hints' corrections to <paramref name="ab"/> [1, 2, height, width] (the decoded grid) spread over the
    /// grid, and the grid's L / 100 they spread along (the picture's L resized down), both new tensors the
    /// caller disposes: each grid cell under a hint's square holds the hint's ab minus the decoded ab (cells
    /// under several hints take their mean), and <see cref="HintPropagationOps.Propagate"/> carries those corrections to
    /// the other cells.
    /// </summary>
    private static (Tensor<float> Correction, Tensor<float> Luminance) SpreadHints(ComputeDevice device, Prediction prediction, Tensor<float> ab,
        int width, int height, IReadOnlyList<ColorHint> hints, PropagationSettings settings, HintWarmStart? warm, bool nonLocal, float[]? reach)
    {
        int cells = width * height;
        float[] model = ab.Download();
        var (sum, count) = HintedCells(prediction, width, height, hints);
        var mask = new float[cells];
        // A film's frame starts from the previous frame's solved correction (free cells), and needs fewer steps.
        bool warmed = warm?.Correction is { } previous && previous.Length == 2 * cells;
        var correction = warmed ? (float[])warm!.Correction!.Clone() : new float[2 * cells];
        if (warmed)
            settings = settings with { Iterations = settings.WarmIterations };
        for (int r = 0; r < cells; r++)
            if (count[r] > 0)
            {
                mask[r] = 1;
                correction[r] = (float)(sum[r] / count[r] - model[r]);
                correction[cells + r] = (float)(sum[cells + r] / count[r] - model[cells + r]);
            }
        Tensor<float> y = device.Allocate<float>("hint.y", Shape.Nchw(1, 1, height, width));
        Tensor<float>? x = null;
        try
        {
            ResampleOps.ResizeBilinear(prediction.Lab!, 0, 1, y, 0, scale: 0.01f);
            using Tensor<float> tmask = device.Upload("hint.mask", y.Shape, mask);
            x = device.Upload("hint.correction", ab.Shape, correction);
            HintPropagationOps.Propagate(y, tmask, x, settings);
            // The local solve is the next frame's start; the pull toward alike cells is applied to each frame's anew.
            if (warm is not null)
                warm.Correction = x.Download();
            float strength = nonLocal ? settings.NonLocalStrength * Share(hints.Count, settings) : 0f;
            if (strength > 0)
                PullToAlikeCells(device, y, tmask, ab, model, x, mask, correction, settings with { NonLocalStrength = strength }, warm, reach);
            return (x, y);
        }
        catch
        {
            x?.Dispose();
            y.Dispose();
            throw;
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
