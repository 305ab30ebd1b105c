namespace ColorKernels.Tests.Ops;

/// <summary>The op table's cases for the hint network's input channels (see <see cref="OpCases"/>).</summary>
internal static partial class OpCases
{
    // ---- Hints: the hint network's input (hint ab and mask channels) ----

    /// <summary>
    /// A table of hint rectangles over n pictures of h x w: one at the top-left corner, one hanging over the
    /// bottom-right edge (clipped), overlapping ones (the later wins), a 1 x 1, a non-square one, and random
    /// ones up to 9 a side.
    /// </summary>
    private static int[] HintRectangles(int n, int h, int w, int seed)
    {
        var random = new Random(seed);
        var table = new List<int> { 0, 0, 0, 3, 3, n - 1, w - 2, h - 2, 5, 5, 0, 1, 1, 4, 2, 0, w / 2, h / 2, 1, 1 };
        for (int i = 0; i < 6; i++)
            table.AddRange(new[] { random.Next(n), random.Next(w), random.Next(h), 1 + random.Next(9), 1 + random.Next(9) });
        return table.ToArray();
    }

    private static IEnumerable<OpCase> HintInput()
    {
        foreach (var (n, h, w) in new[] { (1, 1, 1), (2, 17, 5), (1, 31, 33), (1, 32, 32), (2, 33, 31) })
        {
            string shape = Dims(n, 4, h, w);
            int[] squares = HintRectangles(n, h, w, h * 31 + w);
            int hints = squares.Length / 5;
            yield return new OpCase("Hints.PatchMean", shape, new Tolerance(1e-4, 1e-5, "float32 sums of at most 81 ab values within +-100, divided by their count"), r =>
            {
                float[] lab = U(n * 3 * h * w, -80, 80, h + w);
                var tlab = r.In("lab", Shape.Nchw(n, 3, h, w), lab);
                var tsq = r.In("squares", new Shape(hints, 5), squares);
                var colours = r.Out("colours", new Shape(hints, 2));
                r.Launch = () => HintInputOps.PatchMean(tlab, tsq, colours);
                r.Check("colours", colours, HintInputReference.PatchMean(lab, squares, h, w));
            });
            yield return new OpCase("Hints.Input", shape, new Tolerance(1e-6, 1e-6, "a division by 110 and a subtraction of 0.5; channel 0 untouched"), r =>
            {
                float[] colours = U(2 * hints, -100, 100, hints + h), input = U(n * 4 * h * w, -1, 1, 7 + w);
                for (int i = 0; i < input.Length; i++)
                    if (i / (h * w) % 4 != 0)
                        input[i] = float.NaN;   // poisoned: the kernel writes every hint channel
                var tsq = r.In("squares", new Shape(hints, 5), squares);
                var tc = r.In("colours", new Shape(hints, 2), colours);
                var tin = r.In("input", Shape.Nchw(n, 4, h, w), input);
                r.Launch = () => HintInputOps.Input(tsq, tc, tin, 110f, 0.5f);
                r.Check("input", tin, HintInputReference.Input(input, squares, colours, n, h, w, 110f, 0.5f));
            });
        }
    }
}
