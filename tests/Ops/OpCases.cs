using ColorKernels.Engine.Models;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Activation;
using ColorKernels.Kernels.BatchNorm;
using ColorKernels.Kernels.Buffers;
using ColorKernels.Kernels.Color;
using ColorKernels.Kernels.Convolution;
using ColorKernels.Kernels.Loss;
using ColorKernels.Kernels.Metrics;
using ColorKernels.Kernels.Optimizer;
using ColorKernels.Kernels.Patches;
using ColorKernels.Kernels.Resample;
using ColorKernels.Kernels.Softmax;
using ColorKernels.Kernels.Som;
using ColorKernels.Kernels.Video;
using ColorKernels.Tests.Support;

namespace ColorKernels.Tests.Ops;

/// <summary>
/// The table of op cases: every op of Engine/Ops on boundary shapes (1, 31, 32, 33, odd, non-square),
/// each against its double-precision reference in Kernels/&lt;Family&gt;/*Reference.cs with a stated
/// tolerance, backward ops also against finite differences. Adding an op means adding its cases here;
/// OpCaseTests fails when a kernel is launched by no case.
/// </summary>
internal static class OpCases
{
    // Lazy: the table reads the shape lists and tolerances below, which static initialisation sets after this field.
    private static readonly Lazy<OpCase[]> Table = new(() => Color().Concat(Convolution()).Concat(Gemm()).Concat(BatchNorm())
        .Concat(Activation()).Concat(Softmax()).Concat(Resample()).Concat(Loss()).Concat(Optimizer()).Concat(Buffers())
        .Concat(Metrics()).Concat(Som()).Concat(Patches()).Concat(Video()).ToArray());

    public static IReadOnlyList<OpCase> All => Table.Value;

    public static OpCase Get(string id) => All.Single(c => c.Id == id);

    // (N, C, H, W): 1, 31, 32, 33, odd and non-square.
    private static readonly (int N, int C, int H, int W)[] Nchw = TestData.Nchw;

    /// <summary>The boundary shapes for tests, then one shape of a realistic size that only perf times.</summary>
    private static IEnumerable<((int N, int C, int H, int W) Shape, bool PerfOnly)> WithPerf((int N, int C, int H, int W) large) =>
        Nchw.Select(s => (s, false)).Append((large, true));

    private static string Dims(params int[] d) => string.Join("x", d);

    private static float[] U(int count, float low, float high, int seed) => TestData.Uniform(count, low, high, seed);

    private static double[] D(IEnumerable<float> v) => v.Select(x => (double)x).ToArray();

    private static float[] F(IEnumerable<double> v) => v.Select(x => (float)x).ToArray();

    // ---- Color: sRGB <-> CIELAB ----

    private static readonly Tolerance LabTolerance = new(0.01, 0, "L, a, b within 0.01 (the foundation issue's bound); measured ~1e-4: float32 pow and cube root, approximate exp2/log2 on GPUs");

    private static IEnumerable<OpCase> Color() => ColorCases().Select(c => c.Case with { PerfOnly = c.PerfOnly });

