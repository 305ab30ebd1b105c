using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;

namespace ColorKernels.Engine.Models;

/// <summary>
/// The hint network's hint channels from a table of squares (<see cref="Kernels.Hints.HintInputKernels"/>):
/// simulated in training (each square's colour its mean true ab), or a person's hints when colouring.
/// </summary>
internal static class HintTable
{
    /// <summary>
    /// Channels 1-3 of <paramref name="input"/> [N, 4, H, W] for the rectangles [hints, 5] (image, x0, y0, width, height),
    /// each given the mean ab of <paramref name="lab"/> [N, 3, H, W] under it (simulated hints).
    /// </summary>
    public static void Write(ComputeDevice device, Tensor<float> lab, int[] squares, Tensor<float> input, NetworkConfig config)
    {
        int hints = squares.Length / 5;
        using Tensor<int> table = device.Upload("hint_squares", new Shape(Math.Max(1, hints), 5), hints > 0 ? squares : NoHint);
        using Tensor<float> colours = device.Allocate<float>("hint_colours", new Shape(Math.Max(1, hints), 2));
        if (hints > 0)
            HintInputOps.PatchMean(lab, table, colours);
        else
            BufferOps.Fill(colours, 0f);
        HintInputOps.Input(table, colours, input, config.AbScale, config.MaskCenter);
    }

    /// <summary>Channels 1-3 of <paramref name="input"/> [N, 4, H, W] for the rectangles [hints, 5] with the given colours [hints, 2] (a, b).</summary>
    public static void Write(ComputeDevice device, int[] squares, float[] colours, Tensor<float> input, NetworkConfig config)
    {
        int hints = squares.Length / 5;
        using Tensor<int> table = device.Upload("hint_squares", new Shape(Math.Max(1, hints), 5), hints > 0 ? squares : NoHint);
        using Tensor<float> values = device.Upload("hint_colours", new Shape(Math.Max(1, hints), 2), hints > 0 ? colours : new float[2]);
        HintInputOps.Input(table, values, input, config.AbScale, config.MaskCenter);
    }

    /// <summary>A table row that matches no image (a launch needs at least one row).</summary>
    private static readonly int[] NoHint = { -1, 0, 0, 0, 0 };
}
