namespace ColorKernels.Tests.Ops;

/// <summary>The op table's Buffers cases (see <see cref="OpCases"/>).</summary>
internal static partial class OpCases
{
    // ---- Buffers ----

    private static IEnumerable<OpCase> Buffers()
    {
        foreach (int count in new[] { 1, 31, 32, 33, 1000 })
        {
            yield return new OpCase("Buffers.Fill", count.ToString(), Tolerance.Exact("a store"), r =>
            {
                var t = r.Out("t", new Shape(count));
                r.Launch = () => BufferOps.Fill(t, 2.5f);
                r.Check("t", t, TestData.Filled(count, 2.5));
            });
            yield return new OpCase("Buffers.Accumulate", count.ToString(), new Tolerance(0, 1e-7, "one float32 addition: half an ulp"), r =>
            {
                float[] source = U(count, -1, 1, count), destination = U(count, -1, 1, count + 1);
                var ts = r.In("source", new Shape(count), source);
                var td = r.In("destination", new Shape(count), destination);
                r.Launch = () => BufferOps.Accumulate(ts, td);
                r.Check("destination", td, BufferReference.Accumulate(source, destination));
            });
            yield return new OpCase("Buffers.AddSumOfSquares", count.ToString(), new Tolerance(1e-4, 1e-5, "float32 per-thread partial sums of up to 1,000 squares below 1, added in a fixed order"), r =>
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
            yield return new OpCase("Buffers.PeakFlops", $"{threads} x 100 iterations", new Tolerance(1e-4, 1e-5, "100 float32 multiply-adds a chain on values below 1"), r =>
            {
                var slots = r.Out("slots", new Shape(threads));
                r.Launch = () => BufferOps.PeakFlops(slots, 100);
                r.Check("slots", slots, Enumerable.Range(0, threads).Select(t => BufferReference.PeakFlopsSlot(t, 100)).ToArray());
            });
    }
}
