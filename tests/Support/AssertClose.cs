using Xunit.Sdk;

namespace ColorKernels.Tests.Support;

/// <summary>Element-wise comparison with |actual - expected| &lt;= atol + rtol |expected|; names the worst element.</summary>
public static class AssertClose
{
    public static void All(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double atol, double rtol = 0, string what = "")
    {
        if (expected.Length != actual.Length)
            throw new XunitException($"{what}: length {actual.Length}, expected {expected.Length}");
        int bad = 0, worst = -1, firstBad = -1;
        double worstExcess = double.NegativeInfinity;
        for (int i = 0; i < expected.Length; i++)
        {
            double limit = atol + rtol * Math.Abs(expected[i]);
            double error = Math.Abs(actual[i] - expected[i]);
            // NaN never passes: a NaN left in the output means an element was not written (outputs are poisoned with NaN).
            bool ok = error <= limit;
            if (!ok)
            {
                bad++;
                if (firstBad < 0)
                    firstBad = i;
            }
            double excess = double.IsNaN(error) ? double.PositiveInfinity : error - limit;
            if (excess > worstExcess)
            {
                worstExcess = excess;
                worst = i;
            }
        }
        if (bad > 0)
            throw new XunitException(
                $"{what}: {bad} of {expected.Length} elements outside atol {atol} + rtol {rtol}; " +
                $"first at [{firstBad}]: got {actual[firstBad]}, expected {expected[firstBad]}; " +
                $"worst at [{worst}]: got {actual[worst]}, expected {expected[worst]}");
    }

    public static void All(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double atol, double rtol = 0, string what = "")
    {
        var e = new double[expected.Length];
        for (int i = 0; i < e.Length; i++)
            e[i] = expected[i];
        All(e, actual, atol, rtol, what);
    }
}
