namespace ColorKernels.Tests.Ops;

/// <summary>The op table's Loss cases (see <see cref="OpCases"/>).</summary>
internal static partial class OpCases
{
    // ---- Loss: soft-encoding, cross-entropy, L2, bin statistics ----

    private static IEnumerable<OpCase> Loss()
    {
        const int Q = 313;
        foreach (var (n, h, w, k) in new[] { (1, 1, 1, 1), (2, 5, 7, 10), (1, 31, 33, 5) })
        {
            int plane = h * w;
            yield return new OpCase("Loss.SoftEncode", $"{Dims(n, 2, h, w)} k{k}", new Tolerance(1e-5, 1e-5, "weights: float32 exp of at most a few units, normalised; indices exact"), r =>
            {
                float[] centres = BinCodebook.Planar(), ab = U(n * 2 * plane, -100, 100, plane + k);
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
                // Independent of the reference: (0, 0), exactly on a centre, is the grey bin, 120.
                r.Checks.Add(("nearest bin of the grey pixel", () => [index.Download()[0]], [120]));
            });
        }
        foreach (var (n, h, w, k) in new[] { (1, 1, 1, 1), (2, 3, 4, 5), (1, 7, 9, 5) })
        {
            int plane = h * w, e = n * Q * plane;
            float scale = 1f / (n * plane);
            yield return new OpCase("Loss.SoftmaxCrossEntropy", $"{Dims(n, Q, h, w)} k{k}", new Tolerance(1e-6, 1e-5, "float32 exp and log and 313-term sums: the loss measured within 2e-7 relative on the CPU accelerator, held to 1e-5 (approximate exp2/log2 on GPUs); dlogits, a difference of probabilities near 1/313 each, within 1e-6"), r =>
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
            }) { Gradient = true };
        }
        foreach (var (n, h, w) in new[] { (1, 1, 1), (2, 3, 3), (1, 31, 33) })
        {
            int plane = h * w;
            yield return new OpCase("Loss.L2Regression", Dims(n, 2, h, w), new Tolerance(1e-5, 1e-5, "a few float32 products of values in [-1, 1]; the loss is quadratic, so h = 1e-3 differences are exact to rounding"), r =>
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
            }) { Gradient = true };
        }
        foreach (var (n, h, w) in new[] { (1, 1, 1), (2, 3, 3), (1, 31, 33), (2, 32, 32) })
        {
            int plane = h * w;
            yield return new OpCase("Loss.SmoothL1", Dims(n, 2, h, w), new Tolerance(1e-5, 1e-5, "a few float32 operations on values in [-1, 1]; finite differences with h = 1e-3 away from the threshold are exact to rounding"), r =>
            {
                // Differences from -1 to 1 around a threshold of 0.2: both branches, none within h of the kink
                // (the loss is smooth there, but its second derivative jumps, which central differences would see).
                float[] target = U(n * 2 * plane, -1, 1, 81), pw = U(n * plane, 0.5f, 2f, 83);
                float[] pred = U(target.Length, -1, 1, 82).Select((d, i) => Math.Abs(Math.Abs(d) - 0.2f) < 0.01f ? target[i] + d + 0.05f : target[i] + d).ToArray();
                if (pred.Length > 2)
                    pred[1] = target[1];   // exactly on the target
                var tp = r.In("pred", Shape.Nchw(n, 2, h, w), pred);
                var tt = r.In("target", tp.Shape, target);
                var tw = r.In("pixel_weight", new Shape(n, h, w), pw);
                var loss = r.Out("loss", new Shape(n, h, w));
                var dp = r.Out("dpred", tp.Shape);
                r.Launch = () => LossOps.SmoothL1(tp, tt, tw, loss, dp, 0.2f, 0.5f);
                var (el, ed) = LossReference.SmoothL1(D(pred), target, pw, n, plane, 0.2f, 0.5);
                r.Check("loss", loss, el);
                r.Check("dpred", dp, ed);
                r.Gradients.Add(new GradientCheck("dpred", v => 0.5 * LossReference.SmoothL1(v, target, pw, n, plane, 0.2f, 0.5).Loss.Sum(), pred, dp.Download,
                    TestData.Sample(pred.Length, 24, 84), 1e-3, 1e-5, 1e-4));
            }) { Gradient = true };
        }
        foreach (var (n, h, w) in new[] { (1, 1, 1), (3, 31, 33), (2, 32, 32) })
        {
            int plane = h * w;
            yield return new OpCase("Loss.BinHistogram", Dims(n, 2, h, w), Tolerance.Exact("integer counts"), r =>
            {
                float[] centres = BinCodebook.Planar(), ab = U(n * 2 * plane, -60, 60, 71 + plane);
                var tab = r.In("ab", Shape.Nchw(n, 2, h, w), ab);
                var tc = r.In("centres", new Shape(2, Q), centres);
                // Counts already there are added to (the histogram accumulates over batches), not overwritten.
                int[] before = Enumerable.Range(0, Q).Select(q => q % 5).ToArray();
                var counts = r.In("counts", new Shape(Q), before);
                r.Launch = () => LossOps.BinHistogram(tab, tc, counts);
                r.Check("counts", counts, LossReference.BinHistogram(ab, centres, n, plane).Zip(before, (c, b) => c + b).ToArray());
            });
        }
        foreach (var (n, h, w) in new[] { (1, 1, 1), (3, 2, 2), (4, 31, 33) })
        {
            int plane = h * w;
            yield return new OpCase("Loss.ColourfulImages", Dims(n, 2, h, w), Tolerance.Exact("0 or 1"), r =>
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
}
