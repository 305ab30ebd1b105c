using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Launch;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Common;
using ColorKernels.Kernels.Convolution;
using ILGPU;
using ILGPU.Runtime;
using static ColorKernels.Engine.Ops.OpChecks;

namespace ColorKernels.Engine.Ops;

/// <summary>
/// The register-blocked GEMM and the transpose (Kernels.Convolution.GemmKernels, Im2ColKernels): the
/// lowered convolutions' arithmetic, and the SOM + MLP method's dense layers.
/// </summary>
internal static class GemmOps
{
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, Floats, GemmArgs>> GemmKernel = new(GemmKernels.GemmKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ChannelArgs>> TransposeKernel = new(Im2ColKernels.TransposeKernel);

    /// <summary>
    /// C = (acc ? C : 0) + A B (+ row bias, epilogue) on flat tensors at the offsets in <paramref name="g"/>
    /// (see Kernels.Convolution.GemmKernels). bias/scale/shift are read only when the flags ask for them.
    /// </summary>
    public static void Gemm(Tensor<float> a, Tensor<float> b, Tensor<float> c, GemmArgs g,
        Tensor<float> bias, Tensor<float> scale, Tensor<float> shift)
    {
        if (g.AOffset + (long)g.M * g.K > a.Elements || g.BOffset + (long)g.K * g.N > b.Elements || g.COffset + (long)g.M * g.N > c.Elements)
            throw new ArgumentException($"GEMM {g.M}x{g.N}x{g.K} at offsets {g.AOffset}, {g.BOffset}, {g.COffset} overruns '{a.Name}', '{b.Name}' or '{c.Name}'");
        if ((g.RowBias != 0 && bias.Elements < g.M) || (g.Epilogue == ConvEpilogue.ReluAffine && (scale.Elements < g.M || shift.Elements < g.M)))
            throw new ArgumentException($"GEMM row bias or scale/shift shorter than {g.M} rows");
        ComputeDevice d = SameDevice(a, b, c);
        // Tiles are handed out round-robin inside the kernel: enough threads to cover them, at most a full grid.
        KernelConfig config = d.Launcher.ForElements(g.Tiles).Config;
        using (d.Launcher.Time(GemmKernel, 2.0 * g.M * g.N * g.K,
            4.0 * ((double)g.M * g.K + (double)g.K * g.N + (g.Accumulate != 0 ? 2.0 : 1.0) * g.M * g.N)))
            d.Kernels.Load(GemmKernel)(d.Stream, config, a.View, b.View, c.View, bias.View, scale.View, shift.View, g);
    }

    /// <summary>destination[c, r] = source[r, c] for the first rows x cols elements of flat tensors.</summary>
    public static void Transpose(Tensor<float> source, Tensor<float> destination, int rows, int cols)
    {
        if ((long)rows * cols > source.Elements || (long)rows * cols > destination.Elements)
            throw new ArgumentException($"transpose of {rows}x{cols} overruns '{source.Name}' or '{destination.Name}'");
        ComputeDevice d = SameDevice(source, destination, destination);
        ElementLaunch l = d.Launcher.ForElements(rows * cols);
        using (d.Launcher.Time(TransposeKernel, 0, 8.0 * rows * cols))
            d.Kernels.Load(TransposeKernel)(d.Stream, l.Config, source.View, destination.View, new ChannelArgs(rows, 1, cols, l.RunLength));
    }
}
