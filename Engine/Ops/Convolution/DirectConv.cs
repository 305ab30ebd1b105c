using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Launch;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Convolution;
using ILGPU;
using ILGPU.Runtime;
using static ColorKernels.Engine.Ops.ConvBackends;

namespace ColorKernels.Engine.Ops;

/// <summary>
/// The direct kernels (Kernels.Convolution.Conv2dKernels): one thread per output element, reading its
/// window from global memory. The plain baseline the other backends are timed against.
/// </summary>
internal sealed class DirectConv : IConvBackend
{
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, Floats, Conv2dArgs>> Conv2dForwardKernel = new(Conv2dKernels.Conv2dForwardKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, Floats, Conv2dArgs>> ConvTranspose2dForwardKernel = new(Conv2dKernels.ConvTranspose2dForwardKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Conv2dArgs>> Conv2dBackwardDataKernel = new(Conv2dKernels.Conv2dBackwardDataKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Conv2dArgs>> Conv2dBackwardWeightKernel = new(Conv2dKernels.Conv2dBackwardWeightKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Conv2dArgs>> ConvTranspose2dBackwardDataKernel = new(Conv2dKernels.ConvTranspose2dBackwardDataKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Conv2dArgs>> ConvTranspose2dBackwardWeightKernel = new(Conv2dKernels.ConvTranspose2dBackwardWeightKernel);

    public static DirectConv Instance { get; } = new();

    public ConvAlgorithm Algorithm => ConvAlgorithm.Direct;

    public void Forward(Tensor<float> input, Tensor<float> weight, Tensor<float>? bias, Tensor<float> output, Conv2dArgs g, Tensor<float>? scale, Tensor<float>? shift) =>
        LaunchForward(Conv2dForwardKernel, input, weight, bias, output, g, scale, shift, 2.0 * output.Elements * g.InC * g.Kernel * g.Kernel);

    public void TransposedForward(Tensor<float> input, Tensor<float> weight, Tensor<float>? bias, Tensor<float> output, Conv2dArgs t, Tensor<float>? scale, Tensor<float>? shift) =>
        LaunchForward(ConvTranspose2dForwardKernel, input, weight, bias, output, t, scale, shift, 2.0 * input.Elements * t.OutC * t.Kernel * t.Kernel);

    private static void LaunchForward(Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, Floats, Conv2dArgs>> kernel,
        Tensor<float> input, Tensor<float> weight, Tensor<float>? bias, Tensor<float> output, Conv2dArgs g, Tensor<float>? scale, Tensor<float>? shift, double flops)
    {
        ComputeDevice d = output.Device;
        ElementLaunch launch = d.Launcher.ForElements(output.Elements);
        // Absent optional tensors are passed as the weight view: the kernel never reads them (flags say so).
        using (d.Launcher.Time(kernel, flops, 4.0 * (input.Elements + weight.Elements + output.Elements)))
            d.Kernels.Load(kernel)(d.Stream, launch.Config, input.View, weight.View, (bias ?? weight).View,
                (scale ?? weight).View, (shift ?? weight).View, output.View, g.WithRunLength(launch.RunLength));
    }

    public void BackwardData(Tensor<float> weight, Tensor<float> dOutput, Tensor<float> dInput, Conv2dArgs g) =>
        LaunchGradient(Conv2dBackwardDataKernel, dOutput, weight, dInput, g, dInput.Elements);

    public void BackwardWeight(Tensor<float> input, Tensor<float> dOutput, Tensor<float> dWeight, Conv2dArgs g) =>
        LaunchGradient(Conv2dBackwardWeightKernel, input, dOutput, dWeight, g, dWeight.Elements);

    public void TransposedBackwardData(Tensor<float> weight, Tensor<float> dOutput, Tensor<float> dInput, Conv2dArgs t) =>
        LaunchGradient(ConvTranspose2dBackwardDataKernel, dOutput, weight, dInput, t, dInput.Elements);

    public void TransposedBackwardWeight(Tensor<float> input, Tensor<float> dOutput, Tensor<float> dWeight, Conv2dArgs t) =>
        LaunchGradient(ConvTranspose2dBackwardWeightKernel, input, dOutput, dWeight, t, dWeight.Elements);

    /// <summary>One thread per element of the gradient written (<paramref name="elements"/> of <paramref name="result"/>).</summary>
    private static void LaunchGradient(Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Conv2dArgs>> kernel,
        Tensor<float> a, Tensor<float> b, Tensor<float> result, Conv2dArgs g, int elements)
    {
        ComputeDevice d = result.Device;
        ElementLaunch l = d.Launcher.ForElements(elements);
        using (d.Launcher.Time(kernel, 0, 4.0 * (a.Elements + b.Elements + result.Elements)))
            d.Kernels.Load(kernel)(d.Stream, l.Config, a.View, b.View, result.View, g.WithRunLength(l.RunLength));
    }
}
