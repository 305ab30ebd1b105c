using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Launch;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Common;
using ColorKernels.Kernels.Convolution;
using ColorKernels.Kernels.Resample;

namespace ColorKernels.Engine.Nn;

/// <summary>
/// Host side of the network kernels: every call checks the tensors' shapes and devices, builds the
/// argument struct, and launches through the device's launcher. Nothing here reads data back.
/// </summary>
public static class NnOps
{
    /// <summary>Convolution, NCHW: weight [OutC, InC, K, K], optional bias [OutC]; output shape must be the forward size.</summary>
    public static void Conv2d(Tensor<float> input, Tensor<float> weight, Tensor<float>? bias, Tensor<float> output,
        int stride = 1, int pad = 0, int dilation = 1, ConvEpilogue epilogue = ConvEpilogue.None,
        Tensor<float>? scale = null, Tensor<float>? shift = null)
    {
        Shape x = Rank4(input), w = Rank4(weight), y = Rank4(output);
        if (w[1] != x[1] || w[2] != w[3])
            throw new ArgumentException($"conv weight '{weight.Name}' {w} does not fit input '{input.Name}' {x} (expected [OutC, {x[1]}, K, K])");
        int oh = Conv2dArgs.ForwardOutputSize(x[2], w[2], stride, pad, dilation);
        int ow = Conv2dArgs.ForwardOutputSize(x[3], w[2], stride, pad, dilation);
        Expect(output, new Shape(x[0], w[0], oh, ow));
        if (input.Device.ConvAlgorithm != ConvAlgorithm.Direct)
        {
            SameDevice(input, weight, output);
            CheckOptional(bias, scale, shift, w[0], epilogue);
            var g = new Conv2dArgs(x[0], x[1], x[2], x[3], w[0], oh, ow, w[2], stride, pad, dilation, bias is not null, epilogue, 1);
            if (input.Device.UsesTiledConv)
                TiledConv.Forward(input, weight, bias, output, g, scale, shift);
            else
                CpuConv.Forward(input, weight, bias, output, g, scale, shift);
            return;
        }
        LaunchConv(input.Device.Kernels.Conv2dForward, input, weight, bias, output, w[0], w[2], stride, pad, dilation, epilogue, scale, shift);
    }

    /// <summary>Transposed convolution, NCHW: weight [InC, OutC, K, K] (PyTorch's layout), optional bias [OutC].</summary>
    public static void ConvTranspose2d(Tensor<float> input, Tensor<float> weight, Tensor<float>? bias, Tensor<float> output,
        int stride, int pad, ConvEpilogue epilogue = ConvEpilogue.None, Tensor<float>? scale = null, Tensor<float>? shift = null)
    {
        Shape x = Rank4(input), w = Rank4(weight);
        if (w[0] != x[1] || w[2] != w[3])
            throw new ArgumentException($"transposed-conv weight '{weight.Name}' {w} does not fit input '{input.Name}' {x} (expected [{x[1]}, OutC, K, K])");
        int oh = Conv2dArgs.TransposedOutputSize(x[2], w[2], stride, pad);
        int ow = Conv2dArgs.TransposedOutputSize(x[3], w[2], stride, pad);
        Expect(output, new Shape(x[0], w[1], oh, ow));
        if (input.Device.ConvAlgorithm != ConvAlgorithm.Direct)
        {
            SameDevice(input, weight, output);
            CheckOptional(bias, scale, shift, w[1], epilogue);
            var g = new Conv2dArgs(x[0], x[1], x[2], x[3], w[1], oh, ow, w[2], stride, pad, 1, bias is not null, epilogue, 1);
            if (input.Device.UsesTiledConv)
                TiledConv.TransposedForward(input, weight, bias, output, g, scale, shift);
            else
                CpuConv.TransposedForward(input, weight, bias, output, g, scale, shift);
            return;
        }
        LaunchConv(input.Device.Kernels.ConvTranspose2dForward, input, weight, bias, output, w[1], w[2], stride, pad, 1, epilogue, scale, shift);
    }

