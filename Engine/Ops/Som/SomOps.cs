using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Launch;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Common;
using ColorKernels.Kernels.Som;
using ILGPU;
using ILGPU.Runtime;

namespace ColorKernels.Engine.Ops;

/// <summary>
/// The self-organising map over ab colours (Kernels/Som; reference SomReference): best-matching units,
/// the batch and online updates, and quantising a picture to its codewords. Samples are [2, S] (an a
/// row, then a b row), codebooks [Neurons, 2].
/// </summary>
internal static class SomOps
{
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Ints, Ints, Floats, SomArgs>> BmuKernel = new(SomKernels.BmuKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Ints, Floats, SomArgs>> SomBatchUpdateKernel = new(SomKernels.SomBatchUpdateKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, SomArgs>> SomOnlineKernel = new(SomKernels.SomOnlineKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ImageBatchArgs, SomArgs>> SomQuantizeKernel = new(SomKernels.SomQuantizeKernel);

    /// <summary>Best-matching unit, second-best unit and squared distance of each of <paramref name="args"/>.Samples samples.</summary>
    public static void Bmu(Tensor<float> samples, Tensor<float> codebook, Tensor<int> bmu, Tensor<int> second, Tensor<float> distance, SomArgs args)
    {
        ComputeDevice d = samples.Device;
        ElementLaunch l = d.Launcher.ForElements(args.Samples);
        using (d.Launcher.Time(BmuKernel, 6.0 * args.Samples * args.Neurons, 4.0 * 5 * args.Samples))
            d.Kernels.Load(BmuKernel)(d.Stream, l.Config, samples.View, codebook.View, bmu.View, second.View, distance.View,
                new SomArgs(args.Samples, args.GridW, args.GridH, args.Sigma, args.Rate, l.RunLength));
    }

    /// <summary>Batch update: each codeword moves (by Rate) towards the Gaussian-weighted mean of the samples whose BMUs neighbour it.</summary>
    public static void BatchUpdate(Tensor<float> samples, Tensor<int> bmu, Tensor<float> codebook, SomArgs args)
    {
        ComputeDevice d = samples.Device;
        ElementLaunch l = d.Launcher.ForElements(args.Neurons);
        using (d.Launcher.Time(SomBatchUpdateKernel, 8.0 * args.Samples * args.Neurons, 4.0 * 3 * args.Samples))
            d.Kernels.Load(SomBatchUpdateKernel)(d.Stream, l.Config, samples.View, bmu.View, codebook.View,
                new SomArgs(args.Samples, args.GridW, args.GridH, args.Sigma, args.Rate, l.RunLength));
    }

    /// <summary>Kohonen's online rule over the samples in order, on one thread (sequential by definition).</summary>
    public static void Online(Tensor<float> samples, Tensor<float> codebook, SomArgs args)
    {
        ComputeDevice d = samples.Device;
        using (d.Launcher.Time(SomOnlineKernel, 10.0 * args.Samples * args.Neurons, 8.0 * args.Samples))
            d.Kernels.Load(SomOnlineKernel)(d.Stream, new KernelConfig(1, 1), samples.View, codebook.View, args);
    }

    /// <summary>Replaces the ab of every pixel of lab [N, 3, H, W] by its nearest codeword's (codebook [GridW GridH, 2]), keeping L.</summary>
    public static void Quantize(Tensor<float> lab, Tensor<float> codebook, int gridW, int gridH)
    {
        OpChecks.Expect(codebook, new Shape(gridW * gridH, 2));
        ComputeDevice d = OpChecks.SameDevice(lab, codebook, codebook);
        int plane = lab.Shape[2] * lab.Shape[3], pixels = lab.Shape[0] * plane;
        ElementLaunch l = d.Launcher.ForElements(pixels);
        using (d.Launcher.Time(SomQuantizeKernel, 4.0 * pixels * gridW * gridH, 16.0 * pixels))
            d.Kernels.Load(SomQuantizeKernel)(d.Stream, l.Config, lab.View, codebook.View,
                new ImageBatchArgs(lab.Shape[0], plane, l.RunLength), new SomArgs(pixels, gridW, gridH, 1f, 1f, l.RunLength));
    }
}
