using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Launch;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Hints;
using ILGPU;
using ILGPU.Runtime;
using static ColorKernels.Engine.Ops.OpChecks;

namespace ColorKernels.Engine.Ops;

/// <summary>The hint network's hint channels (Kernels/Hints/HintInputKernels; reference HintInputReference).</summary>
internal static class HintInputOps
{
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Ints, Floats, HintInputArgs>> PatchMeanKernel = new(HintInputKernels.HintPatchMeanKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Ints, Floats, Floats, HintInputArgs>> InputKernel = new(HintInputKernels.HintInputKernel);

    /// <summary>colours [Hints, 2] = each rectangle's (squares [Hints, 5]: image, x0, y0, width, height) mean a and b in lab [N, 3, H, W].</summary>
    public static void PatchMean(Tensor<float> lab, Tensor<int> squares, Tensor<float> colours)
    {
        Shape s = lab.Shape;
        if (s.Rank != 4 || s[1] != 3)
            throw new ArgumentException($"lab must be [N, 3, H, W]; it is {s}");
        int hints = squares.Shape[0];
        Expect(squares, new Shape(hints, 5));
        Expect(colours, new Shape(hints, 2));
        ComputeDevice d = SameDevice(lab, colours, colours);
        ElementLaunch l = d.Launcher.ForElements(hints);
        using (d.Launcher.Time(PatchMeanKernel, 2.0 * hints * 25, 8.0 * hints * 25))
            d.Kernels.Load(PatchMeanKernel)(d.Stream, l.Config, lab.View, squares.View, colours.View,
                new HintInputArgs(s[0], s[2], s[3], hints, l.RunLength, 1f, 0f));
    }

    /// <summary>Channels 1-3 of input [N, 4, H, W]: the hints' ab / abScale under their rectangles, and the mask minus maskCenter.</summary>
    public static void Input(Tensor<int> squares, Tensor<float> colours, Tensor<float> input, float abScale, float maskCenter)
    {
        Shape s = input.Shape;
        if (s.Rank != 4 || s[1] != 4)
            throw new ArgumentException($"the hint network's input must be [N, 4, H, W]; it is {s}");
        int hints = squares.Shape[0];
        Expect(squares, new Shape(hints, 5));
        Expect(colours, new Shape(hints, 2));
        ComputeDevice d = SameDevice(input, colours, colours);
        int pixels = s[0] * s[2] * s[3];
        ElementLaunch l = d.Launcher.ForElements(pixels);
        using (d.Launcher.Time(InputKernel, 4.0 * pixels * Math.Max(1, hints), 12.0 * pixels))
            d.Kernels.Load(InputKernel)(d.Stream, l.Config, squares.View, colours.View, input.View,
                new HintInputArgs(s[0], s[2], s[3], hints, l.RunLength, abScale, maskCenter));
    }
}
