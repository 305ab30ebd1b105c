using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Patches;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Ops;

/// <summary>The patch kernel beyond the op table: patches (plain and dilated) on many picture shapes. (The MLP's classes are decoded by the palette decode: its cases, chunked layout included, are in the op table.)</summary>
public class PatchTests
{
    public static IEnumerable<object[]> PatchCases =>
        TestDevices.Accelerators.SelectMany(d => new[] { (1, 1), (31, 1), (32, 33), (9, 17) }.SelectMany(hw =>
            new[] { (3, 1), (5, 1), (5, 4), (7, 3) }.Select(kd => new object[] { d[0], hw.Item1, hw.Item2, kd.Item1, kd.Item2 })));

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
        PatchOps.ExtractPatches(device, tl.View, tc.View, tp.View, new PatchArgs(height, width, k, n, 0, 1, 0, dilation));
        float[] patches = tp.Download();
        for (int i = 0; i < n; i++)
        {
            double[] expected = PatchReference.Patch(lab, height, width, centres[i], k, dilation);
            for (int f = 0; f < k * k; f++)
                Assert.Equal(expected[f], patches[f * n + i], 1e-6);   // a copy times 0.01: float rounding only
        }
    }
}
