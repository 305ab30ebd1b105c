using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Convolution;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Ops;

/// <summary>
/// Forward and transposed convolution against <see cref="Conv2dReference"/> (double accumulators) on every
/// accelerator, over boundary shapes (1, 31, 32, 33, odd, non-square), strides, paddings, dilations and
/// every epilogue. Tolerance: atol 1e-4 + rtol 1e-4. Inputs and weights are uniform in [-1, 1] and sums
/// have at most a few hundred terms, so float32 accumulation error is ~1e-5; a wrong index is off by O(1).
/// </summary>
public class Conv2dTests
{
    private const double Atol = 1e-4, Rtol = 1e-4;

    // (N, InC, H, W, OutC, K, stride, pad, dilation)
    private static readonly (int N, int C, int H, int W, int O, int K, int S, int P, int D)[] ForwardCases =
    {
        (1, 1, 1, 1, 1, 1, 1, 0, 1),
        (1, 1, 1, 1, 2, 3, 1, 1, 1),
        (1, 3, 31, 31, 4, 3, 1, 1, 1),
        (2, 2, 32, 32, 3, 3, 2, 1, 1),
        (1, 3, 33, 33, 2, 3, 1, 2, 2),
        (1, 5, 17, 5, 3, 3, 2, 1, 1),
        (2, 4, 7, 9, 6, 1, 1, 0, 1),
        (1, 2, 33, 32, 3, 3, 2, 1, 1),
        (1, 3, 8, 11, 2, 3, 1, 2, 2),
    };

    // (N, InC, H, W, OutC, K, stride, pad)
    private static readonly (int N, int C, int H, int W, int O, int K, int S, int P)[] TransposedCases =
    {
        (1, 1, 1, 1, 1, 4, 2, 1),
        (2, 2, 1, 1, 3, 4, 2, 1),
        (1, 3, 5, 5, 2, 4, 2, 1),
        (1, 2, 16, 16, 3, 4, 2, 1),
        (1, 2, 17, 8, 2, 4, 2, 1),
        (1, 3, 7, 9, 2, 3, 1, 1),
        (1, 2, 4, 6, 3, 3, 2, 0),
    };

    public static IEnumerable<object[]> Forward =>
        from d in TestDevices.AllConv from i in Enumerable.Range(0, ForwardCases.Length) from e in Epilogues
        select new object[] { d[0], i, e };

    public static IEnumerable<object[]> Transposed =>
        from d in TestDevices.AllConv from i in Enumerable.Range(0, TransposedCases.Length) from e in Epilogues
        select new object[] { d[0], i, e };

    private static readonly ConvEpilogue[] Epilogues = { ConvEpilogue.None, ConvEpilogue.Relu, ConvEpilogue.ReluAffine };

    public static IEnumerable<object[]> BackwardCases =>
        from d in TestDevices.AllConv from i in Enumerable.Range(0, ForwardCases.Length) select new object[] { d[0], i, false };

    public static IEnumerable<object[]> TransposedBackwardCases =>
        from d in TestDevices.AllConv from i in Enumerable.Range(0, TransposedCases.Length) select new object[] { d[0], i, true };

