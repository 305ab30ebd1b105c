using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Launch;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Optimizer;
using ILGPU;
using ILGPU.Runtime;
using static ColorKernels.Engine.Ops.OpChecks;

namespace ColorKernels.Engine.Ops;

/// <summary>Optimiser steps, one parameter tensor a launch (Kernels/Optimizer; reference OptimizerReference).</summary>
internal static class OptimizerOps
{
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, OptimizerArgs>> AdamKernel = new(OptimizerKernels.AdamKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, OptimizerArgs>> SgdMomentumKernel = new(OptimizerKernels.SgdMomentumKernel);

    /// <summary>One Adam step for one parameter tensor (t is the 1-based step number).</summary>
    public static void Adam(Tensor<float> param, Tensor<float> grad, Tensor<float> m, Tensor<float> v, float lr, float beta1, float beta2,
        float eps, float weightDecay, int t, float gradScale)
    {
        Expect(grad, param.Shape);
        Expect(m, param.Shape);
        Expect(v, param.Shape);
        ComputeDevice d = param.Device;
        ElementLaunch l = d.Launcher.ForElements(param.Elements);
        var args = new OptimizerArgs(param.Elements, lr, beta1, beta2, eps, weightDecay,
            (float)(1 - Math.Pow(beta1, t)), (float)(1 - Math.Pow(beta2, t)), gradScale, l.RunLength);
        using (d.Launcher.Time(AdamKernel, 14.0 * param.Elements, 28.0 * param.Elements))
            d.Kernels.Load(AdamKernel)(d.Stream, l.Config, param.View, grad.View, m.View, v.View, args);
    }

    /// <summary>One SGD-with-momentum step for one parameter tensor.</summary>
    public static void Sgd(Tensor<float> param, Tensor<float> grad, Tensor<float> velocity, float lr, float momentum, float weightDecay, float gradScale)
    {
        Expect(grad, param.Shape);
        Expect(velocity, param.Shape);
        ComputeDevice d = param.Device;
        ElementLaunch l = d.Launcher.ForElements(param.Elements);
        var args = new OptimizerArgs(param.Elements, lr, momentum, 0f, 0f, weightDecay, 1f, 1f, gradScale, l.RunLength);
        using (d.Launcher.Time(SgdMomentumKernel, 5.0 * param.Elements, 20.0 * param.Elements))
            d.Kernels.Load(SgdMomentumKernel)(d.Stream, l.Config, param.View, grad.View, velocity.View, args);
    }
}
