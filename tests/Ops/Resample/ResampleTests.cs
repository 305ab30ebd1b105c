using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Resample;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Ops;

/// <summary>Bilinear resizing against ResampleReference on more sizes than the op table's (identity, 1 x 1, x4, odd downscales); channel ranges with scale and shift are the table's (ResampleCases).</summary>
public class ResampleTests
{
    public static IEnumerable<object[]> Devices => TestDevices.Accelerators;

    // (N, C, inH, inW, outH, outW): x4 upsampling as ECCV16 does, downsampling, identity, 1x1 sources, odd ratios.
    private static readonly (int N, int C, int IH, int IW, int OH, int OW)[] ResizeCases =
    {
        (1, 2, 8, 8, 32, 32), (2, 2, 1, 1, 4, 4), (1, 1, 33, 31, 8, 8), (1, 3, 31, 33, 31, 33),
        (1, 2, 5, 7, 17, 3), (1, 1, 64, 64, 1, 1), (1, 2, 16, 9, 64, 36),
    };

    public static IEnumerable<object[]> Resizes =>
        from d in TestDevices.Accelerators from i in Enumerable.Range(0, ResizeCases.Length) select new object[] { d[0], i };

    [Theory]
    [MemberData(nameof(Resizes))]
    public void ResizeBilinear_matches_reference(string deviceId, int caseIndex)
    {
        // Tolerance 1e-5: two lerps in float32 on values in [-1, 1].
        var (n, c, ih, iw, oh, ow) = ResizeCases[caseIndex];
        ComputeDevice device = TestDevices.Get(deviceId);
        float[] x = TestData.Uniform(n * c * ih * iw, -1, 1, caseIndex);
        using var src = device.Upload("src", Shape.Nchw(n, c, ih, iw), x);
        using var dst = device.Upload("dst", Shape.Nchw(n, c, oh, ow), TestData.Filled(n * c * oh * ow, float.NaN));
        ResampleOps.ResizeBilinear(src, 0, c, dst, 0);
        var args = new ResizeArgs(n, c, c, 0, ih, iw, c, 0, oh, ow, 1f, 0f, 1);
        AssertClose.All(ResampleReference.ResizeBilinear(x, new double[n * c * oh * ow], args), dst.Download(), 1e-5, 0);
    }

}
