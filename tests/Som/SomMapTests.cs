using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Som;
using ColorKernels.Kernels.Color;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Som;

/// <summary>The colour-map kernels: BMU search against brute force, convergence of the batch SOM, quantisation.</summary>
public class SomMapTests
{
    public static IEnumerable<object[]> Devices => TestDevices.All;

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
