using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Common;
using ColorKernels.Kernels.Convolution;
using ILGPU;

namespace ColorKernels.Engine.Nn;

/// <summary>
/// Convolutions through the tiled implicit GEMM (Kernels.Convolution.TiledConvKernels), the GPUs' variant:
/// one launch per pass for the whole batch, with no column matrix. Transposed convolutions run as their
/// adjoint forward convolution's passes (forward = its data gradient, data gradient = its forward).
/// Weight gradients split K (the batch's pixels) across grid z when the tile grid alone would leave the
/// device idle, and add the partials in a fixed order, so results do not depend on scheduling.
/// </summary>
internal static class TiledConv
{
    public static void Forward(Tensor<float> input, Tensor<float> weight, Tensor<float>? bias, Tensor<float> output,
        Conv2dArgs g, Tensor<float>? scale, Tensor<float>? shift) =>
        Product(TiledConvOp.Forward, weight, input, output, g, bias, scale, shift);

    public static void BackwardData(Tensor<float> weight, Tensor<float> dOutput, Tensor<float> dInput, Conv2dArgs g) =>
        Product(TiledConvOp.BackwardData, weight, dOutput, dInput, g, null, null, null);

    public static void BackwardWeight(Tensor<float> input, Tensor<float> dOutput, Tensor<float> dWeight, Conv2dArgs g) =>
        Product(TiledConvOp.BackwardWeight, dOutput, input, dWeight, g, null, null, null);

    public static void TransposedForward(Tensor<float> input, Tensor<float> weight, Tensor<float>? bias, Tensor<float> output,
        Conv2dArgs t, Tensor<float>? scale, Tensor<float>? shift) =>
        Product(TiledConvOp.BackwardData, weight, input, output, t.Adjoint(t.HasBias != 0, (ConvEpilogue)t.Epilogue), bias, scale, shift);

    public static void TransposedBackwardData(Tensor<float> weight, Tensor<float> dOutput, Tensor<float> dInput, Conv2dArgs t) =>
        Product(TiledConvOp.Forward, weight, dOutput, dInput, t.Adjoint(), null, null, null);

    public static void TransposedBackwardWeight(Tensor<float> input, Tensor<float> dOutput, Tensor<float> dWeight, Conv2dArgs t) =>
        Product(TiledConvOp.BackwardWeight, input, dOutput, dWeight, t.Adjoint(), null, null, null);

    private static void Product(TiledConvOp op, Tensor<float> a, Tensor<float> b, Tensor<float> c, Conv2dArgs g,
        Tensor<float>? bias, Tensor<float>? scale, Tensor<float>? shift)
    {
        ComputeDevice d = c.Device;
        int side = d.TileGroupSide;
        // The large kernel needs an even group side (K step = side / 2); a device with 1-thread groups gets the 4 x 4 one.
        bool large = d.ConvAlgorithm == ConvAlgorithm.TiledGemmLarge && side >= 2;
        int tile = side * (large ? TiledConvKernels.LargeMicro : TiledConvKernels.Micro);
        int step = large ? side / 2 : TiledConvKernels.TileK;
        var (m, n, k) = TiledConvArgs.Sizes(g, op);
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
        d.Launcher.Cost(args.Flops, 4.0 * (a.Elements + b.Elements + c.Elements));
        // Absent optional tensors are passed as the A operand's view: the kernel never reads them (flags say so).
        d.Launcher.Launch(large ? d.Kernels.TiledConvLarge : d.Kernels.TiledConv, config, a.View, b.View, target.View, (bias ?? a).View, (scale ?? a).View, (shift ?? a).View, args);
        if (splits > 1)
        {
            var reduce = d.Launcher.ForElements(args.M * args.N);
            d.Launcher.Launch(d.Kernels.SplitKReduce, reduce.Config, target.View, c.View,
                new ChannelArgs(1, splits, args.M * args.N, 0f, reduce.RunLength));
        }
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
