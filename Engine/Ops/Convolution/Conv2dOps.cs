using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Launch;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Convolution;
using ILGPU;
using ILGPU.Runtime;
using static ColorKernels.Engine.Ops.OpChecks;

namespace ColorKernels.Engine.Ops;

/// <summary>
/// Convolution and transposed convolution over NCHW tensors, forward and backward (Kernels/Convolution;
/// reference Conv2dReference). Each op checks shapes and devices, then hands the passes to the device's
/// <see cref="IConvBackend"/> (direct, lowered GEMM, tiled or tiled-large, chosen once per device).
/// Forward passes may fuse a bias and an epilogue (ReLU, or ReLU then a per-channel scale and shift).
/// Backward passes: the data gradient is assigned, weight and bias gradients accumulate.
/// </summary>
internal static class Conv2dOps
{
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Conv2dArgs>> ConvBiasBackwardKernel = new(Conv2dKernels.ConvBiasBackwardKernel);

    /// <summary>Convolution: weight [OutC, InC, K, K], optional bias [OutC]; output shape must be the forward size.</summary>
    public static void Forward(Tensor<float> input, Tensor<float> weight, Tensor<float>? bias, Tensor<float> output,
        int stride = 1, int pad = 0, int dilation = 1, ConvEpilogue epilogue = ConvEpilogue.None,
        Tensor<float>? scale = null, Tensor<float>? shift = null)
    {
        Shape x = Rank4(input), w = Rank4(weight);
        if (w[1] != x[1] || w[2] != w[3])
            throw new ArgumentException($"conv weight '{weight.Name}' {w} does not fit input '{input.Name}' {x} (expected [OutC, {x[1]}, K, K])");
        int oh = Conv2dArgs.ForwardOutputSize(x[2], w[2], stride, pad, dilation);
        int ow = Conv2dArgs.ForwardOutputSize(x[3], w[2], stride, pad, dilation);
        Expect(output, new Shape(x[0], w[0], oh, ow));
        ComputeDevice d = SameDevice(input, weight, output);
        CheckOptional(bias, scale, shift, w[0], epilogue);
        var g = Conv2dArgs.Forward(x[0], x[1], x[2], x[3], w[0], w[2], stride, pad, dilation, bias is not null, epilogue);
        d.ConvBackend.Forward(input, weight, bias, output, g, scale, shift);
    }

    /// <summary>Transposed convolution: weight [InC, OutC, K, K] (PyTorch's layout), optional bias [OutC].</summary>
    public static void TransposedForward(Tensor<float> input, Tensor<float> weight, Tensor<float>? bias, Tensor<float> output,
        int stride, int pad, ConvEpilogue epilogue = ConvEpilogue.None, Tensor<float>? scale = null, Tensor<float>? shift = null)
    {
        Shape x = Rank4(input), w = Rank4(weight);
        if (w[0] != x[1] || w[2] != w[3])
            throw new ArgumentException($"transposed-conv weight '{weight.Name}' {w} does not fit input '{input.Name}' {x} (expected [{x[1]}, OutC, K, K])");
        int oh = Conv2dArgs.TransposedOutputSize(x[2], w[2], stride, pad);
        int ow = Conv2dArgs.TransposedOutputSize(x[3], w[2], stride, pad);
        Expect(output, new Shape(x[0], w[1], oh, ow));
        ComputeDevice d = SameDevice(input, weight, output);
        CheckOptional(bias, scale, shift, w[1], epilogue);
        var t = Conv2dArgs.Transposed(x[0], x[1], x[2], x[3], w[1], w[2], stride, pad, bias is not null, epilogue);
        d.ConvBackend.TransposedForward(input, weight, bias, output, t, scale, shift);
    }

