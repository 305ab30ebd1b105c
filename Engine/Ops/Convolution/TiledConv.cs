using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Launch;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Common;
using ColorKernels.Kernels.Convolution;
using ILGPU;
using ILGPU.Runtime;

namespace ColorKernels.Engine.Ops;

/// <summary>
/// Convolutions through the tiled implicit GEMM (Kernels.Convolution.TiledConvKernels), the GPUs' variant:
/// one launch per pass for the whole batch, with no column matrix. Transposed convolutions run as their
/// adjoint forward convolution's passes (forward = its data gradient, data gradient = its forward).
/// Weight gradients split K (the batch's pixels) across grid z when the tile grid alone would leave the
/// device idle, and add the partials in a fixed order, so results do not depend on scheduling.
/// </summary>
internal sealed class TiledConv : IConvBackend
{
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, Floats, TiledConvArgs>> TiledConvKernel = new(TiledConvKernels.TiledConvKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, Floats, TiledConvArgs>> TiledConvLargeKernel = new(TiledConvKernels.TiledConvLargeKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ChannelArgs>> SplitKReduceKernel = new(TiledConvKernels.SplitKReduceKernel);

    private readonly int side;
    private readonly bool large;

    /// <summary>
    /// The tiled backend on square groups of <paramref name="groupSide"/> threads; <paramref name="large"/>: 8 x 8
    /// register blocks, for every product or, as <see cref="ConvAlgorithm.TiledGemmAuto"/>, for those
    /// <see cref="TiledConvChoice.UsesLarge"/> gives them to.
    /// </summary>
    public TiledConv(ConvAlgorithm algorithm, int groupSide, bool large)
    {
        Algorithm = algorithm;
        side = groupSide;
        this.large = large;
    }

    public ConvAlgorithm Algorithm { get; }

    public void Forward(Tensor<float> input, Tensor<float> weight, Tensor<float>? bias, Tensor<float> output,
        Conv2dArgs g, Tensor<float>? scale, Tensor<float>? shift) =>
        Product(TiledConvOp.Forward, weight, input, output, g, bias, scale, shift);

    public void BackwardData(Tensor<float> weight, Tensor<float> dOutput, Tensor<float> dInput, Conv2dArgs g) =>
        Product(TiledConvOp.BackwardData, weight, dOutput, dInput, g, null, null, null);

    public void BackwardWeight(Tensor<float> input, Tensor<float> dOutput, Tensor<float> dWeight, Conv2dArgs g) =>
        Product(TiledConvOp.BackwardWeight, dOutput, input, dWeight, g, null, null, null);

    public void TransposedForward(Tensor<float> input, Tensor<float> weight, Tensor<float>? bias, Tensor<float> output,
        Conv2dArgs t, Tensor<float>? scale, Tensor<float>? shift) =>
        Product(TiledConvOp.BackwardData, weight, input, output, t.Adjoint(t.HasBias != 0, t.Epilogue), bias, scale, shift);

    public void TransposedBackwardData(Tensor<float> weight, Tensor<float> dOutput, Tensor<float> dInput, Conv2dArgs t) =>
        Product(TiledConvOp.Forward, weight, dOutput, dInput, t.Adjoint(), null, null, null);

    public void TransposedBackwardWeight(Tensor<float> input, Tensor<float> dOutput, Tensor<float> dWeight, Conv2dArgs t) =>
        Product(TiledConvOp.BackwardWeight, input, dOutput, dWeight, t.Adjoint(), null, null, null);

    private void Product(TiledConvOp op, Tensor<float> a, Tensor<float> b, Tensor<float> c, Conv2dArgs g,
        Tensor<float>? bias, Tensor<float>? scale, Tensor<float>? shift)
    {
        ComputeDevice d = c.Device;
        var (m, n, k) = TiledConvArgs.Sizes(g, op);
        bool large = this.large && (Algorithm != ConvAlgorithm.TiledGemmAuto || TiledConvChoice.UsesLarge(m));
        int tile = side * (large ? TiledConvKernels.LargeMicro : TiledConvKernels.Micro);
        int step = large ? side / 2 : TiledConvKernels.TileK;
        int tilesX = (n + tile - 1) / tile, tilesY = (m + tile - 1) / tile;
        int splits = 1, chunk = RoundUp(k, step);
        if (op == TiledConvOp.BackwardWeight)
        {
            // Enough groups for two per multiprocessor, each keeping at least 4 K steps.
            int wanted = (2 * d.Accelerator.NumMultiprocessors + tilesX * tilesY - 1) / (tilesX * tilesY);
            int most = Math.Max(1, k / (4 * step));
            splits = Math.Clamp(wanted, 1, most);
            chunk = RoundUp((k + splits - 1) / splits, step);
            splits = (k + chunk - 1) / chunk;
        }
        var args = new TiledConvArgs(g, op, chunk, splits, step, tile);
        Tensor<float> target = splits > 1 ? d.Workspace("tiledconv.splitk", splits * args.M * args.N) : c;
        var config = new KernelConfig(new Index3D(tilesX, tilesY, splits), new Index3D(side, side, 1));
        var kernel = large ? TiledConvLargeKernel : TiledConvKernel;
        // Absent optional tensors are passed as the A operand's view: the kernel never reads them (flags say so).
        using (d.Launcher.Time(kernel, args.Flops, 4.0 * (a.Elements + b.Elements + c.Elements)))
            d.Kernels.Load(kernel)(d.Stream, config, a.View, b.View, target.View, (bias ?? a).View, (scale ?? a).View, (shift ?? a).View, args);
        if (splits > 1)
        {
            var reduce = d.Launcher.ForElements(args.M * args.N);
            using (d.Launcher.Time(SplitKReduceKernel, (double)splits * args.M * args.N, 4.0 * (splits + 1.0) * args.M * args.N))
                d.Kernels.Load(SplitKReduceKernel)(d.Stream, reduce.Config, target.View, c.View,
                    new ChannelArgs(1, splits, args.M * args.N, reduce.RunLength));
        }
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
