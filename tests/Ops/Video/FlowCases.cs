using ColorKernels.Engine.Video;

namespace ColorKernels.Tests.Ops;

/// <summary>The op table's optical-flow cases (Video family; see <see cref="OpCases"/>).</summary>
internal static partial class OpCases
{
    private static readonly (int H, int W)[] FlowShapes = { (1, 1), (31, 33), (32, 32), (33, 31), (17, 5) };

    /// <summary>The window half sides the flow runs at: FlowSettings.Radius (5 x 5) and GrainRadius (9 x 9, a grainy film's).</summary>
    private static readonly int[] FlowRadii = { new FlowSettings().Radius, new FlowSettings().GrainRadius };

    /// <summary>A random greyscale level in [0, range): per-pixel noise, so that every index and neighbour matters.</summary>
    private static float[] RandomPlane(int count, int seed, float range = 100f)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)random.NextDouble() * range).ToArray();
    }

    /// <summary>A random flow [2, H, W] of up to +-3 pixels: some points leave small pictures.</summary>
    private static float[] RandomFlow(int pixels, int seed) => RandomPlane(2 * pixels, seed, 6f).Select(v => v - 3f).ToArray();

    /// <summary>A smooth level [h, w] in [10, 90]: two crossed waves, read at (x - dx, y - dy) (the picture moved by (dx, dy)).</summary>
    private static float[] SmoothPlane(int w, int h, float dx, float dy) =>
        Enumerable.Range(0, w * h).Select(p =>
        {
            double x = p % w - dx, y = p / w - dy;
            return (float)(50 + 25 * Math.Sin(x * 0.45 + 0.3) * Math.Cos(y * 0.35) + 15 * Math.Sin((x + y) * 0.21));
        }).ToArray();

    private static IEnumerable<OpCase> Flow()
    {
        foreach (var (h, w) in FlowShapes)
        {
            int n = h * w, oh = Math.Max(1, h / 2), ow = Math.Max(1, w / 2);
            yield return new OpCase("Flow.Halve", $"{h}x{w}", new Tolerance(1e-5, 1e-6, "four float adds of values below 100, times 0.25"), r =>
            {
                float[] lab = RandomLab(1, n, 10 + n);
                var source = r.In("lab", Shape.Nchw(1, 3, h, w), lab);
                var half = r.Out("half", Shape.Nchw(1, 1, oh, ow));
                r.Launch = () => FlowOps.Halve(source, 0, half);
                r.Check("half", half, FlowReference.Halve(lab[..n], w, h));
            });
            // Radius 2 (5 x 5 windows) and FlowSettings.GrainRadius's 4 (9 x 9, a grainy film's).
            foreach (int radius in FlowRadii)
                yield return new OpCase("Flow.StructureTensor", $"{h}x{w} r={radius}", new Tolerance(1e-3, 1e-5,
                    $"float sums of {(2 * radius + 1) * (2 * radius + 1)} gradient products up to 1e4 (values below 100)"), r =>
                {
                    float[] plane = RandomPlane(n, 20 + n);
                    var first = r.In("first", Shape.Nchw(1, 1, h, w), plane);
                    var tensor = r.Out("tensor", Shape.Nchw(1, 3, h, w));
                    r.Launch = () => FlowOps.StructureTensor(first, tensor, radius);
                    r.Check("tensor", tensor, FlowReference.StructureTensor(plane, w, h, radius));
                });
            yield return new OpCase("Flow.Residual", $"{h}x{w}", new Tolerance(5e-2, 1e-4,
                "a bilinear sample at a float coordinate (within 4e-6 of a pixel) of noise with slopes up to 100, times a gradient up to 100"), r =>
            {
                float[] a = RandomPlane(n, 30 + n), b = RandomPlane(n, 31 + n), f = RandomFlow(n, 32 + n);
                var first = r.In("first", Shape.Nchw(1, 1, h, w), a);
                var second = r.In("second", Shape.Nchw(1, 1, h, w), b);
                var flow = r.In("flow", Shape.Nchw(1, 2, h, w), f);
                var products = r.Out("products", Shape.Nchw(1, 2, h, w));
                r.Launch = () => FlowOps.Residual(first, second, flow, products);
                r.Check("products", products, FlowReference.Residual(a, b, f, w, h));
            });
            foreach (int radius in FlowRadii)
                yield return new OpCase("Flow.Update", $"{h}x{w} r={radius}", new Tolerance(1e-4, 1e-4,
                    "a 2 x 2 solve in float: the damping (10) bounds the condition number by about 500 for levels below 10"), r =>
                {
                    // A real structure tensor (positive semi-definite) of a level in [0, 10), products of that size.
                    float[] level = RandomPlane(n, 40 + n, 10f);
                    float[] g = FlowReference.StructureTensor(level, w, h, radius).Select(v => (float)v).ToArray();
                    float[] p = RandomPlane(2 * n, 41 + n, 200f).Select(v => v - 100f).ToArray(), f = RandomFlow(n, 42 + n);
                    var tensor = r.In("tensor", Shape.Nchw(1, 3, h, w), g);
                    var products = r.In("products", Shape.Nchw(1, 2, h, w), p);
                    var flow = r.In("flow", Shape.Nchw(1, 2, h, w), f);
                    r.Launch = () => FlowOps.Update(tensor, products, flow, radius, 10f);
                    r.Check("flow", flow, FlowReference.Update(g, p, f, w, h, radius, 10));
                });
            yield return new OpCase("Flow.MedianFlow", $"{h}x{w}", Tolerance.Exact("a median is one of its inputs"), r =>
            {
                float[] f = RandomFlow(n, 45 + n);
                var flow = r.In("flow", Shape.Nchw(1, 2, h, w), f);
                var smoothed = r.Out("smoothed", Shape.Nchw(1, 2, h, w));
                r.Launch = () => FlowOps.MedianFlow(flow, smoothed);
                r.Check("smoothed", smoothed, FlowReference.MedianFlow(f, w, h));
            });
            yield return new OpCase("Flow.UpsampleFlow", $"{oh}x{ow}->{h}x{w}", new Tolerance(1e-4, 1e-5, "a float bilinear sample of values up to 3, scaled by about 2"), r =>
            {
                float[] f = RandomFlow(oh * ow, 50 + n);
                var coarse = r.In("coarse", Shape.Nchw(1, 2, oh, ow), f);
                var fine = r.Out("fine", Shape.Nchw(1, 2, h, w));
                r.Launch = () => FlowOps.UpsampleFlow(coarse, fine);
                r.Check("fine", fine, FlowReference.UpsampleFlow(f, ow, oh, w, h));
            });
            yield return new OpCase("Flow.Warp", $"3x{h}x{w}", new Tolerance(1e-3, 1e-5, "a bilinear sample at a float coordinate (within 4e-6 of a pixel) of values up to 128 with slopes up to 256"), r =>
            {
                float[] lab = RandomLab(1, n, 60 + n), f = RandomFlow(n, 61 + n);
                var source = r.In("lab", Shape.Nchw(1, 3, h, w), lab);
                var flow = r.In("flow", Shape.Nchw(1, 2, h, w), f);
                var warped = r.Out("warped", Shape.Nchw(1, 4, h, w));
                r.Launch = () => FlowOps.Warp(source, flow, warped);
                r.Check("warped", warped, FlowReference.Warp(lab, f, w, h, 3));
            });
            foreach (var (reset, margin) in new[] { (false, 0f), (true, 0f), (false, 1.5f) })
            {
                if (reset && n != 32 * 32)
                    continue;
                int fh = Math.Max(1, h / 4), fw = Math.Max(1, w / 4);
                yield return new OpCase("Flow.StabilizeAlongFlow", $"{h}x{w} flow {fh}x{fw} reset={reset}" + (margin > 0 ? $" still margin {margin}" : ""), new Tolerance(1e-2, 1e-5,
                    "the keep weight's slope (0.08 per L unit) times ab differences up to 256 amplifies the float error of the warped L sample (about 4e-4)"), r =>
                {
                    float[] lab = RandomLab(1, n, 70 + n), previous = RandomLab(1, n, 71 + n), f = RandomFlow(fh * fw, 72 + n);
                    // The comparison L: the frame's L moved a little (what the window average does), so that a kernel
                    // comparing the frame's own L instead would fail, and its L plane must stay the frame's.
                    float[] comparison = Enumerable.Range(0, n).Select(p => lab[p] + (p % 3 == 0 ? 1.5f : -0.5f)).ToArray();
                    // Half the pixels see a previous L close to their own once read at the gain and offset (1.1 L' - 4:
                    // a warp of a still scene under flicker keeps them); of those, half within the tolerance (2.5 L units:
                    // kept at full strength), half 3.3 off (kept less).
                    for (int p = 0; p < n; p += 2)
                        previous[p] = (comparison[p] + 4f) / 1.1f + (p % 4 == 0 ? 0f : 3f);
                    var tl = r.In("lab", Shape.Nchw(1, 3, h, w), lab);
                    var tc = r.In("comparison", Shape.Nchw(1, 1, h, w), comparison);
                    var tp = r.In("previous", Shape.Nchw(1, 3, h, w), previous);
                    var next = r.Out("next", Shape.Nchw(1, 3, h, w));
                    var flow = r.In("flow", Shape.Nchw(1, 2, fh, fw), f);
                    r.Launch = () => FlowOps.StabilizeAlongFlow(tl, tc, tp, next, flow, 0.8f, 10f, reset, 1.1f, -4f, 2.5f, margin);
                    var (frame, after) = FlowReference.StabilizeAlongFlow(lab, comparison, previous, f, w, h, fw, fh, 0.8, 10, reset, 1.1, -4, 2.5, margin);
                    r.Check("lab", tl, frame);
                    r.Check("next", next, after);
                });
            }
        }
        // A whole pyramid level, both ways (a launch per step; one launch of one thread), on a smooth picture moved by a
        // known sub-pixel shift (noise would make the 2 x 2 solves ill-conditioned and the medians pick among near ties),
        // from a coarser flow and from zero (the top level).
        foreach (var (h, w) in new[] { (1, 1), (31, 33), (32, 32), (17, 5) })
            foreach (bool top in new[] { false, true })
                foreach (FlowSolve solve in new[] { FlowSolve.LaunchPerStep, FlowSolve.OneLaunch })
                foreach (int radius in FlowRadii)
                {
                    if (top && w != 32)
                        continue;
                    int n = h * w, ch = Math.Max(1, h / 2), cw = Math.Max(1, w / 2);
                    yield return new OpCase("Flow.Level", $"{h}x{w}{(top ? " top" : $" from {ch}x{cw}")} {solve} r={radius}", new Tolerance(2e-3, 1e-4,
                        "three damped 2 x 2 solves of float32 window sums (up to 2e5 at 5 x 5, 6.5e5 at 9 x 9) against double, each step's input rounded to float32 in both; a median passes its input on"), r =>
                    {
                        float[] first = SmoothPlane(w, h, 0f, 0f), second = SmoothPlane(w, h, 0.7f, -0.4f);
                        float[]? coarse = top ? null : RandomPlane(2 * cw * ch, 80 + n, 1f).Select(v => v - 0.5f).ToArray();
                        var tf = r.In("first", Shape.Nchw(1, 1, h, w), first);
                        var ts = r.In("second", Shape.Nchw(1, 1, h, w), second);
                        var tc = coarse is null ? null : r.In("coarse", Shape.Nchw(1, 2, ch, cw), coarse);
                        var tensor = r.Out("tensor", Shape.Nchw(1, 3, h, w));
                        var products = r.Out("products", Shape.Nchw(1, 2, h, w));
                        var flow = r.Out("flow", Shape.Nchw(1, 2, h, w));
                        var smoothed = r.Out("smoothed", Shape.Nchw(1, 2, h, w));
                        Tensor<float>? solved = null;
                        r.Launch = () => solved = FlowOps.Level(tf, ts, tc, tensor, products, flow, smoothed, radius, 1f, 3, solve);
                        double[] expected = FlowReference.Level(first, second, coarse, cw, ch, w, h, radius, 1, 3);
                        r.Check("level's flow", () => solved!, expected);
                    });
                }
        // Tone (old film's comparison L): a window mean times a gain plus an offset, on boundary shapes, and in
        // place at radius 0 (the flow's pyramid level is toned where it lies).
        foreach (var (h, w) in new[] { (1, 1), (1, 7), (31, 33), (32, 32), (33, 31), (5, 9) })
            foreach (int radius in new[] { 0, 1, 2 })
            {
                int n = h * w, seed = 90 + n + radius;
                yield return new OpCase("Flow.Tone", $"{h}x{w} radius {radius}" + (radius == 0 ? " in place" : ""), new Tolerance(1e-4, 1e-5,
                    "a mean of up to 25 float32 L values in [0, 100] times a gain near 1: float32 sums against double"), r =>
                {
                    float[] lab = RandomLab(1, n, seed);
                    var tl = r.In("lab", Shape.Nchw(1, 3, h, w), lab);
                    double[] expected = FlowReference.Tone(lab, w, h, radius, 1.15, -4.5);
                    if (radius == 0)
                    {
                        var plane = r.In("plane", Shape.Nchw(1, 1, h, w), lab.Take(n).ToArray());
                        r.Launch = () => FlowOps.Tone(plane, plane, 0, 1.15f, -4.5f);
                        r.Check("plane", plane, expected);
                    }
                    else
                    {
                        var result = r.Out("tone", Shape.Nchw(1, 1, h, w));
                        r.Launch = () => FlowOps.Tone(tl, result, radius, 1.15f, -4.5f);
                        r.Check("tone", result, expected);
                    }
                });
            }
    }
}