    private static void LaunchConv(
        NamedKernel<Action<ILGPU.Runtime.AcceleratorStream, ILGPU.KernelConfig, ILGPU.ArrayView<float>, ILGPU.ArrayView<float>,
            ILGPU.ArrayView<float>, ILGPU.ArrayView<float>, ILGPU.ArrayView<float>, ILGPU.ArrayView<float>, Conv2dArgs>> kernel,
        Tensor<float> input, Tensor<float> weight, Tensor<float>? bias, Tensor<float> output,
        int outC, int k, int stride, int pad, int dilation, ConvEpilogue epilogue, Tensor<float>? scale, Tensor<float>? shift)
    {
        ComputeDevice d = SameDevice(input, weight, output);
        CheckOptional(bias, scale, shift, outC, epilogue);
        Shape x = input.Shape, y = output.Shape;
        ElementLaunch launch = d.Launcher.ForElements(y.Elements);
        bool transposed = kernel.Name.StartsWith("ConvTranspose", StringComparison.Ordinal);
        d.Launcher.Cost(2.0 * (transposed ? x.Elements : y.Elements) * (transposed ? outC : x[1]) * k * k,
            4.0 * (x.Elements + weight.Elements + y.Elements));
        var args = new Conv2dArgs(x[0], x[1], x[2], x[3], y[1], y[2], y[3], k, stride, pad, dilation, bias is not null, epilogue, launch.RunLength);
        // Absent optional tensors are passed as the weight view: the kernel never reads them (flags say so).
        d.Launcher.Launch(kernel, launch.Config, input.View, weight.View, (bias ?? weight).View,
            (scale ?? weight).View, (shift ?? weight).View, output.View, args);
    }

    /// <summary>
    /// C = (acc ? C : 0) + A B (+ row bias, epilogue) on flat tensors at the offsets in <paramref name="g"/>
    /// (see Kernels.Convolution.GemmKernels). bias/scale/shift are read only when the flags ask for them.
    /// </summary>
    public static void Gemm(Tensor<float> a, Tensor<float> b, Tensor<float> c, GemmArgs g,
        Tensor<float> bias, Tensor<float> scale, Tensor<float> shift)
    {
        if (g.AOffset + (long)g.M * g.K > a.Elements || g.BOffset + (long)g.K * g.N > b.Elements || g.COffset + (long)g.M * g.N > c.Elements)
            throw new ArgumentException($"GEMM {g.M}x{g.N}x{g.K} at offsets {g.AOffset}, {g.BOffset}, {g.COffset} overruns '{a.Name}', '{b.Name}' or '{c.Name}'");
        if ((g.RowBias != 0 && bias.Elements < g.M) || (g.Epilogue == 2 && (scale.Elements < g.M || shift.Elements < g.M)))
            throw new ArgumentException($"GEMM row bias or scale/shift shorter than {g.M} rows");
        ComputeDevice d = SameDevice(a, b, c);
        // Tiles are handed out round-robin inside the kernel: enough threads to cover them, at most a full grid.
        ILGPU.KernelConfig config = d.Launcher.ForElements(g.Tiles).Config;
        d.Launcher.Cost(2.0 * g.M * g.N * g.K, 4.0 * ((double)g.M * g.K + (double)g.K * g.N + (g.Accumulate != 0 ? 2.0 : 1.0) * g.M * g.N));
        d.Launcher.Launch(d.Kernels.Gemm, config, a.View, b.View, c.View, bias.View, scale.View, shift.View, g);
    }

