using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Convolution;

namespace ColorKernels.Engine.Ops;

/// <summary>
/// One way of running the six passes of a convolution and a transposed convolution. A device holds one
/// (<see cref="ComputeDevice.ConvBackend"/>), chosen once from its <see cref="ConvAlgorithm"/>; the ops in
/// <see cref="Conv2dOps"/> check shapes and call it, so no op decides between variants itself. Every
/// backend is tested against the same references (Conv2dReference) on every device.
/// Geometry: <see cref="Conv2dArgs"/> of the convolution as called (for a transposed one, In is its input
/// and Out its output); its run length is the backend's to set. Optional tensors are null when absent.
/// Weight gradients accumulate (+=); data gradients are assigned.
/// </summary>
internal interface IConvBackend
{
    ConvAlgorithm Algorithm { get; }

    void Forward(Tensor<float> input, Tensor<float> weight, Tensor<float>? bias, Tensor<float> output, Conv2dArgs g, Tensor<float>? scale, Tensor<float>? shift);

    void BackwardData(Tensor<float> weight, Tensor<float> dOutput, Tensor<float> dInput, Conv2dArgs g);

    void BackwardWeight(Tensor<float> input, Tensor<float> dOutput, Tensor<float> dWeight, Conv2dArgs g);

    void TransposedForward(Tensor<float> input, Tensor<float> weight, Tensor<float>? bias, Tensor<float> output, Conv2dArgs t, Tensor<float>? scale, Tensor<float>? shift);

    void TransposedBackwardData(Tensor<float> weight, Tensor<float> dOutput, Tensor<float> dInput, Conv2dArgs t);

    void TransposedBackwardWeight(Tensor<float> input, Tensor<float> dOutput, Tensor<float> dWeight, Conv2dArgs t);
}

internal static class ConvBackends
{
    /// <summary>The backend that runs <paramref name="algorithm"/> on a device with square groups of <paramref name="tileGroupSide"/> threads a side.</summary>
    public static IConvBackend For(ConvAlgorithm algorithm, int tileGroupSide) => algorithm switch
    {
        ConvAlgorithm.Direct => DirectConv.Instance,
        ConvAlgorithm.LoweredGemm => LoweredGemmConv.Instance,
        ConvAlgorithm.TiledGemm => new TiledConv(ConvAlgorithm.TiledGemm, tileGroupSide, large: false),
        // The large kernel needs an even group side (K step = side / 2); 1-thread groups get the 4 x 4 one.
        ConvAlgorithm.TiledGemmLarge => new TiledConv(ConvAlgorithm.TiledGemmLarge, tileGroupSide, large: tileGroupSide >= 2),
        ConvAlgorithm.TiledGemmAuto => new TiledConv(ConvAlgorithm.TiledGemmAuto, tileGroupSide, large: tileGroupSide >= 2),
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, null),
    };
}
