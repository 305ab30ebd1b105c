namespace ColorKernels.Tests.Ops;

/// <summary>The op table's Convolution cases (see <see cref="OpCases"/>).</summary>
internal static partial class OpCases
{
    // ---- Convolution: forward, transposed, backward (every backend) ----

    private static readonly Tolerance ConvTolerance = new(1e-4, 1e-4, "inputs and weights in [-1, 1], float32 sums of at most a few hundred products (~1e-5); a wrong index is off by O(1)");

    // (N, InC, H, W, OutC, K, stride, pad, dilation): 1x1 kernels, 1-pixel images (1 x 1 and 3 x 3 kernels),
    // strided, dilated, odd and non-square. The last is one tile of the tiled weight gradient with K = 330
    // pixels, split 4 ways (an uneven last split).
    private static readonly (int N, int C, int H, int W, int O, int K, int S, int P, int D)[] ConvShapes =
    {
        (1, 1, 1, 1, 1, 1, 1, 0, 1), (1, 1, 1, 1, 1, 3, 1, 1, 1), (1, 1, 1, 1, 2, 3, 1, 1, 1), (1, 3, 31, 31, 4, 3, 1, 1, 1),
        (2, 2, 32, 32, 3, 3, 2, 1, 1), (1, 3, 33, 33, 2, 3, 1, 2, 2), (1, 2, 33, 32, 3, 3, 2, 1, 1), (1, 3, 8, 11, 2, 3, 1, 2, 2),
        (1, 5, 17, 5, 3, 3, 2, 1, 1), (2, 4, 7, 9, 6, 1, 1, 0, 1), (2, 4, 15, 11, 3, 1, 1, 0, 1),
    };

    private static readonly ConvEpilogue[] Epilogues = { ConvEpilogue.None, ConvEpilogue.Relu, ConvEpilogue.ReluAffine };

    // (N, InC, H, W, OutC, K, stride, pad)
    private static readonly (int N, int C, int H, int W, int O, int K, int S, int P)[] TransposedShapes =
    {
        (1, 1, 1, 1, 1, 4, 2, 1), (2, 2, 1, 1, 3, 4, 2, 1), (1, 3, 5, 5, 2, 4, 2, 1), (1, 2, 16, 16, 3, 4, 2, 1), (1, 2, 17, 8, 2, 4, 2, 1),
        (1, 3, 7, 9, 2, 3, 1, 1), (1, 2, 4, 6, 3, 3, 2, 0),
    };

