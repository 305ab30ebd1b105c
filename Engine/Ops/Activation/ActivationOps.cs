using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Launch;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Activation;
using ColorKernels.Kernels.Common;
using ILGPU;
using ILGPU.Runtime;
using static ColorKernels.Engine.Ops.OpChecks;

namespace ColorKernels.Engine.Ops;

/// <summary>ReLU and tanh, forward and backward (Kernels/Activation; reference ActivationReference).</summary>
internal static class ActivationOps
{
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ChannelArgs>> ReluKernel = new(ActivationKernels.ReluKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, ChannelArgs>> ReluBackwardKernel = new(ActivationKernels.ReluBackwardKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ChannelArgs>> TanhKernel = new(ActivationKernels.TanhKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, ChannelArgs>> TanhBackwardKernel = new(ActivationKernels.TanhBackwardKernel);

    /// <summary>y = max(x, 0); x and y may be one tensor.</summary>
    public static void Relu(Tensor<float> x, Tensor<float> y)
    {
        Expect(y, x.Shape);
        ComputeDevice d = SameDevice(x, y, y);
        ElementLaunch l = d.Launcher.ForElements(x.Elements);
        using (d.Launcher.Time(ReluKernel, x.Elements, 8.0 * x.Elements))
            d.Kernels.Load(ReluKernel)(d.Stream, l.Config, x.View, y.View, new ChannelArgs(1, 1, x.Elements, l.RunLength));
    }

    /// <summary>dx = dy where y &gt; 0 (y the ReLU's output); activation gradients are assigned.</summary>
    public static void ReluBackward(Tensor<float> y, Tensor<float> dy, Tensor<float> dx)
    {
        Expect(dy, y.Shape);
        Expect(dx, y.Shape);
        ComputeDevice d = SameDevice(y, dy, dx);
        ElementLaunch l = d.Launcher.ForElements(y.Elements);
        using (d.Launcher.Time(ReluBackwardKernel, y.Elements, 12.0 * y.Elements))
            d.Kernels.Load(ReluBackwardKernel)(d.Stream, l.Config, y.View, dy.View, dx.View, new ChannelArgs(1, 1, y.Elements, l.RunLength));
    }

    /// <summary>y = tanh(x); x and y may be one tensor.</summary>
    public static void Tanh(Tensor<float> x, Tensor<float> y)
    {
        Expect(y, x.Shape);
        ComputeDevice d = SameDevice(x, y, y);
        ElementLaunch l = d.Launcher.ForElements(x.Elements);
        using (d.Launcher.Time(TanhKernel, 4.0 * x.Elements, 8.0 * x.Elements))
            d.Kernels.Load(TanhKernel)(d.Stream, l.Config, x.View, y.View, new ChannelArgs(1, 1, x.Elements, l.RunLength));
    }

    /// <summary>dx = dy (1 - y^2) (y the tanh's output); dy and dx may be one tensor; assigned.</summary>
    public static void TanhBackward(Tensor<float> y, Tensor<float> dy, Tensor<float> dx)
    {
        Expect(dy, y.Shape);
        Expect(dx, y.Shape);
        ComputeDevice d = SameDevice(y, dy, dx);
        ElementLaunch l = d.Launcher.ForElements(y.Elements);
        using (d.Launcher.Time(TanhBackwardKernel, 3.0 * y.Elements, 12.0 * y.Elements))
            d.Kernels.Load(TanhBackwardKernel)(d.Stream, l.Config, y.View, dy.View, dx.View, new ChannelArgs(1, 1, y.Elements, l.RunLength));
    }
}
