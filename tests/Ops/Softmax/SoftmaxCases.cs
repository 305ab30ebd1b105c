namespace ColorKernels.Tests.Ops;

/// <summary>The op table's Softmax cases (see <see cref="OpCases"/>).</summary>
internal static partial class OpCases
{
    // ---- Softmax and the annealed mean ----

    private static IEnumerable<OpCase> Softmax()
    {
        // Every boundary shape (313 channels among them) at the model's temperature, ECCV16's 0.38 and a soft 2.5.
        foreach (var (n, c, h, w) in Nchw)
        foreach (float t in new[] { 1f, 0.38f, 2.5f })
        {
            int e = n * c * h * w;
            yield return new OpCase("Softmax.Softmax", $"{Dims(n, c, h, w)} T={t}", new Tolerance(1e-6, 1e-4, "probabilities: float32 exp (approximate ex2 on GPUs) and sums of up to 313 terms"), r =>
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
            yield return new OpCase("Softmax.PaletteDecode", $"{Dims(n, Q, h, w)} T={t}", new Tolerance(1e-3, 1e-5, "ab spans about +-110: float32 exp and 313-term expectations (fused kernel against softmax then expectation)"), r =>
            {
                float[] z = U(e, -6, 6, e), palette = BinCodebook.Interleaved();
                var tz = r.In("logits", Shape.Nchw(n, Q, h, w), z);
                var tp = r.In("palette", new Shape(Q, 2), palette);
                var ab = r.Out("ab", Shape.Nchw(n, 2, h, w));
                r.Launch = () => SoftmaxOps.PaletteDecode(tz, tp, ab, t);
                r.Check("ab", ab, SoftmaxReference.PaletteDecode(z, palette, n, Q, h * w, t));
            });
        }
        // Re-weighted by a palette (p' proportional to p exp(w), w = alpha ln(h + eps)): the fused bias against
        // the issue's definition (softmax, multiply, normalise, then the annealed mean of p'). Log-weights from
        // ln(1e-6) (a colour the reference lacks) to 0; with T = 0 the re-weighted arg-max.
        foreach (var (n, h, w, t) in new[] { (1, 1, 1, 0.38f), (2, 5, 7, 1f), (1, 31, 33, 0.38f), (1, 32, 32, 2.5f), (3, 17, 5, 0f) })
        {
            const int Q = 313;
            int e = n * Q * h * w;
            yield return new OpCase("Softmax.PaletteDecode", $"{Dims(n, Q, h, w)} T={t} re-weighted", new Tolerance(1e-3, 1e-5, "ab spans about +-110: float32 exp and 313-term expectations (fused bias against multiply-then-normalise in double)"), r =>
            {
                float[] z = U(e, -6, 6, e), palette = BinCodebook.Interleaved(), bias = U(Q, -13.8f, 0f, 5 * e + 1);
                var tz = r.In("logits", Shape.Nchw(n, Q, h, w), z);
                var tp = r.In("palette", new Shape(Q, 2), palette);
                var tb = r.In("bias", new Shape(Q), bias);
                var ab = r.Out("ab", Shape.Nchw(n, 2, h, w));
                r.Launch = () => SoftmaxOps.PaletteDecode(tz, tp, ab, t, tb);
                r.Check("ab", ab, SoftmaxReference.PaletteDecode(z, palette, n, Q, h * w, t, bias.Select(b => Math.Exp(b)).ToArray()));
            });
        }
        // As SOM + MLP predictions use it: logits in chunks [chunks, C, chunk] (the last chunk running past the
        // picture) decoded straight into the a and b planes of a 9 x 11 Lab picture, L left alone.
        foreach (var (classes, chunk, t, biased) in new[] { (1, 99, 0f, false), (4, 31, 0.38f, false), (9, 33, 1f, false), (16, 64, 0f, false), (9, 1, 4f, false), (313, 32, 0.38f, false),
                     (16, 33, 0.38f, true), (9, 31, 0f, true), (1, 32, 1f, true) })
        {
            const int H = 9, W = 11;
            int plane = H * W, chunks = (plane + chunk - 1) / chunk;
            yield return new OpCase("Softmax.PaletteDecode", $"{classes} classes, {H}x{W} into Lab in chunks of {chunk}, T={t}{(biased ? " re-weighted" : "")}", new Tolerance(1e-3, 1e-5, "ab values up to 80: float32 exp of logits up to +-60 after the max is subtracted"), r =>
            {
                float[] logits = U(chunks * classes * chunk, -60, 60, chunk + classes), palette = U(2 * classes, -80, 80, 7 * classes);
                float[] lab = U(3 * plane, 0, 100, 3);
                for (int p = plane; p < 3 * plane; p++)
                    lab[p] = float.NaN;   // a and b poisoned: every pixel must be written; L must be kept
                var tl = r.In("logits", new Shape(chunks, classes, chunk), logits);
                var tp = r.In("palette", new Shape(classes, 2), palette);
                var tlab = r.In("lab", Shape.Nchw(1, 3, H, W), lab);
                float[] bias = U(classes, -10f, 0f, 11 * classes);
                var tb = biased ? r.In("bias", new Shape(classes), bias) : null;
                r.Launch = () => SoftmaxOps.PaletteDecodeView(tl.View, tp, tlab.View, new PaletteDecodeArgs(plane, classes, chunk, t, plane, chunk, plane, 0), tb);
                double[] expected = D(lab), decoded = SoftmaxReference.PaletteDecode(logits, palette, chunks, classes, chunk, t, biased ? bias.Select(b => Math.Exp(b)).ToArray() : null);
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
}
