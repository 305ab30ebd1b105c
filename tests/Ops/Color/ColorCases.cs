namespace ColorKernels.Tests.Ops;

/// <summary>The op table's Color cases (see <see cref="OpCases"/>).</summary>
internal static partial class OpCases
{
    // ---- Color: sRGB <-> CIELAB ----

    private static readonly Tolerance LabTolerance = new(0.01, 0, "L, a, b within 0.01 (the foundation issue's bound); measured ~1e-4: float32 pow and cube root, approximate exp2/log2 on GPUs");

    private static IEnumerable<OpCase> Color() => ColorCases().Select(c => c.Case with { PerfOnly = c.PerfOnly });

    private static IEnumerable<(OpCase Case, bool PerfOnly)> ColorCases()
    {
        // The boundary shapes, a 1-pixel-high and a 64-high strip, then a megapixel only perf times.
        var shapes = Nchw.Concat(new[] { (2, 3, 1, 33), (1, 3, 64, 7) }).Select(s => (s, false)).Append(((1, 3, 1024, 1024), true));
        foreach (var ((n, _, h, w), perf) in shapes)
        {
            int pixels = h * w, seed = n * 1000 + h * 10 + w;
            string shape = Dims(n, h, w);
            yield return (new OpCase("Lab.SrgbBytesToLab", shape, LabTolerance, r =>
            {
                byte[] rgb = TestData.Bytes(n * pixels * 3, seed);
                var input = r.In("rgb", new Shape(n, h, w, 3), rgb);
                var lab = r.Out("lab", Shape.Nchw(n, 3, h, w));
                r.Launch = () => LabOps.SrgbBytesToLab(input, lab);
                r.Check("lab", lab, LabReference.SrgbBytesToLab(rgb, n, pixels));
            }), perf);
            // Greys take their own path (ColorMath.SrgbToLab: one cube root, a = b = 0): two pixels in three grey, the
            // rest coloured, every grey level among them on the larger shapes.
            yield return (new OpCase("Lab.SrgbBytesToLab", shape + ", greys", LabTolerance, r =>
            {
                byte[] rgb = TestData.Bytes(n * pixels * 3, seed + 1);
                for (int p = 0; p < n * pixels; p++)
                    if (p % 3 != 2)
                        rgb[3 * p + 1] = rgb[3 * p + 2] = rgb[3 * p] = (byte)(p % 3 == 0 ? p % 256 : rgb[3 * p]);
                var input = r.In("rgb", new Shape(n, h, w, 3), rgb);
                var lab = r.Out("lab", Shape.Nchw(n, 3, h, w));
                r.Launch = () => LabOps.SrgbBytesToLab(input, lab);
                r.Check("lab", lab, LabReference.SrgbBytesToLab(rgb, n, pixels));
            }), perf);
            yield return (new OpCase("Lab.SrgbToLab", shape, LabTolerance, r =>
            {
                float[] srgb = U(n * 3 * pixels, 0.001f, 1f, seed);
                var input = r.In("srgb", Shape.Nchw(n, 3, h, w), srgb);
                var lab = r.Out("lab", input.Shape);
                r.Launch = () => LabOps.SrgbToLab(input, lab);
                r.Check("lab", lab, LabReference.SrgbToLab(srgb, n, pixels));
            }), perf);
            yield return (new OpCase("Lab.LabToSrgb", shape, new Tolerance(1e-4, 0, "sRGB in [0, 1] within a fifth of an 8-bit step's rounding margin (0.5/255), far above float32 error through the companding pow"), r =>
            {
                float[] lab = RandomLab(n, pixels, seed);
                var input = r.In("lab", Shape.Nchw(n, 3, h, w), lab);
                var srgb = r.Out("srgb", input.Shape);
                r.Launch = () => LabOps.LabToSrgb(input, srgb);
                r.Check("srgb", srgb, LabReference.LabToSrgb(lab, n, pixels));
                // Random Lab is mostly out of gamut: the result must lie inside the sRGB cube exactly, not just within
                // the tolerance of the (clamped) reference. 1 marks a value outside [0, 1].
                r.Checks.Add(("srgb outside [0, 1]", () => srgb.Download().Select(v => v is >= 0f and <= 1f ? 0f : 1f).ToArray(), new double[n * 3 * pixels]));
            }), perf);
            yield return (new OpCase("Lab.LabToSrgbBytes", shape, new Tolerance(1, 0, "one 8-bit step: float32 and double round differently within 1e-5 of a .5 boundary"), r =>
            {
                float[] lab = RandomLab(n, pixels, seed);
                var input = r.In("lab", Shape.Nchw(n, 3, h, w), lab);
                var rgb = r.In("rgb", new Shape(n, h, w, 3), TestData.Filled(n * pixels * 3, (byte)0x5A));
                r.Launch = () => LabOps.LabToSrgbBytes(input, rgb);
                r.Checks.Add(("rgb", () => rgb.Download().Select(v => (float)v).ToArray(), LabReference.LabToSrgbBytes(lab, n, pixels).Select(v => (double)v).ToArray()));
            }), perf);
            yield return (new OpCase("Lab.ClearChroma", shape, Tolerance.Exact("a copy of L and two zeros"), r =>
            {
                float[] lab = RandomLab(n, pixels, seed);
                var t = r.In("lab", Shape.Nchw(n, 3, h, w), lab);
                r.Launch = () => LabOps.ClearChroma(t);
                r.Check("lab", t, lab.Select((v, i) => i / pixels % 3 == 0 ? v : 0.0).ToArray());
            }), perf);
        }
    }

    private static float[] RandomLab(int n, int pixels, int seed)
    {
        var random = new Random(seed);
        var lab = new float[n * 3 * pixels];
        for (int i = 0; i < lab.Length; i++)
            lab[i] = i / pixels % 3 == 0 ? (float)(random.NextDouble() * 100) : (float)(random.NextDouble() * 256 - 128);
        return lab;
    }
}
