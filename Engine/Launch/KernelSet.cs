using ColorKernels.Kernels.Color;
using ColorKernels.Kernels.Common;
using ColorKernels.Kernels.Convolution;
using ColorKernels.Kernels.Normalization;
using ColorKernels.Kernels.Resample;
using ColorKernels.Kernels.Softmax;
using ILGPU;
using ILGPU.Runtime;
using Bytes = ILGPU.ArrayView<byte>;
using Floats = ILGPU.ArrayView<float>;

namespace ColorKernels.Engine.Launch;

/// <summary>
/// Every kernel of the project, compiled for one accelerator. Each is compiled on first use (under a lock)
/// and kept for the life of the device, so nothing compiles inside an inference or training step.
/// </summary>
public sealed class KernelSet
{
    private readonly Accelerator accelerator;
    private readonly object gate = new();

    private NamedKernel<Action<AcceleratorStream, KernelConfig, Bytes, Floats, ImageBatchArgs>>? srgbBytesToLab;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ImageBatchArgs>>? srgbToLab;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ImageBatchArgs>>? labToSrgb;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Bytes, ImageBatchArgs>>? labToSrgbBytes;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, ImageBatchArgs>>? clearChroma;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, Floats, Conv2dArgs>>? conv2dForward;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, Floats, Conv2dArgs>>? convTranspose2dForward;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, Floats, ChannelArgs>>? batchNormInference;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ChannelArgs>>? relu;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ChannelArgs>>? softmaxChannels;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, ChannelArgs>>? annealedMean;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ResizeArgs>>? resizeBilinear;

    internal KernelSet(Accelerator accelerator) => this.accelerator = accelerator;

    public NamedKernel<Action<AcceleratorStream, KernelConfig, Bytes, Floats, ImageBatchArgs>> SrgbBytesToLab =>
        Load(ref srgbBytesToLab, LabKernels.SrgbBytesToLabKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ImageBatchArgs>> SrgbToLab =>
        Load(ref srgbToLab, LabKernels.SrgbToLabKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ImageBatchArgs>> LabToSrgb =>
        Load(ref labToSrgb, LabKernels.LabToSrgbKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Bytes, ImageBatchArgs>> LabToSrgbBytes =>
        Load(ref labToSrgbBytes, LabKernels.LabToSrgbBytesKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, ImageBatchArgs>> ClearChroma =>
        Load(ref clearChroma, LabKernels.ClearChromaKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, Floats, Conv2dArgs>> Conv2dForward =>
        Load(ref conv2dForward, Conv2dKernels.Conv2dForwardKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, Floats, Conv2dArgs>> ConvTranspose2dForward =>
        Load(ref convTranspose2dForward, Conv2dKernels.ConvTranspose2dForwardKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, Floats, ChannelArgs>> BatchNormInference =>
        Load(ref batchNormInference, NormalizationKernels.BatchNormInferenceKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ChannelArgs>> Relu =>
        Load(ref relu, NormalizationKernels.ReluKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ChannelArgs>> SoftmaxChannels =>
        Load(ref softmaxChannels, SoftmaxKernels.SoftmaxChannelsKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, ChannelArgs>> AnnealedMean =>
        Load(ref annealedMean, SoftmaxKernels.AnnealedMeanKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ResizeArgs>> ResizeBilinear =>
        Load(ref resizeBilinear, ResampleKernels.ResizeBilinearKernel);

    private NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2>> Load<T1, T2>(
        ref NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2>>? slot, Action<T1, T2> kernel)
        where T1 : struct where T2 : struct
    {
        lock (gate)
            return slot ??= new NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2>>(
                kernel.Method.Name, accelerator.LoadKernel(kernel));
    }

    private NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2, T3>> Load<T1, T2, T3>(
        ref NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2, T3>>? slot, Action<T1, T2, T3> kernel)
        where T1 : struct where T2 : struct where T3 : struct
    {
        lock (gate)
            return slot ??= new NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2, T3>>(
                kernel.Method.Name, accelerator.LoadKernel(kernel));
    }

    private NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4>> Load<T1, T2, T3, T4>(
        ref NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4>>? slot, Action<T1, T2, T3, T4> kernel)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct
    {
        lock (gate)
            return slot ??= new NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4>>(
                kernel.Method.Name, accelerator.LoadKernel(kernel));
    }

    private NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6, T7>> Load<T1, T2, T3, T4, T5, T6, T7>(
        ref NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6, T7>>? slot, Action<T1, T2, T3, T4, T5, T6, T7> kernel)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct
    {
        lock (gate)
            return slot ??= new NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6, T7>>(
                kernel.Method.Name, accelerator.LoadKernel(kernel));
    }
}