    /// <summary>
    /// Data and weight gradients, every element, against the scatter-form references (the finite-difference
    /// checks in Conv2dGradientTests sample 40 elements; this catches a wrong index anywhere). dIn starts as
    /// NaN (every element must be written), dW as 1 (it must accumulate). Same tolerance as the forward: sums
    /// of at most ~2,200 products of values in [-1, 1].
    /// </summary>
    [Theory]
    [MemberData(nameof(BackwardCases))]
    [MemberData(nameof(TransposedBackwardCases))]
    public void Conv_backward_matches_reference_everywhere(string deviceId, int caseIndex, bool transposed)
    {
        ComputeDevice device = TestDevices.Get(deviceId);
        Conv2dArgs a;
        if (transposed)
        {
            var c = TransposedCases[caseIndex];
            a = new Conv2dArgs(c.N, c.C, c.H, c.W, c.O, Conv2dArgs.TransposedOutputSize(c.H, c.K, c.S, c.P),
                Conv2dArgs.TransposedOutputSize(c.W, c.K, c.S, c.P), c.K, c.S, c.P, 1, false, ConvEpilogue.None, 1);
        }
        else
        {
            var c = ForwardCases[caseIndex];
            a = new Conv2dArgs(c.N, c.C, c.H, c.W, c.O, Conv2dArgs.ForwardOutputSize(c.H, c.K, c.S, c.P, c.D),
                Conv2dArgs.ForwardOutputSize(c.W, c.K, c.S, c.P, c.D), c.K, c.S, c.P, c.D, false, ConvEpilogue.None, 1);
        }
        float[] x = TestData.Uniform(a.N * a.InC * a.InH * a.InW, -1, 1, 21 + caseIndex);
        float[] w = TestData.Uniform(a.InC * a.OutC * a.Kernel * a.Kernel, -1, 1, 22 + caseIndex);
        float[] dy = TestData.Uniform(a.OutputElements, -1, 1, 23 + caseIndex);
        using var tx = device.Upload("x", Shape.Nchw(a.N, a.InC, a.InH, a.InW), x);
        using var tw = device.Upload("w", transposed ? Shape.Nchw(a.InC, a.OutC, a.Kernel, a.Kernel) : Shape.Nchw(a.OutC, a.InC, a.Kernel, a.Kernel), w);
        using var tdy = device.Upload("dy", Shape.Nchw(a.N, a.OutC, a.OutH, a.OutW), dy);
        using var dx = device.Upload("dx", tx.Shape, TestData.Filled(x.Length, float.NaN));
        using var dw = device.Upload("dw", tw.Shape, TestData.Filled(w.Length, 1f));
        if (transposed)
            Conv2dOps.TransposedBackward(tx, tw, tdy, dx, dw, null, a.Stride, a.Pad);
        else
            Conv2dOps.Backward(tx, tw, tdy, dx, dw, null, a.Stride, a.Pad, a.Dilation);

        string what = $"{(transposed ? "transposed" : "conv")} case {caseIndex}";
        AssertClose.All(Conv2dReference.BackwardData(dy, w, a, transposed), dx.Download(), Atol, Rtol, what + " dx");
        AssertClose.All(Conv2dReference.BackwardWeight(x, dy, a, transposed).Select(v => v + 1).ToArray(), dw.Download(), Atol, Rtol, what + " dw");
    }

    [Theory]
    [MemberData(nameof(Forward))]
    public void Conv2dForward_matches_reference(string deviceId, int caseIndex, ConvEpilogue epilogue)
    {
        var c = ForwardCases[caseIndex];
        ComputeDevice device = TestDevices.Get(deviceId);
        int oh = Conv2dArgs.ForwardOutputSize(c.H, c.K, c.S, c.P, c.D), ow = Conv2dArgs.ForwardOutputSize(c.W, c.K, c.S, c.P, c.D);
        var args = new Conv2dArgs(c.N, c.C, c.H, c.W, c.O, oh, ow, c.K, c.S, c.P, c.D, true, epilogue, 1);
        float[] x = TestData.Uniform(c.N * c.C * c.H * c.W, -1, 1, 1 + caseIndex);
        float[] w = TestData.Uniform(c.O * c.C * c.K * c.K, -1, 1, 2 + caseIndex);
        float[] b = TestData.Uniform(c.O, -1, 1, 3 + caseIndex);
        float[] scale = TestData.Uniform(c.O, 0.5f, 2f, 4), shift = TestData.Uniform(c.O, -1, 1, 5);

        using var input = device.Upload("x", Shape.Nchw(c.N, c.C, c.H, c.W), x);
        using var weight = device.Upload("w", Shape.Nchw(c.O, c.C, c.K, c.K), w);
        using var bias = device.Upload("b", new Shape(c.O), b);
        using var sc = device.Upload("scale", new Shape(c.O), scale);
        using var sh = device.Upload("shift", new Shape(c.O), shift);
        using var output = device.Upload("y", Shape.Nchw(c.N, c.O, oh, ow), TestData.Filled(args.OutputElements, float.NaN));

        Conv2dOps.Forward(input, weight, bias, output, c.S, c.P, c.D, epilogue, sc, sh);

        AssertClose.All(Conv2dReference.Forward(x, w, b, scale, shift, args), output.Download(), Atol, Rtol, $"conv case {caseIndex} {epilogue}");
    }

