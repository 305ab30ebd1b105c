using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Som;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Color;
using ColorKernels.Kernels.Som;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Som;

/// <summary>The colour-map kernels: BMU search against brute force, convergence of the batch SOM, quantisation.</summary>
public class SomTests
{
    public static IEnumerable<object[]> Devices => TestDevices.All;

    // (samples, gridW, gridH): one neuron, more neurons than samples, boundary sample counts.
    private static readonly (int S, int W, int H)[] Cases = { (1, 1, 1), (31, 1, 1), (3, 5, 4), (32, 2, 2), (33, 3, 3), (1000, 20, 20) };

    public static IEnumerable<object[]> BmuCases =>
        from d in TestDevices.All from i in Enumerable.Range(0, Cases.Length) select new object[] { d[0], i };

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
        for (int i = 0; i < count; i++)
        {
            var order = Enumerable.Range(0, neurons)
                .Select(j => (D: Math.Pow(samples[i] - book[2 * j], 2) + Math.Pow(samples[count + i] - book[2 * j + 1], 2), J: j))
                .OrderBy(t => t.D).ThenBy(t => t.J).ToArray();
            Assert.Equal(order[0].J, b[i]);
            Assert.Equal(order[0].D, d[i], 3);
            if (neurons == 1)
                Assert.Equal(-1, s2[i]);
            else
                Assert.Equal(order[1].D, Math.Pow(samples[i] - book[2 * s2[i]], 2) + Math.Pow(samples[count + i] - book[2 * s2[i] + 1], 2), 3);
        }
    }

    public static IEnumerable<object[]> Variants =>
        from d in TestDevices.All
        from init in new[] { SomInit.RandomSamples, SomInit.PrincipalPlane }
        from mode in new[] { SomMode.Batch, SomMode.Online }
        select new object[] { d[0], init, mode };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Som_converges_on_clustered_colours(string deviceId, SomInit init, SomMode mode)
    {
        // Four tight clusters of ab colours (+-2 around each centre); a 2x2 map ends with one codeword within
        // 2 ab units of each centre, from either initialisation, batch or online: the radius ends at 0.1, so
        // the last epochs are k-means (batch) or nearly winner-take-all updates at a rate of 0.01 (online).
        var centres = new[] { (-40f, 30f), (35f, 40f), (-30f, -45f), (45f, -35f) };
        var random = new Random(3);
        const int PerCluster = 250;
        var a = new float[4 * PerCluster];
        var b = new float[4 * PerCluster];
        for (int c = 0; c < 4; c++)
            for (int i = 0; i < PerCluster; i++)
            {
                a[c * PerCluster + i] = centres[c].Item1 + (float)(random.NextDouble() - 0.5) * 4;
                b[c * PerCluster + i] = centres[c].Item2 + (float)(random.NextDouble() - 0.5) * 4;
            }
        ComputeDevice device = TestDevices.Get(deviceId);
        SomQuality? quality = null;
        SomMap map = SomMap.Fit(device, a.Concat(b).ToArray(), 2, 2, 25, seed: 1, (_, q) => quality = q, init, mode);
        foreach (var (ca, cb) in centres)
        {
            double nearest = Enumerable.Range(0, 4).Min(j => Math.Sqrt(Math.Pow(map.Codebook[2 * j] - ca, 2) + Math.Pow(map.Codebook[2 * j + 1] - cb, 2)));
            Assert.True(nearest < 2.0, $"cluster ({ca}, {cb}): nearest codeword {nearest:F2} away; codebook {string.Join(", ", map.Codebook)}");
        }
        Assert.InRange(quality!.QuantizationError, 0, 3);
    }

    [Theory]
    [MemberData(nameof(Devices))]
    public void Quantize_keeps_L_and_paints_codewords(string deviceId)
    {
        ComputeDevice device = TestDevices.Get(deviceId);
        var map = new SomMap(2, 2, new float[] { 0, 0, 20, 20, -20, 10, 10, -30 });
        var image = ImageData.FromRgb8(9, 7, TestData.Bytes(9 * 7 * 3, 5));
        ImageData output = map.Quantize(device, image);
        byte[] rgb = output.Rgb8!, original = image.Rgb8!;
        double[] before = LabReference.SrgbBytesToLab(original, 1, 63), after = LabReference.SrgbBytesToLab(rgb, 1, 63);
        for (int p = 0; p < 63; p++)
        {
            // 8-bit rounding moves L and ab by about a unit; out-of-gamut codewords for very dark or bright
            // pixels are clamped, so only pixels with 20 < L < 80 are held to the codewords.
            if (before[p] is < 20 or > 80)
                continue;
            Assert.InRange(Math.Abs(after[p] - before[p]), 0, 1.5);
            double nearest = Enumerable.Range(0, 4).Min(j => Math.Sqrt(Math.Pow(after[63 + p] - map.Codebook[2 * j], 2) + Math.Pow(after[126 + p] - map.Codebook[2 * j + 1], 2)));
            Assert.InRange(nearest, 0, 2.5);
        }
    }
}
