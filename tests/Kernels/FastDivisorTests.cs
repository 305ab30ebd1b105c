using ColorKernels.Kernels.Common;
using Xunit;

namespace ColorKernels.Tests.Kernels;

/// <summary>The multiply-shift division the tiled convolutions decode indices with: exact, or it is useless.</summary>
public class FastDivisorTests
{
    [Fact]
    public void Matches_integer_division_near_every_multiple_and_at_the_ends()
    {
        var divisors = Enumerable.Range(1, 300).Concat(new[] { 511, 512, 513, 4095, 65535, 65536, 65537, 1 << 20, (1 << 30) - 1, 1 << 30, (1 << 30) + 1, int.MaxValue });
        foreach (int d in divisors)
        {
            var f = new FastDivisor(d);
            var xs = new List<int> { 0, 1, 2, int.MaxValue, int.MaxValue - 1, int.MaxValue - d };
            for (long q = 1; q < 2000 && q * d < int.MaxValue; q++)
                xs.AddRange(new[] { (int)(q * d) - 1, (int)(q * d), (int)Math.Min(int.MaxValue, q * d + 1) });
            for (long q = int.MaxValue / d; q > int.MaxValue / d - 2000 && q > 0; q--)
                xs.AddRange(new[] { (int)(q * d) - 1, (int)(q * d), (int)Math.Min(int.MaxValue, q * d + 1) });
            foreach (int x in xs.Where(v => v >= 0))
            {
                Assert.True(f.Div(x) == x / d, $"{x} / {d}: {f.Div(x)}, expected {x / d}");
                Assert.True(f.Rem(x) == x % d, $"{x} % {d}: {f.Rem(x)}, expected {x % d}");
            }
        }
        var random = new Random(7);
        for (int i = 0; i < 200_000; i++)
        {
            int d = random.Next(1, int.MaxValue), x = random.Next(0, int.MaxValue);
            Assert.Equal(x / d, new FastDivisor(d).Div(x));
        }
    }

    [Fact]
    public void Refuses_non_positive_divisors()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new FastDivisor(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FastDivisor(-3));
    }
}