    /// <summary>Backward of <see cref="Forward"/> (epilogue None): dInput = (optional), dWeight += , dBias += (optional).</summary>
    public static void Backward(Tensor<float> input, Tensor<float> weight, Tensor<float> dOutput, Tensor<float>? dInput,
        Tensor<float> dWeight, Tensor<float>? dBias, int stride, int pad, int dilation = 1)
    {
        Shape x = input.Shape, w = weight.Shape, y = dOutput.Shape;
        Expect(dWeight, w);
        if (dInput is not null)
            Expect(dInput, x);
        if (y[1] != w[0] || y[2] != Conv2dArgs.ForwardOutputSize(x[2], w[2], stride, pad, dilation) || y[3] != Conv2dArgs.ForwardOutputSize(x[3], w[2], stride, pad, dilation))
            throw new ArgumentException($"conv gradient '{dOutput.Name}' {y} does not match input {x} and weight {w}");
        ComputeDevice d = input.Device;
        var g = Conv2dArgs.Forward(x[0], x[1], x[2], x[3], w[0], w[2], stride, pad, dilation);
        if (dInput is not null)
            d.ConvBackend.BackwardData(weight, dOutput, dInput, g);
        d.ConvBackend.BackwardWeight(input, dOutput, dWeight, g);
        if (dBias is not null)
            BiasBackward(dOutput, dBias, g);
    }

    /// <summary>Backward of <see cref="TransposedForward"/> (epilogue None).</summary>
    public static void TransposedBackward(Tensor<float> input, Tensor<float> weight, Tensor<float> dOutput, Tensor<float>? dInput,
        Tensor<float> dWeight, Tensor<float>? dBias, int stride, int pad)
    {
        Shape x = input.Shape, w = weight.Shape, y = dOutput.Shape;
        Expect(dWeight, w);
        if (dInput is not null)
            Expect(dInput, x);
        if (y[1] != w[1] || y[2] != Conv2dArgs.TransposedOutputSize(x[2], w[2], stride, pad) || y[3] != Conv2dArgs.TransposedOutputSize(x[3], w[2], stride, pad))
            throw new ArgumentException($"transposed-conv gradient '{dOutput.Name}' {y} does not match input {x} and weight {w}");
        ComputeDevice d = input.Device;
        var t = Conv2dArgs.Transposed(x[0], x[1], x[2], x[3], w[1], w[2], stride, pad);
        if (dInput is not null)
            d.ConvBackend.TransposedBackwardData(weight, dOutput, dInput, t);
        d.ConvBackend.TransposedBackwardWeight(input, dOutput, dWeight, t);
        if (dBias is not null)
            BiasBackward(dOutput, dBias, t);
    }

    /// <summary>dBias[c] += sum over n, y, x of dOut[n, c, y, x] (the bias gradient of any layer with an NCHW output).</summary>
    public static void BiasBackward(Tensor<float> dOut, Tensor<float> dBias)
    {
        Shape s = dOut.Shape;
        BiasBackward(dOut, dBias, Conv2dArgs.Forward(s[0], s[1], s[2], s[3], outC: s[1], kernel: 1));
    }

    /// <summary>The bias gradient of a layer of geometry <paramref name="g"/> (reads its N, OutC, OutH and OutW).</summary>
    private static void BiasBackward(Tensor<float> dOut, Tensor<float> dBias, Conv2dArgs g)
    {
        Expect(dBias, new Shape(g.OutC));
        ComputeDevice d = dOut.Device;
        ElementLaunch l = d.Launcher.ForElements(g.OutC);
        using (d.Launcher.Time(ConvBiasBackwardKernel, dOut.Elements, 4.0 * dOut.Elements))
            d.Kernels.Load(ConvBiasBackwardKernel)(d.Stream, l.Config, dOut.View, dBias.View, g.WithRunLength(l.RunLength));
    }

    private static void CheckOptional(Tensor<float>? bias, Tensor<float>? scale, Tensor<float>? shift, int outC, ConvEpilogue epilogue)
    {
        if (bias is not null)
            Expect(bias, new Shape(outC));
        if (epilogue == ConvEpilogue.ReluAffine)
        {
            Expect(scale ?? throw new ArgumentException("ReluAffine needs scale and shift"), new Shape(outC));
            Expect(shift ?? throw new ArgumentException("ReluAffine needs scale and shift"), new Shape(outC));
        }
    }
}