    private static IEnumerable<(OpCase Case, bool PerfOnly)> ColorCases()
    {
        foreach (var ((n, _, h, w), perf) in WithPerf((1, 3, 1024, 1024)))
        {
            int pixels = h * w, seed = n * 1000 + h * 10 + w;
            string shape = Dims(n, h, w);
            yield return (new OpCase("Lab.SrgbBytesToLab", shape, LabTolerance, 0, 15.0 * n * pixels, r =>
            {
                byte[] rgb = TestData.Bytes(n * pixels * 3, seed);
                var input = r.In("rgb", new Shape(n, h, w, 3), rgb);
                var lab = r.Out("lab", Shape.Nchw(n, 3, h, w));
                r.Launch = () => LabOps.SrgbBytesToLab(input, lab);
                r.Check("lab", lab, LabReference.SrgbBytesToLab(rgb, n, pixels));
            }), perf);
            yield return (new OpCase("Lab.SrgbToLab", shape, LabTolerance, 0, 24.0 * n * pixels, r =>
            {
                float[] srgb = U(n * 3 * pixels, 0.001f, 1f, seed);
                var input = r.In("srgb", Shape.Nchw(n, 3, h, w), srgb);
                var lab = r.Out("lab", input.Shape);
                r.Launch = () => LabOps.SrgbToLab(input, lab);
                r.Check("lab", lab, LabReference.SrgbToLab(srgb, n, pixels));
            }), perf);
            yield return (new OpCase("Lab.LabToSrgb", shape, new Tolerance(1e-4, 0, "sRGB in [0, 1] within a fifth of an 8-bit step's rounding margin (0.5/255), far above float32 error through the companding pow"), 0, 24.0 * n * pixels, r =>
            {
                float[] lab = RandomLab(n, pixels, seed);
                var input = r.In("lab", Shape.Nchw(n, 3, h, w), lab);
                var srgb = r.Out("srgb", input.Shape);
                r.Launch = () => LabOps.LabToSrgb(input, srgb);
                r.Check("srgb", srgb, LabReference.LabToSrgb(lab, n, pixels));
            }), perf);
            yield return (new OpCase("Lab.LabToSrgbBytes", shape, new Tolerance(1, 0, "one 8-bit step: float32 and double round differently within 1e-5 of a .5 boundary"), 0, 15.0 * n * pixels, r =>
            {
                float[] lab = RandomLab(n, pixels, seed);
                var input = r.In("lab", Shape.Nchw(n, 3, h, w), lab);
                var rgb = r.In("rgb", new Shape(n, h, w, 3), TestData.Filled(n * pixels * 3, (byte)0x5A));
                r.Launch = () => LabOps.LabToSrgbBytes(input, rgb);
                r.Checks.Add(("rgb", () => rgb.Download().Select(v => (float)v).ToArray(), LabReference.LabToSrgbBytes(lab, n, pixels).Select(v => (double)v).ToArray()));
            }), perf);
            yield return (new OpCase("Lab.ClearChroma", shape, Tolerance.Exact("a copy of L and two zeros"), 0, 8.0 * n * pixels, r =>
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

    // ---- Convolution: forward, transposed, backward (every backend) ----

    private static readonly Tolerance ConvTolerance = new(1e-4, 1e-4, "inputs and weights in [-1, 1], float32 sums of at most a few hundred products (~1e-5); a wrong index is off by O(1)");

    // (N, InC, H, W, OutC, K, stride, pad, dilation): 1x1 kernels, 1-pixel images, strided, dilated, odd and non-square.
    // The last is one tile of the tiled weight gradient with K = 330 pixels, split 4 ways (an uneven last split).
    private static readonly (int N, int C, int H, int W, int O, int K, int S, int P, int D)[] ConvShapes =
    {
        (1, 1, 1, 1, 1, 3, 1, 1, 1), (1, 3, 31, 31, 4, 3, 1, 1, 1), (2, 2, 32, 32, 3, 3, 2, 1, 1), (1, 3, 33, 33, 2, 3, 1, 2, 2),
        (1, 5, 17, 5, 3, 3, 2, 1, 1), (2, 4, 7, 9, 6, 1, 1, 0, 1), (2, 4, 15, 11, 3, 1, 1, 0, 1),
    };

    // (N, InC, H, W, OutC, K, stride, pad)
    private static readonly (int N, int C, int H, int W, int O, int K, int S, int P)[] TransposedShapes =
    {
        (1, 1, 1, 1, 1, 4, 2, 1), (2, 2, 1, 1, 3, 4, 2, 1), (1, 2, 16, 16, 3, 4, 2, 1), (1, 2, 17, 8, 2, 4, 2, 1), (1, 3, 7, 9, 2, 3, 1, 1),
    };

    private static IEnumerable<OpCase> Convolution()
    {
        for (int i = 0; i < ConvShapes.Length; i++)
        {
            var c = ConvShapes[i];
            int oh = Conv2dArgs.ForwardOutputSize(c.H, c.K, c.S, c.P, c.D), ow = Conv2dArgs.ForwardOutputSize(c.W, c.K, c.S, c.P, c.D);
            var epilogue = (ConvEpilogue)(i % 3);
            var g = new Conv2dArgs(c.N, c.C, c.H, c.W, c.O, oh, ow, c.K, c.S, c.P, c.D, true, epilogue, 1);
            string shape = $"{Dims(c.N, c.C, c.H, c.W)} -> {c.O} k{c.K} s{c.S} p{c.P} d{c.D}";
            double macs = (double)c.N * c.O * oh * ow * c.C * c.K * c.K, bytes = 4.0 * (c.N * c.C * c.H * c.W + c.O * c.C * c.K * c.K + c.N * c.O * oh * ow);
            int seed = 10 * i;
            yield return new OpCase("Conv2d.Forward", $"{shape} {epilogue}", ConvTolerance, 2 * macs, bytes, r =>
                ConvForward(r, g, Shape.Nchw(c.O, c.C, c.K, c.K), seed,
                    (x, w, b, y, scale, shift) => Conv2dOps.Forward(x, w, b, y, c.S, c.P, c.D, epilogue, scale, shift), Conv2dReference.Forward));
            yield return new OpCase("Conv2d.Backward", shape, ConvTolerance, 4 * macs, 2 * bytes, r =>
            {
                var plain = new Conv2dArgs(c.N, c.C, c.H, c.W, c.O, oh, ow, c.K, c.S, c.P, c.D, true, ConvEpilogue.None, 1);
                float[] x = U(c.N * c.C * c.H * c.W, -1, 1, seed + 1), w = U(c.O * c.C * c.K * c.K, -1, 1, seed + 2);
                float[] b = U(c.O, -1, 1, seed + 3), dy = U(c.N * c.O * oh * ow, -1, 1, seed + 4);
                ConvBackward(r, x, w, b, dy, Shape.Nchw(c.N, c.C, c.H, c.W), Shape.Nchw(c.O, c.C, c.K, c.K), Shape.Nchw(c.N, c.O, oh, ow),
                    (tx, tw, tdy, dx, dw, db) => Conv2dOps.Backward(tx, tw, tdy, dx, dw, db, c.S, c.P, c.D),
                    (xx, ww, bb) => Conv2dReference.Forward(xx, ww, bb, null, null, plain),
                    Conv2dReference.BackwardData(dy, w, plain, false), Conv2dReference.BackwardWeight(x, dy, plain, false), seed);
            });
        }
        foreach (var (c, k) in new[] { ((1, 64, 64, 64, 64), 3), ((1, 256, 32, 32, 256), 3), ((1, 128, 64, 64, 313), 1) })
        {
            var (n, ci, h, w, o) = c;
            var g = new Conv2dArgs(n, ci, h, w, o, h, w, k, 1, k / 2, 1, true, ConvEpilogue.Relu, 1);
            double macs = (double)n * o * h * w * ci * k * k;
            yield return new OpCase("Conv2d.Forward", $"{Dims(n, ci, h, w)} -> {o} k{k} s1 p{k / 2} d1 Relu", ConvTolerance with { Atol = 1e-3, Why = "sums of up to 2,304 products of values in [-1, 1] (float32 error ~1e-4)" },
                2 * macs, 4.0 * (n * ci * h * w + o * ci * k * k + n * o * h * w), r =>
            {
                float[] x = U(n * ci * h * w, -1, 1, 1), wt = U(o * ci * k * k, -1, 1, 2), b = U(o, -1, 1, 3);
                var tx = r.In("x", Shape.Nchw(n, ci, h, w), x);
                var tw = r.In("w", Shape.Nchw(o, ci, k, k), wt);
                var tb = r.In("b", new Shape(o), b);
                var y = r.Out("y", Shape.Nchw(n, o, h, w));
                r.Launch = () => Conv2dOps.Forward(tx, tw, tb, y, 1, k / 2, 1, ConvEpilogue.Relu);
                r.Check("y", y, Conv2dReference.Forward(x, wt, b, null, null, g));
            }) { PerfOnly = true };
        }
        for (int i = 0; i < TransposedShapes.Length; i++)
        {
            var c = TransposedShapes[i];
            int oh = Conv2dArgs.TransposedOutputSize(c.H, c.K, c.S, c.P), ow = Conv2dArgs.TransposedOutputSize(c.W, c.K, c.S, c.P);
            var epilogue = (ConvEpilogue)(i % 3);
            var g = new Conv2dArgs(c.N, c.C, c.H, c.W, c.O, oh, ow, c.K, c.S, c.P, 1, true, epilogue, 1);
            string shape = $"{Dims(c.N, c.C, c.H, c.W)} -> {c.O} k{c.K} s{c.S} p{c.P}";
            double macs = (double)c.N * c.C * c.H * c.W * c.O * c.K * c.K, bytes = 4.0 * (c.N * c.C * c.H * c.W + c.O * c.C * c.K * c.K + c.N * c.O * oh * ow);
            int seed = 100 + 10 * i;
            yield return new OpCase("Conv2d.TransposedForward", $"{shape} {epilogue}", ConvTolerance, 2 * macs, bytes, r =>
                ConvForward(r, g, Shape.Nchw(c.C, c.O, c.K, c.K), seed,
                    (x, w, b, y, scale, shift) => Conv2dOps.TransposedForward(x, w, b, y, c.S, c.P, epilogue, scale, shift), Conv2dReference.TransposedForward));
            yield return new OpCase("Conv2d.TransposedBackward", shape, ConvTolerance, 4 * macs, 2 * bytes, r =>
            {
                var plain = new Conv2dArgs(c.N, c.C, c.H, c.W, c.O, oh, ow, c.K, c.S, c.P, 1, true, ConvEpilogue.None, 1);
                float[] x = U(c.N * c.C * c.H * c.W, -1, 1, seed + 1), w = U(c.C * c.O * c.K * c.K, -1, 1, seed + 2);
                float[] b = U(c.O, -1, 1, seed + 3), dy = U(c.N * c.O * oh * ow, -1, 1, seed + 4);
                ConvBackward(r, x, w, b, dy, Shape.Nchw(c.N, c.C, c.H, c.W), Shape.Nchw(c.C, c.O, c.K, c.K), Shape.Nchw(c.N, c.O, oh, ow),
                    (tx, tw, tdy, dx, dw, db) => Conv2dOps.TransposedBackward(tx, tw, tdy, dx, dw, db, c.S, c.P),
                    (xx, ww, bb) => Conv2dReference.TransposedForward(xx, ww, bb, null, null, plain),
                    Conv2dReference.BackwardData(dy, w, plain, true), Conv2dReference.BackwardWeight(x, dy, plain, true), seed);
            });
        }
        foreach (var (n, c, h, w) in Nchw)
            yield return new OpCase("Conv2d.BiasBackward", Dims(n, c, h, w), new Tolerance(1e-4, 1e-5, "float32 sums of up to 2,048 values in [-1, 1] onto 1"), n * c * h * w, 4.0 * n * c * h * w, r =>
            {
                float[] dy = U(n * c * h * w, -1, 1, h + w);
                var tdy = r.In("dy", Shape.Nchw(n, c, h, w), dy);
                var db = r.In("db", new Shape(c), TestData.Filled(c, 1f));
                r.Launch = () => Conv2dOps.BiasBackward(tdy, db);
                r.Check("db", db, Enumerable.Range(0, c).Select(ch => 1 + Enumerable.Range(0, n).Sum(b => dy.Skip((b * c + ch) * h * w).Take(h * w).Sum(v => (double)v))).ToArray());
                // L = sum(dy * bias broadcast over N, H, W): linear, so differences are exact to rounding.
                r.Gradients.Add(new GradientCheck("db", v => dy.Select((g, i) => g * v[i / (h * w) % c]).Sum(), TestData.Filled(c, 0.5f),
                    () => db.Download().Select(v => v - 1f).ToArray(), Enumerable.Range(0, c).ToArray(), 0.25, 1e-4, 1e-5));
            });
    }

    /// <summary>
    /// A (transposed) convolution's forward case for geometry <paramref name="g"/> (its epilogue and bias
    /// included): inputs, weights, bias, scale and shift in [-1, 1] (scale in [0.5, 2]), the output poisoned,
    /// scale and shift passed only to the ReLU-then-affine epilogue.
    /// </summary>
    private static void ConvForward(OpRun r, Conv2dArgs g, Shape weightShape, int seed,
        Action<Tensor<float>, Tensor<float>, Tensor<float>, Tensor<float>, Tensor<float>?, Tensor<float>?> forward,
        Func<float[], float[], float[]?, float[]?, float[]?, Conv2dArgs, double[]> reference)
    {
        float[] x = U(g.N * g.InC * g.InH * g.InW, -1, 1, seed + 1), w = U(weightShape.Elements, -1, 1, seed + 2);
        float[] b = U(g.OutC, -1, 1, seed + 3), scale = U(g.OutC, 0.5f, 2, seed + 4), shift = U(g.OutC, -1, 1, seed + 5);
        var tx = r.In("x", Shape.Nchw(g.N, g.InC, g.InH, g.InW), x);
        var tw = r.In("w", weightShape, w);
        var tb = r.In("b", new Shape(g.OutC), b);
        var ts = r.In("scale", new Shape(g.OutC), scale);
        var th = r.In("shift", new Shape(g.OutC), shift);
        var y = r.Out("y", Shape.Nchw(g.N, g.OutC, g.OutH, g.OutW));
        bool affine = g.Epilogue == (int)ConvEpilogue.ReluAffine;
        r.Launch = () => forward(tx, tw, tb, y, affine ? ts : null, affine ? th : null);
        r.Check("y", y, reference(x, w, b, affine ? scale : null, affine ? shift : null, g));
    }

    /// <summary>
    /// A (transposed) convolution's backward case: dx assigned (poisoned), dw and db accumulated onto 1, each
    /// against its reference; and finite differences of the linear loss sum(dy * forward(x, w, b)), which
    /// are exact up to double rounding, so they take the same tolerance.
    /// </summary>
    private static void ConvBackward(OpRun r, float[] x, float[] w, float[] b, float[] dy, Shape xs, Shape ws, Shape ys,
        Action<Tensor<float>, Tensor<float>, Tensor<float>, Tensor<float>, Tensor<float>, Tensor<float>> backward,
        Func<float[], float[], float[], double[]> forward, double[] expectedDx, double[] expectedDw, int seed)
    {
        var tx = r.In("x", xs, x);
        var tw = r.In("w", ws, w);
        var tdy = r.In("dy", ys, dy);
        var dx = r.Out("dx", xs);
        var dw = r.In("dw", ws, TestData.Filled(w.Length, 1f));
        var db = r.In("db", new Shape(ys[1]), TestData.Filled(ys[1], 1f));
        r.Launch = () => backward(tx, tw, tdy, dx, dw, db);
        int o = ys[1], plane = ys[2] * ys[3];
        double[] expectedDb = Enumerable.Range(0, o).Select(ch => 1 + Enumerable.Range(0, ys[0]).Sum(n => dy.Skip((n * o + ch) * plane).Take(plane).Sum(v => (double)v))).ToArray();
        r.Check("dx", dx, expectedDx);
        r.Check("dw", dw, expectedDw.Select(v => v + 1).ToArray());
        r.Check("db", db, expectedDb);
        double Loss(float[] xx, float[] ww, float[] bb) => forward(xx, ww, bb).Zip(dy, (y, g) => y * g).Sum();
        r.Gradients.Add(new GradientCheck("dx", v => Loss(F(v), w, b), x, dx.Download, TestData.Sample(x.Length, 24, seed + 5), 0.25, 1e-4, 1e-4));
        r.Gradients.Add(new GradientCheck("dw", v => Loss(x, F(v), b), w, () => dw.Download().Select(v => v - 1f).ToArray(), TestData.Sample(w.Length, 24, seed + 6), 0.25, 1e-4, 1e-4));
        r.Gradients.Add(new GradientCheck("db", v => Loss(x, w, F(v)), b, () => db.Download().Select(v => v - 1f).ToArray(), TestData.Sample(b.Length, 24, seed + 7), 0.25, 1e-4, 1e-4));
    }

    // ---- Gemm: the lowered convolutions' and the MLP's matrix multiply, and the transpose ----

    private static IEnumerable<OpCase> Gemm()
    {
        var shapes = new (int M, int N, int K)[] { (1, 1, 1), (4, 8, 5), (5, 9, 3), (31, 33, 17), (32, 32, 32), (8, 16, 70), (13, 64, 9) };
        for (int i = 0; i < shapes.Length; i++)
        {
            var (m, n, k) = shapes[i];
            bool accumulate = i % 2 == 1;
            var g = new GemmArgs(m, n, k, 3, 5, 7, accumulate, true, i % 3);
            yield return new OpCase("Gemm.Gemm", $"{m}x{n}x{k} acc={accumulate} epilogue={i % 3}",
                new Tolerance(1e-4, 1e-4, "float32 sums of up to 70 products of values in [-1, 1]"), 2.0 * m * n * k, 4.0 * (m * k + k * n + m * n), r =>
            {
                float[] a = U(3 + m * k, -1, 1, 1), b = U(5 + k * n, -1, 1, 2), c = U(7 + m * n, -1, 1, 3);
                float[] bias = U(m, -1, 1, 4), scale = U(m, 0.5f, 2, 5), shift = U(m, -1, 1, 6);
                var ta = r.In("a", new Shape(a.Length), a);
                var tb = r.In("b", new Shape(b.Length), b);
                var tc = r.In("c", new Shape(c.Length), c);
                var tbias = r.In("bias", new Shape(m), bias);
                var tscale = r.In("scale", new Shape(m), scale);
                var tshift = r.In("shift", new Shape(m), shift);
                r.Launch = () => GemmOps.Gemm(ta, tb, tc, g, tbias, tscale, tshift);
                r.Check("c", tc, GemmReference.Gemm(a, b, c, bias, scale, shift, g));
            });
        }
        foreach (var (rows, cols) in new[] { (1, 1), (31, 33), (32, 32), (5, 17) })
            yield return new OpCase("Gemm.Transpose", Dims(rows, cols), Tolerance.Exact("a copy"), 0, 8.0 * rows * cols, r =>
            {
                float[] source = U(rows * cols + 3, -1, 1, rows), destination = U(rows * cols + 2, -1, 1, cols);
                var ts = r.In("source", new Shape(source.Length), source);
                var td = r.In("destination", new Shape(destination.Length), destination);
                r.Launch = () => GemmOps.Transpose(ts, td, rows, cols);
                r.Check("destination", td, GemmReference.Transpose(source, destination, rows, cols));
            });
    }

    // ---- BatchNorm: inference, training forward, backward ----

    private static IEnumerable<OpCase> BatchNorm()
    {
        const float Eps = 1e-5f;
        foreach (var ((n, c, h, w), perf) in WithPerf((4, 64, 64, 64)))
        {
            int plane = h * w, e = n * c * plane, seed = n + c + h + w;
            string shape = Dims(n, c, h, w);
            bool affine = c % 2 == 1;
            yield return new OpCase("BatchNorm.Inference", $"{shape} affine={affine}", new Tolerance(1e-5, 1e-5, "one subtraction, sqrt, division and FMA in float32"), 4.0 * e, 8.0 * e, r =>
            {
                float[] x = U(e, -3, 3, seed), mean = U(c, -1, 1, 2), variance = U(c, 0.1f, 4f, 3), gamma = U(c, 0.5f, 2, 4), beta = U(c, -1, 1, 5);
                var tx = r.In("x", Shape.Nchw(n, c, h, w), x);
                var tm = r.In("mean", new Shape(c), mean);
                var tv = r.In("var", new Shape(c), variance);
                var tg = r.In("gamma", new Shape(c), gamma);
                var tb = r.In("beta", new Shape(c), beta);
                var y = r.Out("y", tx.Shape);
                r.Launch = () => BatchNormOps.Inference(tx, tm, tv, affine ? tg : null, affine ? tb : null, y, Eps);
                r.Check("y", y, BatchNormReference.BatchNorm(x, mean, variance, affine ? gamma : null, affine ? beta : null, n, c, plane, Eps));
            }) { PerfOnly = perf };
            if (n * plane < 2)
                continue;   // the unbiased running variance needs two values a channel
            yield return new OpCase("BatchNorm.TrainingForward", shape, new Tolerance(1e-4, 1e-4, "batch statistics: float32 two-pass sums over up to 2,048 values in [-2, 2]"), 8.0 * e, 12.0 * e, r =>
            {
                float[] x = U(e, -2, 2, seed), gamma = U(c, 0.5f, 1.5f, 6), beta = U(c, -0.5f, 0.5f, 7);
                float[] runningMean = U(c, -1, 1, 8), runningVar = U(c, 0.5f, 2, 9);
                var tx = r.In("x", Shape.Nchw(n, c, h, w), x);
                var tg = r.In("gamma", new Shape(c), gamma);
                var tb = r.In("beta", new Shape(c), beta);
                var rm = r.In("running_mean", new Shape(c), runningMean);
                var rv = r.In("running_var", new Shape(c), runningVar);
                var stats = r.Out("stats", new Shape(2 * c));
                var y = r.Out("y", tx.Shape);
                r.Launch = () => BatchNormOps.TrainingForward(tx, tg, tb, rm, rv, stats, y, Eps, 0.1f);
                double[] s = BatchNormReference.Statistics(D(x), n, c, plane);
                var (mean, variance) = BatchNormReference.RunningUpdate(runningMean, runningVar, s, n, plane, 0.1);
                r.Check("y", y, BatchNormReference.TrainingForward(D(x), D(gamma), D(beta), n, c, plane, Eps));
                r.Check("stats", stats, s);
                r.Check("running_mean", rm, mean);
                r.Check("running_var", rv, variance);
            }) { PerfOnly = perf };
            yield return new OpCase("BatchNorm.Backward", shape, new Tolerance(2e-3, 2e-3, "float32 sums over up to 2,048 values and the cancellation in M dy - sum dy - xhat sum(dy xhat); finite differences with h = 1e-3 add O(h^2)"), 10.0 * e, 20.0 * e, r =>
            {
                float[] x = U(e, -2, 2, seed), dy = U(e, -1, 1, seed + 1), gamma = U(c, 0.5f, 1.5f, 6), beta = U(c, -0.5f, 0.5f, 7);
                double[] s = BatchNormReference.Statistics(D(x), n, c, plane);
                var tx = r.In("x", Shape.Nchw(n, c, h, w), x);
                var tdy = r.In("dy", tx.Shape, dy);
                var stats = r.In("stats", new Shape(2 * c), F(s));
                var tg = r.In("gamma", new Shape(c), gamma);
                var sums = r.Out("sums", new Shape(2 * c));
                var dx = r.Out("dx", tx.Shape);
                var dg = r.In("dgamma", new Shape(c), TestData.Filled(c, 1f));
                var db = r.In("dbeta", new Shape(c), TestData.Filled(c, 1f));
                r.Launch = () => BatchNormOps.Backward(tx, tdy, stats, tg, sums, dx, dg, db, Eps);
                var (ex, eg, eb) = BatchNormReference.Backward(x, dy, gamma, n, c, plane, Eps);
                r.Check("dx", dx, ex);
                r.Check("dgamma", dg, eg.Select(v => v + 1).ToArray());
                r.Check("dbeta", db, eb.Select(v => v + 1).ToArray());
                double Loss(double[] xs, double[] gs) => BatchNormReference.TrainingForward(xs, gs, D(beta), n, c, plane, Eps).Zip(dy, (v, g) => v * g).Sum();
                r.Gradients.Add(new GradientCheck("dx", v => Loss(v, D(gamma)), x, dx.Download, TestData.Sample(e, 24, seed + 2), 1e-3, 2e-3, 2e-3));
                r.Gradients.Add(new GradientCheck("dgamma", v => Loss(D(x), v), gamma, () => dg.Download().Select(v => v - 1f).ToArray(), TestData.Sample(c, 8, seed + 3), 1e-3, 2e-3, 2e-3));
            }) { PerfOnly = perf };
        }
    }

    // ---- Activation ----

    private static IEnumerable<OpCase> Activation()
    {
        foreach (var (n, c, h, w) in Nchw)
        {
            int e = n * c * h * w;
            string shape = Dims(n, c, h, w);
            yield return new OpCase("Activation.Relu", shape, Tolerance.Exact("max(x, 0) has no rounding"), e, 8.0 * e, r =>
            {
                float[] x = U(e, -1, 1, e);
                var tx = r.In("x", Shape.Nchw(n, c, h, w), x);
                var y = r.Out("y", tx.Shape);
                r.Launch = () => ActivationOps.Relu(tx, y);
                r.Check("y", y, ActivationReference.Relu(x));
            });
            yield return new OpCase("Activation.ReluBackward", shape, new Tolerance(1e-6, 1e-6, "a copy or a zero; finite differences with h = 0.01 on inputs at least 0.05 from the kink are exact to double rounding"), e, 12.0 * e, r =>
            {
                float[] x = U(e, -1, 1, e + 1).Select(v => Math.Abs(v) < 0.05f ? v + 0.1f : v).ToArray(), dy = U(e, -1, 1, e + 2);
                float[] y = x.Select(v => Math.Max(v, 0f)).ToArray();
                var ty = r.In("y", Shape.Nchw(n, c, h, w), y);
                var tdy = r.In("dy", ty.Shape, dy);
                var dx = r.Out("dx", ty.Shape);
                r.Launch = () => ActivationOps.ReluBackward(ty, tdy, dx);
                r.Check("dx", dx, ActivationReference.ReluBackward(y, dy));
                r.Gradients.Add(new GradientCheck("dx", v => v.Select((xi, i) => Math.Max(xi, 0) * dy[i]).Sum(), x, dx.Download, TestData.Sample(e, 24, e), 0.01, 1e-6, 1e-6));
            });
        }
    }

    // ---- Softmax and the annealed mean ----

    private static IEnumerable<OpCase> Softmax()
    {
        float[] temperatures = { 1f, 0.38f, 2.5f };
        var shapes = new (int N, int C, int H, int W)[] { (1, 1, 1, 1), (1, 3, 31, 31), (2, 4, 32, 32), (1, 313, 7, 9), (3, 5, 17, 5) };
        for (int i = 0; i < shapes.Length; i++)
        {
            var (n, c, h, w) = shapes[i];
            float t = temperatures[i % 3];
            int e = n * c * h * w;
            yield return new OpCase("Softmax.Softmax", $"{Dims(n, c, h, w)} T={t}", new Tolerance(1e-6, 1e-4, "probabilities: float32 exp (approximate ex2 on GPUs) and sums of up to 313 terms"), 4.0 * e, 8.0 * e, r =>
            {
                float[] z = U(e, -8, 8, e);
                var tz = r.In("logits", Shape.Nchw(n, c, h, w), z);
                var p = r.Out("p", tz.Shape);
                r.Launch = () => SoftmaxOps.Softmax(tz, p, t);
                r.Check("p", p, SoftmaxReference.Softmax(z, n, c, h * w, t));
            });
        }
        // The palette decode, as ECCV16 uses it: [N, 313, H, W] logits over the bin centres into ab [N, 2, H, W].
        foreach (var (n, h, w, t) in new[] { (1, 1, 1, 0.38f), (2, 5, 7, 1f), (1, 31, 33, 0.38f), (1, 32, 32, 2.5f), (3, 17, 5, 0f) })
        {
            const int Q = 313;
            int e = n * Q * h * w;
            yield return new OpCase("Softmax.PaletteDecode", $"{Dims(n, Q, h, w)} T={t}", new Tolerance(1e-3, 1e-5, "ab spans about +-110: float32 exp and 313-term expectations (fused kernel against softmax then expectation)"), 6.0 * e, 4.0 * (e + 2 * n * h * w + 2 * Q), r =>
            {
                float[] z = U(e, -6, 6, e), palette = Eccv16Architecture.Palette();
                var tz = r.In("logits", Shape.Nchw(n, Q, h, w), z);
                var tp = r.In("palette", new Shape(Q, 2), palette);
                var ab = r.Out("ab", Shape.Nchw(n, 2, h, w));
                r.Launch = () => SoftmaxOps.PaletteDecode(tz, tp, ab, t);
                r.Check("ab", ab, SoftmaxReference.PaletteDecode(z, palette, n, Q, h * w, t));
            });
        }
        // As SOM + MLP predictions use it: logits in chunks [chunks, C, chunk] (the last chunk running past the
        // picture) decoded straight into the a and b planes of a 9 x 11 Lab picture, L left alone.
        foreach (var (classes, chunk, t) in new[] { (1, 99, 0f), (4, 31, 0.38f), (9, 33, 1f), (16, 64, 0f), (9, 1, 4f), (313, 32, 0.38f) })
        {
            const int H = 9, W = 11;
            int plane = H * W, chunks = (plane + chunk - 1) / chunk;
            yield return new OpCase("Softmax.PaletteDecode", $"{classes} classes, {H}x{W} into Lab in chunks of {chunk}, T={t}", new Tolerance(1e-3, 1e-5, "ab values up to 80: float32 exp of logits up to +-60 after the max is subtracted"), 6.0 * classes * plane, 4.0 * ((classes + 2.0) * plane + 2 * classes), r =>
            {
                float[] logits = U(chunks * classes * chunk, -60, 60, chunk + classes), palette = U(2 * classes, -80, 80, 7 * classes);
                float[] lab = U(3 * plane, 0, 100, 3);
                for (int p = plane; p < 3 * plane; p++)
                    lab[p] = float.NaN;   // a and b poisoned: every pixel must be written; L must be kept
                var tl = r.In("logits", new Shape(chunks, classes, chunk), logits);
                var tp = r.In("palette", new Shape(classes, 2), palette);
                var tlab = r.In("lab", Shape.Nchw(1, 3, H, W), lab);
                r.Launch = () => SoftmaxOps.PaletteDecodeView(tl.View, tp, tlab.View, new PaletteDecodeArgs(plane, classes, chunk, t, plane, chunk, plane, 0));
                double[] expected = D(lab), decoded = SoftmaxReference.PaletteDecode(logits, palette, chunks, classes, chunk, t);
                for (int g = 0; g < plane; g++)
                {
                    int c = g / chunk, i = g % chunk;
                    expected[plane + g] = decoded[(c * 2) * chunk + i];
                    expected[2 * plane + g] = decoded[(c * 2 + 1) * chunk + i];
                }
                r.Check("lab", tlab, expected);
            });
        }
    }

    // ---- Resample ----

    private static IEnumerable<OpCase> Resample()
    {
        // (N, source channels, offset, channels, H, W, destination channels, offset, OutH, OutW): up, down, odd, into a channel range.
        var cases = new (int N, int SrcC, int SrcOff, int C, int H, int W, int DstC, int DstOff, int OH, int OW)[]
        {
            (1, 1, 0, 1, 1, 1, 1, 0, 3, 5), (2, 3, 1, 2, 31, 33, 3, 0, 32, 32), (1, 3, 0, 3, 64, 48, 4, 1, 17, 5), (3, 2, 0, 1, 7, 9, 2, 1, 28, 36),
        };
        foreach (var a in cases)
        {
            int written = a.N * a.C * a.OH * a.OW;
            yield return new OpCase("Resample.ResizeBilinear", $"{Dims(a.N, a.SrcC, a.H, a.W)}[{a.SrcOff}..+{a.C}] -> {Dims(a.N, a.DstC, a.OH, a.OW)}[{a.DstOff}..]",
                new Tolerance(1e-5, 1e-6, "two lerps in float32 on values in [-1, 1], scaled by 2 and shifted"), 10.0 * written, 4.0 * (a.N * a.C * a.H * a.W + written), r =>
            {
                float[] x = U(a.N * a.SrcC * a.H * a.W, -1, 1, a.H + a.W);
                float[] before = U(a.N * a.DstC * a.OH * a.OW, -1, 1, a.OH);
                var tx = r.In("x", Shape.Nchw(a.N, a.SrcC, a.H, a.W), x);
                var ty = r.In("y", Shape.Nchw(a.N, a.DstC, a.OH, a.OW), before);
                r.Launch = () => ResampleOps.ResizeBilinear(tx, a.SrcOff, a.C, ty, a.DstOff, 2f, 0.5f);
                var args = new ResizeArgs(a.N, a.C, a.SrcC, a.SrcOff, a.H, a.W, a.DstC, a.DstOff, a.OH, a.OW, 2f, 0.5f, 1);
                r.Check("y", ty, ResampleReference.ResizeBilinear(x, D(before), args));
            });
        }
    }

    // ---- Loss: soft-encoding, cross-entropy, L2, bin statistics ----

    private static IEnumerable<OpCase> Loss()
    {
        const int Q = 313;
        foreach (var (n, h, w, k) in new[] { (1, 1, 1, 1), (2, 5, 7, 10), (1, 31, 33, 5) })
        {
            int plane = h * w;
            yield return new OpCase("Loss.SoftEncode", $"{Dims(n, 2, h, w)} k{k}", new Tolerance(1e-5, 1e-5, "weights: float32 exp of at most a few units, normalised; indices exact"), 6.0 * n * plane * Q, 4.0 * n * plane * (3 + 2 * k), r =>
            {
                float[] centres = Eccv16Architecture.CentresPlanar(), ab = U(n * 2 * plane, -100, 100, plane + k);
                ab[0] = 0f;   // exactly on the grey bin's centre
                if (plane > 1)
                    ab[1] = 5f;   // exactly between two bins (with b = 0 below): ties go to the lower index
                ab[plane] = 0f;
                if (plane > 1)
                    ab[plane + 1] = 0f;
                float[] classWeight = U(Q, 0.5f, 3f, 42), imageWeight = Enumerable.Range(0, n).Select(i => i % 2 == 0 ? 1f : 0f).ToArray();
                var tab = r.In("ab", Shape.Nchw(n, 2, h, w), ab);
                var tc = r.In("centres", new Shape(2, Q), centres);
                var tcw = r.In("class_weight", new Shape(Q), classWeight);
                var tiw = r.In("image_weight", new Shape(n), imageWeight);
                var index = r.In("index", Shape.Nchw(n, k, h, w), TestData.Filled(n * k * plane, -1));
                var weight = r.Out("weight", Shape.Nchw(n, k, h, w));
                var pixel = r.Out("pixel_weight", new Shape(n, h, w));
                r.Launch = () => LossOps.SoftEncode(tab, tc, tcw, tiw, index, weight, pixel, k, 5f);
                var (ei, ew, ep) = LossReference.SoftEncode(ab, centres, classWeight, imageWeight, n, plane, k, 5);
                r.Check("index", index, ei);
                r.Check("weight", weight, ew);
                r.Check("pixel_weight", pixel, ep);
            });
        }
        foreach (var (n, h, w, k) in new[] { (1, 1, 1, 1), (2, 3, 4, 5), (1, 7, 9, 5) })
        {
            int plane = h * w, e = n * Q * plane;
            float scale = 1f / (n * plane);
            yield return new OpCase("Loss.SoftmaxCrossEntropy", $"{Dims(n, Q, h, w)} k{k}", new Tolerance(1e-5, 1e-3, "float32 exp and log and 313-term sums; finite differences with h = 1e-3"), 5.0 * e, 8.0 * e, r =>
            {
                float[] z = U(e, -4, 4, plane + k);
                var (index, weight) = TestData.SoftTargets(n, Q, k, plane, plane);
                float[] pixelWeight = U(n * plane, 0.2f, 3f, 53);
                var tz = r.In("logits", Shape.Nchw(n, Q, h, w), z);
                var ti = r.In("index", Shape.Nchw(n, k, h, w), index);
                var tw = r.In("weight", Shape.Nchw(n, k, h, w), weight);
                var tp = r.In("pixel_weight", new Shape(n, h, w), pixelWeight);
                var loss = r.Out("loss", new Shape(n, h, w));
                var dz = r.Out("dlogits", tz.Shape);
                r.Launch = () => LossOps.SoftmaxCrossEntropy(tz, ti, tw, tp, loss, dz, scale);
                var (el, ed) = LossReference.SoftmaxCrossEntropy(D(z), index, weight, pixelWeight, n, Q, k, plane, scale);
                r.Check("loss", loss, el);
                r.Check("dlogits", dz, ed);
                r.Gradients.Add(new GradientCheck("dlogits", v => scale * LossReference.SoftmaxCrossEntropy(v, index, weight, pixelWeight, n, Q, k, plane, scale).Loss.Sum(),
                    z, dz.Download, TestData.Sample(e, 40, plane), 1e-3, 1e-5, 1e-3));
            });
        }
        foreach (var (n, h, w) in new[] { (1, 1, 1), (2, 3, 3), (1, 31, 33) })
        {
            int plane = h * w;
            yield return new OpCase("Loss.L2Regression", Dims(n, 2, h, w), new Tolerance(1e-5, 1e-5, "a few float32 products of values in [-1, 1]; the loss is quadratic, so h = 1e-3 differences are exact to rounding"), 8.0 * n * plane, 24.0 * n * plane, r =>
            {
                float[] pred = U(n * 2 * plane, -1, 1, 61), target = U(pred.Length, -1, 1, 62), pw = U(n * plane, 0.5f, 2f, 63);
                var tp = r.In("pred", Shape.Nchw(n, 2, h, w), pred);
                var tt = r.In("target", tp.Shape, target);
                var tw = r.In("pixel_weight", new Shape(n, h, w), pw);
                var loss = r.Out("loss", new Shape(n, h, w));
                var dp = r.Out("dpred", tp.Shape);
                r.Launch = () => LossOps.L2Regression(tp, tt, tw, loss, dp, 0.5f);
                var (el, ed) = LossReference.L2Regression(D(pred), target, pw, n, plane, 0.5);
                r.Check("loss", loss, el);
                r.Check("dpred", dp, ed);
                r.Gradients.Add(new GradientCheck("dpred", v => 0.5 * LossReference.L2Regression(v, target, pw, n, plane, 0.5).Loss.Sum(), pred, dp.Download,
                    TestData.Sample(pred.Length, 24, 64), 1e-3, 1e-5, 1e-4));
            });
        }
        foreach (var (n, h, w) in new[] { (1, 1, 1), (3, 31, 33), (2, 32, 32) })
        {
            int plane = h * w;
            yield return new OpCase("Loss.BinHistogram", Dims(n, 2, h, w), Tolerance.Exact("integer counts"), 4.0 * n * plane * Q, 8.0 * n * plane, r =>
            {
                float[] centres = Eccv16Architecture.CentresPlanar(), ab = U(n * 2 * plane, -60, 60, 71 + plane);
                var tab = r.In("ab", Shape.Nchw(n, 2, h, w), ab);
                var tc = r.In("centres", new Shape(2, Q), centres);
                var counts = r.In("counts", new Shape(Q), new int[Q]);
                r.Launch = () => LossOps.BinHistogram(tab, tc, counts);
                r.Check("counts", counts, LossReference.BinHistogram(ab, centres, n, plane));
            });
        }
        foreach (var (n, h, w) in new[] { (1, 1, 1), (3, 2, 2), (4, 31, 33) })
        {
            int plane = h * w;
            yield return new OpCase("Loss.ColourfulImages", Dims(n, 2, h, w), Tolerance.Exact("0 or 1"), 2.0 * n * plane, 8.0 * n * plane, r =>
            {
                // Mostly within +-5, with one value just above 5 in some images and -4.9 in others.
                float[] ab = U(n * 2 * plane, -4.5f, 4.5f, plane);
                for (int b = 0; b < n; b++)
                    ab[b * 2 * plane + (b * 7) % (2 * plane)] = b % 3 == 1 ? 5.5f : -4.9f;
                var tab = r.In("ab", Shape.Nchw(n, 2, h, w), ab);
                var flags = r.Out("flags", new Shape(n));
                r.Launch = () => LossOps.ColourfulImages(tab, flags, 5f);
                r.Check("flags", flags, LossReference.ColourfulImages(ab, n, plane, 5));
            });
        }
    }

    // ---- Optimizer ----

    private static IEnumerable<OpCase> Optimizer()
    {
        foreach (int count in new[] { 1, 37, 1000 })
        {
            yield return new OpCase("Optimizer.Adam", $"{count} t=3", new Tolerance(1e-5, 1e-5, "one step on parameters of order 1; float32 sqrt and division"), 14.0 * count, 28.0 * count, r =>
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
            yield return new OpCase("Optimizer.Sgd", count.ToString(), new Tolerance(1e-6, 1e-5, "two float32 FMAs on values of order 1"), 5.0 * count, 20.0 * count, r =>
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

    // ---- Buffers ----

    private static IEnumerable<OpCase> Buffers()
    {
        foreach (int count in new[] { 1, 31, 32, 33, 1000 })
        {
            yield return new OpCase("Buffers.Fill", count.ToString(), Tolerance.Exact("a store"), 0, 4.0 * count, r =>
            {
                var t = r.Out("t", new Shape(count));
                r.Launch = () => BufferOps.Fill(t, 2.5f);
                r.Check("t", t, TestData.Filled(count, 2.5));
            });
            yield return new OpCase("Buffers.Accumulate", count.ToString(), new Tolerance(0, 1e-7, "one float32 addition: half an ulp"), count, 12.0 * count, r =>
            {
                float[] source = U(count, -1, 1, count), destination = U(count, -1, 1, count + 1);
                var ts = r.In("source", new Shape(count), source);
                var td = r.In("destination", new Shape(count), destination);
                r.Launch = () => BufferOps.Accumulate(ts, td);
                r.Check("destination", td, BufferReference.Accumulate(source, destination));
            });
            yield return new OpCase("Buffers.AddSumOfSquares", count.ToString(), new Tolerance(1e-4, 1e-5, "float32 per-thread partial sums of up to 1,000 squares below 1, added in a fixed order"), 2.0 * count, 4.0 * count, r =>
            {
                float[] x = U(count, -1, 1, count);
                var t = r.In("x", new Shape(count), x);
                var partials = r.Out("partials", new Shape(r.Device.Launcher.MaxElementThreads));
                var result = r.In("result", new Shape(1), new[] { 1f });
                r.Launch = () => BufferOps.AddSumOfSquares(t, partials, result);
                r.Check("result", result, new[] { 1 + BufferReference.SumOfSquares(x) });
            });
        }
        foreach (int threads in new[] { 1, 33 })
            yield return new OpCase("Buffers.PeakFlops", $"{threads} x 100 iterations", new Tolerance(1e-4, 1e-5, "100 float32 multiply-adds a chain on values below 1"), 1600.0 * threads, 4.0 * threads, r =>
            {
                var slots = r.Out("slots", new Shape(threads));
                r.Launch = () => BufferOps.PeakFlops(slots, 100);
                r.Check("slots", slots, Enumerable.Range(0, threads).Select(t => BufferReference.PeakFlopsSlot(t, 100)).ToArray());
            });
    }

    // ---- Metrics ----

    private static IEnumerable<OpCase> Metrics()
    {
        foreach (var (n, h, w) in new[] { (1, 1, 1), (2, 31, 33), (1, 32, 32) })
        {
            int plane = h * w;
            yield return new OpCase("Metrics.AbErrorHistogram", Dims(n, 3, h, w), new Tolerance(1e-3, 1e-4, "counts exact below 2^24; the rebalanced half sums float32 weights in any order"), 8.0 * n * plane * 313, 24.0 * n * plane, r =>
            {
                float[] truth = RandomLab(n, plane, plane), prediction = RandomLab(n, plane, plane + 1);
                float[] centres = Eccv16Architecture.CentresPlanar(), inversePrior = U(313, 0.1f, 5f, 3);
                var tp = r.In("prediction", Shape.Nchw(n, 3, h, w), prediction);
                var tt = r.In("truth", tp.Shape, truth);
                var tc = r.In("centres", new Shape(2, 313), centres);
                var ti = r.In("inverse_prior", new Shape(313), inversePrior);
                var histogram = r.In("histogram", new Shape(2 * MetricKernels.ErrorBuckets), new float[2 * MetricKernels.ErrorBuckets]);
                r.Launch = () => MetricOps.AbErrorHistogram(tp, tt, tc, ti, histogram);
                r.Check("histogram", histogram, MetricReference.AbErrorHistogram(prediction, truth, centres, inversePrior, n, plane));
            });
            yield return new OpCase("Metrics.ChromaSums", Dims(n, 3, h, w), new Tolerance(1e-2, 1e-5, "float32 partial sums of up to 1,023 chromas below 181, added atomically in any order"), 6.0 * n * plane, 16.0 * n * plane, r =>
            {
                float[] truth = RandomLab(n, plane, plane + 2), prediction = RandomLab(n, plane, plane + 3);
                var tp = r.In("prediction", Shape.Nchw(n, 3, h, w), prediction);
                var tt = r.In("truth", tp.Shape, truth);
                var sums = r.In("sums", new Shape(2), new float[2]);
                r.Launch = () => MetricOps.ChromaSums(tp, tt, sums);
                r.Check("sums", sums, MetricReference.ChromaSums(prediction, truth, n, plane));
            });
            yield return new OpCase("Metrics.RgbStats", Dims(1, h, w, 3), new Tolerance(1e-2, 1e-5, "float32 sums of integers, exact below 2^24 a thread; atomics add the partials in any order"), 20.0 * plane, 6.0 * plane, r =>
            {
                byte[] prediction = TestData.Bytes(plane * 3, plane), truth = TestData.Bytes(plane * 3, plane + 1);
                var tp = r.In("prediction", new Shape(1, h, w, 3), prediction);
                var tt = r.In("truth", tp.Shape, truth);
                var stats = r.In("stats", new Shape(9), new float[9]);
                r.Launch = () => MetricOps.RgbStats(tp, tt, stats);
                r.Check("stats", stats, MetricReference.RgbStats(prediction, truth));
            });
        }
    }

    // ---- Som ----

    private static IEnumerable<OpCase> Som()
    {
        foreach (var (count, gw, gh) in new[] { (1, 1, 1), (31, 2, 2), (33, 4, 3), (100, 3, 3) })
        {
            int neurons = gw * gh;
            string shape = $"{count} samples, {gw}x{gh} map";
            yield return new OpCase("Som.Bmu", shape, new Tolerance(1e-3, 1e-5, "squared distances up to ~6e4 in float32; unit indices exact"), 6.0 * count * neurons, 20.0 * count, r =>
            {
                float[] samples = U(2 * count, -80, 80, count), codebook = U(2 * neurons, -60, 60, neurons);
                var tx = r.In("samples", new Shape(2, count), samples);
                var tb = r.In("codebook", new Shape(neurons, 2), codebook);
                var bmu = r.In("bmu", new Shape(count), TestData.Filled(count, -7));
                var second = r.In("second", new Shape(count), TestData.Filled(count, -7));
                var distance = r.Out("distance", new Shape(count));
                r.Launch = () => SomOps.Bmu(tx, tb, bmu, second, distance, new SomArgs(count, gw, gh, 1f, 1f, 1));
                var (eb, es, ed) = SomReference.Bmu(samples, codebook);
                r.Check("bmu", bmu, eb);
                r.Check("second", second, es);
                r.Check("distance", distance, ed);
            });
            yield return new OpCase("Som.BatchUpdate", $"{shape}, sigma 1.5, rate 0.5", new Tolerance(1e-3, 1e-4, "ab values up to 80: float32 sums of Gaussian-weighted samples"), 8.0 * count * neurons, 12.0 * count, r =>
            {
                float[] samples = U(2 * count, -80, 80, count), codebook = U(2 * neurons, -60, 60, neurons);
                int[] bmu = SomReference.Bmu(samples, codebook).Bmu;
                var tx = r.In("samples", new Shape(2, count), samples);
                var tbmu = r.In("bmu", new Shape(count), bmu);
                var tb = r.In("codebook", new Shape(neurons, 2), codebook);
                r.Launch = () => SomOps.BatchUpdate(tx, tbmu, tb, new SomArgs(count, gw, gh, 1.5f, 0.5f, 1));
                r.Check("codebook", tb, SomReference.BatchUpdate(samples, bmu, codebook, gw, 1.5, 0.5));
            });
            yield return new OpCase("Som.Online", $"{shape}, sigma 1, rate 0.3", new Tolerance(1e-3, 1e-4, "a sequence of float32 updates of ab values up to 80"), 10.0 * count * neurons, 8.0 * count, r =>
            {
                float[] samples = U(2 * count, -80, 80, count + 1), codebook = U(2 * neurons, -60, 60, neurons + 1);
                var tx = r.In("samples", new Shape(2, count), samples);
                var tb = r.In("codebook", new Shape(neurons, 2), codebook);
                r.Launch = () => SomOps.Online(tx, tb, new SomArgs(count, gw, gh, 1f, 0.3f, 1));
                r.Check("codebook", tb, SomReference.Online(samples, codebook, gw, 1.0, 0.3));
            });
        }
        foreach (var (n, h, w, gw, gh) in new[] { (1, 1, 1, 1, 1), (2, 31, 33, 3, 3), (1, 32, 32, 4, 4) })
            yield return new OpCase("Som.Quantize", $"{Dims(n, 3, h, w)}, {gw}x{gh} map", Tolerance.Exact("L kept, ab copied from a codeword"), 4.0 * n * h * w * gw * gh, 16.0 * n * h * w, r =>
            {
                float[] lab = RandomLab(n, h * w, h), codebook = U(2 * gw * gh, -60, 60, w);
                var tl = r.In("lab", Shape.Nchw(n, 3, h, w), lab);
                var tb = r.In("codebook", new Shape(gw * gh, 2), codebook);
                r.Launch = () => SomOps.Quantize(tl, tb, gw, gh);
                r.Check("lab", tl, SomReference.Quantize(lab, codebook, n, h * w));
            });
    }

    // ---- Patches ----

    private static IEnumerable<OpCase> Patches()
    {
        foreach (var (h, w, k, dilation) in new[] { (1, 1, 1, 1), (9, 11, 3, 1), (31, 33, 7, 1), (32, 32, 5, 4) })
        {
            int plane = h * w, n = Math.Min(plane, 40);
            yield return new OpCase("Patches.ExtractPatches", $"{h}x{w} k{k} d{dilation}", new Tolerance(1e-6, 0, "a copy of L times 0.01: float rounding only"), k * k * n, 8.0 * k * k * n, r =>
            {
                float[] lab = U(3 * plane, 0, 100, plane + k);
                int[] centres = Enumerable.Range(0, n).Select(i => i * 7919 % plane).ToArray();
                var tl = r.In("lab", Shape.Nchw(1, 3, h, w), lab);
                var tc = r.In("centres", new Shape(n), centres);
                var tp = r.Out("patches", new Shape(k * k, n));
                r.Launch = () => PatchOps.ExtractPatches(r.Device, tl.View, tc.View, tp.View, new PatchArgs(h, w, k, n, 0, 1, 0, dilation));
                var expected = new double[k * k * n];
                for (int i = 0; i < n; i++)
                {
                    double[] patch = PatchReference.Patch(lab, h, w, centres[i], k, dilation);
                    for (int f = 0; f < k * k; f++)
                        expected[f * n + i] = patch[f];
                }
                r.Check("patches", tp, expected);
            });
        }
    }

    // ---- Video: temporal stabilisation ----

    private static IEnumerable<OpCase> Video()
    {
        foreach (var (h, w, reset) in new[] { (1, 1, false), (31, 33, false), (32, 32, true), (17, 5, false) })
        {
            int plane = h * w;
            yield return new OpCase("Temporal.StabilizeAb", $"{h}x{w} reset={reset}", new Tolerance(1e-4, 1e-6, "two float32 lerps of ab values up to 128"), 10.0 * plane, 36.0 * plane, r =>
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
    }
}
