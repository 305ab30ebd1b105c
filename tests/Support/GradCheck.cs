using Xunit.Sdk;

namespace ColorKernels.Tests.Support;

/// <summary>
/// Finite-difference gradient checks: central differences (f(x + h e_i) - f(x - h e_i)) / 2h of a scalar
/// function evaluated in double precision, at a sample of coordinates, compared with a kernel's gradient.
/// </summary>
public static class GradCheck
{
    /// <summary>Up to <paramref name="count"/> distinct coordinates of a vector of <paramref name="length"/>, always including the first and last.</summary>
    public static int[] Sample(int length, int count, int seed) => TestData.Sample(length, count, seed);

    public static void Check(Func<double[], double> f, float[] point, float[] analytic, int[] indices, double h, double atol, double rtol, string what)
    {
        double[] x = point.Select(v => (double)v).ToArray();
        foreach (int i in indices)
        {
            double keep = x[i];
            x[i] = keep + h;
            double plus = f(x);
            x[i] = keep - h;
            double minus = f(x);
            x[i] = keep;
            double numeric = (plus - minus) / (2 * h);
            if (!(Math.Abs(numeric - analytic[i]) <= atol + rtol * Math.Abs(numeric)))
                throw new XunitException($"{what}[{i}]: kernel gradient {analytic[i]}, finite difference {numeric} (atol {atol}, rtol {rtol})");
        }
    }
}