    [Theory]
    [MemberData(nameof(Transposed))]
    public void ConvTranspose2dForward_matches_scatter_reference(string deviceId, int caseIndex, ConvEpilogue epilogue)
    {
        var c = TransposedCases[caseIndex];
        ComputeDevice device = TestDevices.Get(deviceId);
        int oh = Conv2dArgs.TransposedOutputSize(c.H, c.K, c.S, c.P), ow = Conv2dArgs.TransposedOutputSize(c.W, c.K, c.S, c.P);
        var args = new Conv2dArgs(c.N, c.C, c.H, c.W, c.O, oh, ow, c.K, c.S, c.P, 1, true, epilogue, 1);
        float[] x = TestData.Uniform(c.N * c.C * c.H * c.W, -1, 1, 11 + caseIndex);
        float[] w = TestData.Uniform(c.C * c.O * c.K * c.K, -1, 1, 12 + caseIndex);
        float[] b = TestData.Uniform(c.O, -1, 1, 13 + caseIndex);
        float[] scale = TestData.Uniform(c.O, 0.5f, 2f, 14), shift = TestData.Uniform(c.O, -1, 1, 15);

        using var input = device.Upload("x", Shape.Nchw(c.N, c.C, c.H, c.W), x);
        using var weight = device.Upload("w", Shape.Nchw(c.C, c.O, c.K, c.K), w);
        using var bias = device.Upload("b", new Shape(c.O), b);
        using var sc = device.Upload("scale", new Shape(c.O), scale);
        using var sh = device.Upload("shift", new Shape(c.O), shift);
        using var output = device.Upload("y", Shape.Nchw(c.N, c.O, oh, ow), TestData.Filled(args.OutputElements, float.NaN));

        Conv2dOps.TransposedForward(input, weight, bias, output, c.S, c.P, epilogue, sc, sh);

        AssertClose.All(Conv2dReference.TransposedForward(x, w, b, scale, shift, args), output.Download(), Atol, Rtol, $"transposed case {caseIndex} {epilogue}");
    }

    [Theory]
    [MemberData(nameof(Devices))]
    public void Conv2d_without_bias_adds_nothing(string deviceId)
    {
        ComputeDevice device = TestDevices.Get(deviceId);
        float[] x = TestData.Uniform(2 * 9 * 7, -1, 1, 21), w = TestData.Uniform(3 * 2 * 9, -1, 1, 22);
        using var input = device.Upload("x", Shape.Nchw(1, 2, 9, 7), x);
        using var weight = device.Upload("w", Shape.Nchw(3, 2, 3, 3), w);
        using var output = device.Upload("y", Shape.Nchw(1, 3, 9, 7), TestData.Filled(3 * 63, float.NaN));
        Conv2dOps.Forward(input, weight, null, output, 1, 1);
        var args = new Conv2dArgs(1, 2, 9, 7, 3, 9, 7, 3, 1, 1, 1, false, ConvEpilogue.None, 1);
        AssertClose.All(Conv2dReference.Forward(x, w, null, null, null, args), output.Download(), Atol, Rtol);
    }

    public static IEnumerable<object[]> Devices => TestDevices.All;

    [Fact]
    public void Mismatched_shapes_are_refused()
    {
        ComputeDevice device = TestDevices.Get("cpu:0");
        using var input = device.Allocate<float>("x", Shape.Nchw(1, 2, 8, 8));
        using var weight = device.Allocate<float>("w", Shape.Nchw(3, 4, 3, 3));
        using var output = device.Allocate<float>("y", Shape.Nchw(1, 3, 8, 8));
        var e = Assert.Throws<ArgumentException>(() => Conv2dOps.Forward(input, weight, null, output, 1, 1));
        Assert.Contains("'w'", e.Message);
    }
}