    private static IEnumerable<OpCase> Convolution()
    {
        for (int i = 0; i < ConvShapes.Length; i++)
        {
            var c = ConvShapes[i];
            int oh = Conv2dArgs.ForwardOutputSize(c.H, c.K, c.S, c.P, c.D), ow = Conv2dArgs.ForwardOutputSize(c.W, c.K, c.S, c.P, c.D);
            string shape = $"{Dims(c.N, c.C, c.H, c.W)} -> {c.O} k{c.K} s{c.S} p{c.P} d{c.D}";
            int seed = 10 * i;
            foreach (ConvEpilogue epilogue in Epilogues)
            {
                var g = Conv2dArgs.Forward(c.N, c.C, c.H, c.W, c.O, c.K, c.S, c.P, c.D, hasBias: true, epilogue: epilogue);
                yield return new OpCase("Conv2d.Forward", $"{shape} {epilogue}", ConvTolerance, r =>
                    ConvForward(r, g, Shape.Nchw(c.O, c.C, c.K, c.K), seed,
                        (x, w, b, y, scale, shift) => Conv2dOps.Forward(x, w, b, y, c.S, c.P, c.D, epilogue, scale, shift), Conv2dReference.Forward));
            }
            yield return new OpCase("Conv2d.Backward", shape, ConvTolerance, r =>
            {
                var plain = Conv2dArgs.Forward(c.N, c.C, c.H, c.W, c.O, c.K, c.S, c.P, c.D, hasBias: true);
                float[] x = U(c.N * c.C * c.H * c.W, -1, 1, seed + 1), w = U(c.O * c.C * c.K * c.K, -1, 1, seed + 2);
                float[] b = U(c.O, -1, 1, seed + 3), dy = U(c.N * c.O * oh * ow, -1, 1, seed + 4);
                ConvBackward(r, x, w, b, dy, Shape.Nchw(c.N, c.C, c.H, c.W), Shape.Nchw(c.O, c.C, c.K, c.K), Shape.Nchw(c.N, c.O, oh, ow),
                    (tx, tw, tdy, dx, dw, db) => Conv2dOps.Backward(tx, tw, tdy, dx, dw, db, c.S, c.P, c.D),
                    (xx, ww, bb) => Conv2dReference.Forward(xx, ww, bb, null, null, plain),
                    Conv2dReference.BackwardData(dy, w, plain, false), Conv2dReference.BackwardWeight(x, dy, plain, false), seed);
            }) { Gradient = true };
        }
        foreach (var (c, k) in new[] { ((1, 64, 64, 64, 64), 3), ((1, 256, 32, 32, 256), 3), ((1, 128, 64, 64, 313), 1) })
        {
            var (n, ci, h, w, o) = c;
            var g = Conv2dArgs.Forward(n, ci, h, w, o, k, 1, k / 2, 1, hasBias: true, epilogue: ConvEpilogue.Relu);
            yield return new OpCase("Conv2d.Forward", $"{Dims(n, ci, h, w)} -> {o} k{k} s1 p{k / 2} d1 Relu", ConvTolerance with { Atol = 1e-3, Why = "sums of up to 2,304 products of values in [-1, 1] (float32 error ~1e-4)" }, r =>
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
            string shape = $"{Dims(c.N, c.C, c.H, c.W)} -> {c.O} k{c.K} s{c.S} p{c.P}";
            int seed = 100 + 10 * i;
            foreach (ConvEpilogue epilogue in Epilogues)
            {
                var g = Conv2dArgs.Transposed(c.N, c.C, c.H, c.W, c.O, c.K, c.S, c.P, hasBias: true, epilogue: epilogue);
                yield return new OpCase("Conv2d.TransposedForward", $"{shape} {epilogue}", ConvTolerance, r =>
                    ConvForward(r, g, Shape.Nchw(c.C, c.O, c.K, c.K), seed,
                        (x, w, b, y, scale, shift) => Conv2dOps.TransposedForward(x, w, b, y, c.S, c.P, epilogue, scale, shift), Conv2dReference.TransposedForward));
            }
            yield return new OpCase("Conv2d.TransposedBackward", shape, ConvTolerance, r =>
            {
                var plain = Conv2dArgs.Transposed(c.N, c.C, c.H, c.W, c.O, c.K, c.S, c.P, hasBias: true);
                float[] x = U(c.N * c.C * c.H * c.W, -1, 1, seed + 1), w = U(c.C * c.O * c.K * c.K, -1, 1, seed + 2);
                float[] b = U(c.O, -1, 1, seed + 3), dy = U(c.N * c.O * oh * ow, -1, 1, seed + 4);
                ConvBackward(r, x, w, b, dy, Shape.Nchw(c.N, c.C, c.H, c.W), Shape.Nchw(c.C, c.O, c.K, c.K), Shape.Nchw(c.N, c.O, oh, ow),
                    (tx, tw, tdy, dx, dw, db) => Conv2dOps.TransposedBackward(tx, tw, tdy, dx, dw, db, c.S, c.P),
                    (xx, ww, bb) => Conv2dReference.TransposedForward(xx, ww, bb, null, null, plain),
                    Conv2dReference.BackwardData(dy, w, plain, true), Conv2dReference.BackwardWeight(x, dy, plain, true), seed);
            }) { Gradient = true };
        }
        foreach (var (n, c, h, w) in Nchw)
            yield return new OpCase("Conv2d.BiasBackward", Dims(n, c, h, w), new Tolerance(1e-4, 1e-5, "float32 sums of up to 2,048 values in [-1, 1] onto 1"), r =>
            {
                float[] dy = U(n * c * h * w, -1, 1, h + w);
                var tdy = r.In("dy", Shape.Nchw(n, c, h, w), dy);
                var db = r.In("db", new Shape(c), TestData.Filled(c, 1f));
                r.Launch = () => Conv2dOps.BiasBackward(tdy, db);
                r.Check("db", db, Enumerable.Range(0, c).Select(ch => 1 + Enumerable.Range(0, n).Sum(b => dy.Skip((b * c + ch) * h * w).Take(h * w).Sum(v => (double)v))).ToArray());
                // L = sum(dy * bias broadcast over N, H, W): linear, so differences are exact to rounding.
                r.Gradients.Add(new GradientCheck("db", v => dy.Select((g, i) => g * v[i / (h * w) % c]).Sum(), TestData.Filled(c, 0.5f),
                    () => db.Download().Select(v => v - 1f).ToArray(), Enumerable.Range(0, c).ToArray(), 0.25, 1e-4, 1e-5));
            }) { Gradient = true };
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
        bool affine = g.Epilogue == ConvEpilogue.ReluAffine;
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
        // Every shape accumulating or not, through every epilogue, with A, B and C at offsets 3, 5 and 7.
        var shapes = new (int M, int N, int K)[] { (1, 1, 1), (3, 2, 1), (4, 8, 5), (5, 9, 3), (31, 33, 17), (32, 32, 32), (8, 16, 70), (13, 64, 9) };
        foreach (var (m, n, k) in shapes)
        foreach (bool accumulate in new[] { false, true })
        foreach (ConvEpilogue epilogue in Epilogues)
        {
            var g = new GemmArgs(m, n, k, 3, 5, 7, accumulate, true, epilogue);
            yield return new OpCase("Gemm.Gemm", $"{m}x{n}x{k} acc={accumulate} epilogue={epilogue}",
                new Tolerance(1e-4, 1e-4, "float32 sums of up to 70 products of values in [-1, 1]"), r =>
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
            yield return new OpCase("Gemm.Transpose", Dims(rows, cols), Tolerance.Exact("a copy"), r =>
            {
                float[] source = U(rows * cols + 3, -1, 1, rows), destination = U(rows * cols + 2, -1, 1, cols);
                var ts = r.In("source", new Shape(source.Length), source);
                var td = r.In("destination", new Shape(destination.Length), destination);
                r.Launch = () => GemmOps.Transpose(ts, td, rows, cols);
                r.Check("destination", td, GemmReference.Transpose(source, destination, rows, cols));
            });
    }
}
