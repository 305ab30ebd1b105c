using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Patches;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Ops;

/// <summary>The patch kernels beyond the op table: ClassToAb decoding (annealed mean over the codewords, or the arg-max class) on boundary pixel counts and temperatures, and patches (plain and dilated) on many picture shapes.</summary>
public class PatchTests
{
    public static IEnumerable<object[]> PatchCases =>
        TestDevices.All.SelectMany(d => new[] { (1, 1), (31, 1), (32, 33), (9, 17) }.SelectMany(hw =>
            new[] { (3, 1), (5, 1), (5, 4), (7, 3) }.Select(kd => new object[] { d[0], hw.Item1, hw.Item2, kd.Item1, kd.Item2 })));

    public static IEnumerable<object[]> DecodingCases =>
        TestDevices.All.SelectMany(d => new[] { 1, 31, 32, 33, 77 }.SelectMany(count =>
            new[] { 1, 4, 9 }.SelectMany(classes => new[] { 0f, 0.38f, 1f, 4f }.Select(t => new object[] { d[0], count, classes, t }))));

    [Theory]
    [MemberData(nameof(DecodingCases))]
    public void Decoding_matches_the_reference(string deviceId, int count, int classes, float temperature)
    {
        ComputeDevice device = TestDevices.Get(deviceId);
        // A picture of 9 x 11 pixels; the chunk of count pixels starts at pixel 5 (wrapping the chunk into it).
        int height = 9, width = 11, plane = height * width, first = Math.Min(5, plane - count);
        if (count > plane)
            return;
        // Logits spread over +-60 so that exp(z / T) would overflow float without the max subtraction.
        float[] logits = TestData.Uniform(classes * count, -60, 60, count + classes);
        float[] codebook = TestData.Uniform(2 * classes, -80, 80, 7 * classes);
        float[] lab = TestData.Filled(3 * plane, float.NaN);   // poisoned: every pixel of the chunk must be written
        float[] l = TestData.Uniform(plane, 0, 100, 3);
        Array.Copy(l, lab, plane);
        using Tensor<float> tl = device.Upload("logits", new Shape(classes, count), logits);
        using Tensor<float> tb = device.Upload("codebook", new Shape(classes, 2), codebook);
        using Tensor<float> tlab = device.Upload("lab", Shape.Nchw(1, 3, height, width), lab);
        PatchOps.ClassToAb(tl, tb, tlab, new PatchArgs(height, width, classes, count, 1, 1, first, temperature));
        float[] result = tlab.Download();
        Assert.Equal(l, result[..plane]);   // L is kept
        for (int i = 0; i < count; i++)
        {
            var (a, b) = PatchReference.ClassToAb(Enumerable.Range(0, classes).Select(c => (double)logits[c * count + i]).ToArray(), codebook, temperature);
            // 2e-3 absolute: codewords up to 80 summed in float32 with the GPU's approximate exp (a few ulp each).
            Assert.True(Math.Abs(result[plane + first + i] - a) <= 2e-3 && Math.Abs(result[2 * plane + first + i] - b) <= 2e-3,
                $"pixel {first + i}: kernel ({result[plane + first + i]}, {result[2 * plane + first + i]}), reference ({a}, {b})");
        }
        for (int p = 0; p < plane; p++)
            if (p < first || p >= first + count)
                Assert.True(float.IsNaN(result[plane + p]), $"pixel {p} outside the chunk was written");
    }

    [Theory]
    [MemberData(nameof(PatchCases))]
    public void Patches_match_the_reference(string deviceId, int height, int width, int k, int dilation)
    {
        ComputeDevice device = TestDevices.Get(deviceId);
        int plane = height * width;
        float[] lab = TestData.Uniform(3 * plane, 0, 100, plane + k);
        int[] centres = Enumerable.Range(0, Math.Min(plane, 40)).Select(i => (i * 7919) % plane).ToArray();
        int n = centres.Length;
        using Tensor<float> tl = device.Upload("lab", Shape.Nchw(1, 3, height, width), lab);
        using Tensor<int> tc = device.Upload("centres", new Shape(n), centres);
        using Tensor<float> tp = device.Upload("patches", new Shape(k * k, n), TestData.Filled(k * k * n, float.NaN));
        PatchOps.ExtractPatches(device, tl.View, tc.View, tp.View, new PatchArgs(height, width, k, n, 0, 1, 0, 0f, dilation));
        float[] patches = tp.Download();
        for (int i = 0; i < n; i++)
        {
            double[] expected = PatchReference.Patch(lab, height, width, centres[i], k, dilation);
            for (int f = 0; f < k * k; f++)
                Assert.Equal(expected[f], patches[f * n + i], 1e-6);   // a copy times 0.01: float rounding only
        }
    }
}