    /// <summary>destination[c, r] = source[r, c] for the first rows x cols elements of flat tensors.</summary>
    public static void Transpose(Tensor<float> source, Tensor<float> destination, int rows, int cols)
    {
        if ((long)rows * cols > source.Elements || (long)rows * cols > destination.Elements)
            throw new ArgumentException($"transpose of {rows}x{cols} overruns '{source.Name}' or '{destination.Name}'");
        ComputeDevice d = SameDevice(source, destination, destination);
        ElementLaunch l = d.Launcher.ForElements(rows * cols);
        d.Launcher.Launch(d.Kernels.Transpose, l.Config, source.View, destination.View, new ChannelArgs(rows, 1, cols, 0f, l.RunLength));
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

    /// <summary>Inference batch norm: y = (x - mean) / sqrt(var + eps) (* gamma + beta when affine); x and y may be one tensor.</summary>
    public static void BatchNormInference(Tensor<float> x, Tensor<float> mean, Tensor<float> variance,
        Tensor<float>? gamma, Tensor<float>? beta, Tensor<float> y, float eps = 1e-5f)
    {
        Shape s = Rank4(x);
        Expect(y, s);
        var perChannel = new Shape(s[1]);
        Expect(mean, perChannel);
        Expect(variance, perChannel);
        if ((gamma is null) != (beta is null))
            throw new ArgumentException("batch norm: give both gamma and beta, or neither");
        if (gamma is not null)
        {
            Expect(gamma, perChannel);
            Expect(beta!, perChannel);
        }
        ComputeDevice d = SameDevice(x, mean, y);
        ElementLaunch launch = d.Launcher.ForElements(s.Elements);
        d.Launcher.Cost(4.0 * s.Elements, 8.0 * s.Elements);
        var args = new ChannelArgs(s[0], s[1], s[2] * s[3], eps, launch.RunLength, gamma is null ? 0 : 1);
        d.Launcher.Launch(d.Kernels.BatchNormInference, launch.Config, x.View, mean.View, variance.View,
            (gamma ?? mean).View, (beta ?? mean).View, y.View, args);
    }

    /// <summary>y = max(x, 0); x and y may be one tensor.</summary>
    public static void Relu(Tensor<float> x, Tensor<float> y)
    {
        Expect(y, x.Shape);
        ComputeDevice d = SameDevice(x, y, y);
        ElementLaunch launch = d.Launcher.ForElements(x.Elements);
        d.Launcher.Cost(x.Elements, 8.0 * x.Elements);
        d.Launcher.Launch(d.Kernels.Relu, launch.Config, x.View, y.View, new ChannelArgs(1, 1, x.Elements, 0f, launch.RunLength));
    }

    /// <summary>Softmax across channels of [N, C, H, W] at temperature <paramref name="temperature"/> (> 0).</summary>
    public static void Softmax(Tensor<float> logits, Tensor<float> probabilities, float temperature = 1f)
    {
        Shape s = Rank4(logits);
        Expect(probabilities, s);
        CheckTemperature(temperature);
        ComputeDevice d = SameDevice(logits, probabilities, probabilities);
        ElementLaunch launch = d.Launcher.ForElements(s[0] * s[2] * s[3]);
        d.Launcher.Launch(d.Kernels.SoftmaxChannels, launch.Config, logits.View, probabilities.View,
            new ChannelArgs(s[0], s[1], s[2] * s[3], temperature, launch.RunLength));
    }

    /// <summary>ab [N, 2, H, W] = expected decode[:, q] under softmax(logits / T); logits [N, Q, H, W], decode [2, Q].</summary>
    public static void AnnealedMean(Tensor<float> logits, Tensor<float> decode, Tensor<float> ab, float temperature)
    {
        Shape s = Rank4(logits);
        Expect(decode, new Shape(2, s[1]));
        Expect(ab, new Shape(s[0], 2, s[2], s[3]));
        CheckTemperature(temperature);
        ComputeDevice d = SameDevice(logits, decode, ab);
        ElementLaunch launch = d.Launcher.ForElements(s[0] * s[2] * s[3]);
        d.Launcher.Cost(5.0 * s.Elements, 4.0 * (s.Elements + 2 * s[0] * s[2] * s[3]));
        d.Launcher.Launch(d.Kernels.AnnealedMean, launch.Config, logits.View, decode.View, ab.View,
            new ChannelArgs(s[0], s[1], s[2] * s[3], temperature, launch.RunLength));
    }

    /// <summary>
    /// Bilinear resize (align_corners = False) of <paramref name="channels"/> channels of
    /// <paramref name="source"/> starting at <paramref name="sourceOffset"/> into <paramref name="destination"/>
    /// starting at <paramref name="destinationOffset"/>, as value * scale + shift. Other channels of the
    /// destination are left as they are.
    /// </summary>
    public static void ResizeBilinear(Tensor<float> source, int sourceOffset, int channels, Tensor<float> destination,
        int destinationOffset, float scale = 1f, float shift = 0f)
    {
        Shape s = Rank4(source), t = Rank4(destination);
        if (s[0] != t[0] || sourceOffset < 0 || destinationOffset < 0 || channels < 1
            || sourceOffset + channels > s[1] || destinationOffset + channels > t[1])
            throw new ArgumentException($"resize of channels {sourceOffset}..{sourceOffset + channels - 1} of '{source.Name}' {s} into channels from {destinationOffset} of '{destination.Name}' {t} is out of range");
        ComputeDevice d = SameDevice(source, destination, destination);
        ElementLaunch launch = d.Launcher.ForElements(s[0] * channels * t[2] * t[3]);
        var args = new ResizeArgs(s[0], channels, s[1], sourceOffset, s[2], s[3], t[1], destinationOffset, t[2], t[3], scale, shift, launch.RunLength);
        d.Launcher.Launch(d.Kernels.ResizeBilinear, launch.Config, source.View, destination.View, args);
    }

    private static void CheckTemperature(float temperature)
    {
        if (!(temperature > 0f) || float.IsInfinity(temperature))
            throw new UserErrorException($"temperature {temperature}: must be a positive number (0.38 is the paper's; near 0 gives the mode, 1 the mean)");
    }

    private static Shape Rank4(Tensor<float> t) =>
        t.Shape.Rank == 4 ? t.Shape : throw new ArgumentException($"tensor '{t.Name}' must be NCHW; it is {t.Shape}");

    private static void Expect(Tensor<float> t, Shape expected)
    {
        if (!t.Shape.Equals(expected))
            throw new ArgumentException($"tensor '{t.Name}' is {t.Shape}; expected {expected}");
    }

    private static ComputeDevice SameDevice(Tensor<float> a, Tensor<float> b, Tensor<float> c)
    {
        if (!ReferenceEquals(a.Device, b.Device) || !ReferenceEquals(a.Device, c.Device))
            throw new ArgumentException($"tensors '{a.Name}', '{b.Name}', '{c.Name}' live on different devices");
        return a.Device;
    }
}
