using ColorKernels.Kernels.Color;
using ColorKernels.Kernels.Common;
using ILGPU;
using ILGPU.Runtime;

namespace ColorKernels.Engine.Launch;

/// <summary>
/// Every kernel of the project, compiled for one accelerator. Each is compiled on first use and kept for
/// the life of the device, so nothing compiles inside an inference or training step.
/// </summary>
public sealed class KernelSet
{
    private readonly Accelerator accelerator;

    private readonly Lazy<NamedKernel<Action<AcceleratorStream, KernelConfig, ArrayView<byte>, ArrayView<float>, ImageBatchArgs>>> srgbBytesToLab;
    private readonly Lazy<NamedKernel<Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ImageBatchArgs>>> srgbToLab;
    private readonly Lazy<NamedKernel<Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ImageBatchArgs>>> labToSrgb;
    private readonly Lazy<NamedKernel<Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<byte>, ImageBatchArgs>>> labToSrgbBytes;
    private readonly Lazy<NamedKernel<Action<AcceleratorStream, KernelConfig, ArrayView<float>, ImageBatchArgs>>> clearChroma;

    internal KernelSet(Accelerator accelerator)
    {
        this.accelerator = accelerator;
        srgbBytesToLab = Load<ArrayView<byte>, ArrayView<float>, ImageBatchArgs>(LabKernels.SrgbBytesToLabKernel);
        srgbToLab = Load<ArrayView<float>, ArrayView<float>, ImageBatchArgs>(LabKernels.SrgbToLabKernel);
        labToSrgb = Load<ArrayView<float>, ArrayView<float>, ImageBatchArgs>(LabKernels.LabToSrgbKernel);
        labToSrgbBytes = Load<ArrayView<float>, ArrayView<byte>, ImageBatchArgs>(LabKernels.LabToSrgbBytesKernel);
        clearChroma = Load<ArrayView<float>, ImageBatchArgs>(LabKernels.ClearChromaKernel);
    }

    public NamedKernel<Action<AcceleratorStream, KernelConfig, ArrayView<byte>, ArrayView<float>, ImageBatchArgs>> SrgbBytesToLab => srgbBytesToLab.Value;
    public NamedKernel<Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ImageBatchArgs>> SrgbToLab => srgbToLab.Value;
    public NamedKernel<Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ImageBatchArgs>> LabToSrgb => labToSrgb.Value;
    public NamedKernel<Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<byte>, ImageBatchArgs>> LabToSrgbBytes => labToSrgbBytes.Value;
    public NamedKernel<Action<AcceleratorStream, KernelConfig, ArrayView<float>, ImageBatchArgs>> ClearChroma => clearChroma.Value;

    private Lazy<NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2>>> Load<T1, T2>(Action<T1, T2> kernel)
        where T1 : struct where T2 : struct =>
        new(() => new NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2>>(
            kernel.Method.Name, accelerator.LoadKernel(kernel)));

    private Lazy<NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2, T3>>> Load<T1, T2, T3>(Action<T1, T2, T3> kernel)
        where T1 : struct where T2 : struct where T3 : struct =>
        new(() => new NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2, T3>>(
            kernel.Method.Name, accelerator.LoadKernel(kernel)));
}
