using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Som;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Color;
using ColorKernels.Kernels.Som;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Ops;

/// <summary>Best-matching units against SomReference on integer grids where exact ties happen.</summary>
public class SomTests
{
    // (samples, gridW, gridH): one neuron, more neurons than samples, boundary sample counts.
    private static readonly (int S, int W, int H)[] Cases = { (1, 1, 1), (31, 1, 1), (3, 5, 4), (32, 2, 2), (33, 3, 3), (1000, 20, 20) };

    public static IEnumerable<object[]> BmuCases =>
        from d in TestDevices.Accelerators from i in Enumerable.Range(0, Cases.Length) select new object[] { d[0], i };

    [Theory]
    [MemberData(nameof(BmuCases))]
    public void Bmu_matches_brute_force_with_ties_to_the_lowest_index(string deviceId, int caseIndex)
    {
        var (count, w, h) = Cases[caseIndex];
        ComputeDevice device = TestDevices.Get(deviceId);
        int neurons = w * h;
        // Codewords and samples on an integer grid, so exact ties happen; codewords repeat when neurons > 2.
        var random = new Random(caseIndex);
        float[] book = Enumerable.Range(0, 2 * neurons).Select(i => (float)random.Next(-3, 4) * 10).ToArray();
        if (neurons > 2)
            (book[2 * (neurons - 1)], book[2 * (neurons - 1) + 1]) = (book[0], book[1]);   // a duplicate of codeword 0
        float[] samples = Enumerable.Range(0, 2 * count).Select(i => (float)random.Next(-35, 36)).ToArray();

        using var x = device.Upload("x", new Shape(2, count), samples);
        using var tb = device.Upload("book", new Shape(neurons, 2), book);
        using var bmu = device.Upload("bmu", new Shape(count), TestData.Filled(count, -7));
        using var second = device.Upload("second", new Shape(count), TestData.Filled(count, -7));
        using var dist = device.Upload("dist", new Shape(count), TestData.Filled(count, float.NaN));
        SomOps.Bmu(x, tb, bmu, second, dist, new SomArgs(count, w, h, 1f, 1f, 1));
        int[] b = bmu.Download(), s2 = second.Download();
        float[] d = dist.Download();
        var (eb, _, ed) = SomReference.Bmu(samples, book);
        double Distance(int i, int j) => Math.Pow(samples[i] - book[2 * j], 2) + Math.Pow(samples[count + i] - book[2 * j + 1], 2);
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(eb[i], b[i]);
            Assert.Equal(ed[i], d[i], 3);
            // The second unit may be any of several at the second-smallest distance: compare distances.
            if (neurons == 1)
                Assert.Equal(-1, s2[i]);
            else
                Assert.Equal(Enumerable.Range(0, neurons).Where(j => j != b[i]).Min(j => Distance(i, j)), Distance(i, s2[i]), 3);
        }
    }
}
