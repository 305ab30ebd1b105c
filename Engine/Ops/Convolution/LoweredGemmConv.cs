using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Launch;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Common;
using ColorKernels.Kernels.Convolution;
using ILGPU;
using ILGPU.Runtime;

namespace ColorKernels.Engine.Ops;

/// <summary>
/// Convolutions lowered to matrix multiplies, image by image (the CPU accelerator's variant):
/// forward out_n = W [OutC, InC K K] x col_n (+ bias, epilogue); backward-data dcol_n = W^T dY_n then
/// col2im; backward-weight dW += dY_n col_n^T. The register-blocked GemmKernel does the arithmetic with
/// ~6x fewer loads per multiply-add than the direct kernels. Same results up to float summation order
/// (tested against the same references).
/// </summary>
internal sealed class LoweredGemmConv : IConvBackend
{
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Im2ColArgs>> Im2ColKernel = new(Im2ColKernels.Im2ColKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Im2ColArgs>> Col2ImKernel = new(Im2ColKernels.Col2ImKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, EpilogueArgs>> BiasEpilogueKernel = new(Im2ColKernels.BiasEpilogueKernel);

    public static LoweredGemmConv Instance { get; } = new();

    public ConvAlgorithm Algorithm => ConvAlgorithm.LoweredGemm;

    public void Forward(Tensor<float> input, Tensor<float> weight, Tensor<float>? bias, Tensor<float> output,
        Conv2dArgs geometry, Tensor<float>? scale, Tensor<float>? shift)
    {
        ComputeDevice d = input.Device;
        int rows = geometry.InC * geometry.Kernel * geometry.Kernel, columns = geometry.OutH * geometry.OutW;
        bool direct = geometry.Kernel == 1 && geometry.Stride == 1 && geometry.Pad == 0;   // 1x1: the input is the column matrix
        Tensor<float> col = direct ? input : d.Workspace("conv.col", rows * columns);
        for (int n = 0; n < geometry.N; n++)
        {
            if (!direct)
                Im2Col(d, input, col, geometry, n, transposed: false);
            Gemm(d, weight, col, output, new GemmArgs(geometry.OutC, columns, rows, 0, direct ? n * rows * columns : 0,
                n * geometry.OutC * columns, false, bias is not null, geometry.Epilogue), bias ?? weight, scale ?? weight, shift ?? weight);
        }
    }

    public void BackwardData(Tensor<float> weight, Tensor<float> dOutput, Tensor<float> dInput, Conv2dArgs geometry)
    {
        ComputeDevice d = weight.Device;
        int rows = geometry.InC * geometry.Kernel * geometry.Kernel, columns = geometry.OutH * geometry.OutW;
        Tensor<float> wt = d.Workspace("conv.weight_t", rows * geometry.OutC);
        Transpose(d, weight, wt, geometry.OutC, rows);
        Tensor<float> dcol = d.Workspace("conv.dcol", rows * columns);
        for (int n = 0; n < geometry.N; n++)
        {
            Gemm(d, wt, dOutput, dcol, new GemmArgs(rows, columns, geometry.OutC, 0, n * geometry.OutC * columns, 0, false, false, ConvEpilogue.None), wt, wt, wt);
            Col2Im(d, dcol, dInput, geometry, n);
        }
    }

    public void BackwardWeight(Tensor<float> input, Tensor<float> dOutput, Tensor<float> dWeight, Conv2dArgs geometry)
    {
        ComputeDevice d = input.Device;
        int rows = geometry.InC * geometry.Kernel * geometry.Kernel, columns = geometry.OutH * geometry.OutW;
        Tensor<float> colT = d.Workspace("conv.col_t", rows * columns);
        for (int n = 0; n < geometry.N; n++)
        {
            Im2Col(d, input, colT, geometry, n, transposed: true);
            Gemm(d, dOutput, colT, dWeight, new GemmArgs(geometry.OutC, rows, columns, n * geometry.OutC * columns, 0, 0, true, false, ConvEpilogue.None), dWeight, dWeight, dWeight);
        }
    }

    /// <summary>Transposed conv: col_n = W^T [OutC K K, InC] x in_n, out_n = col2im(col_n), then bias and epilogue.</summary>
    public void TransposedForward(Tensor<float> input, Tensor<float> weight, Tensor<float>? bias, Tensor<float> output,
        Conv2dArgs t, Tensor<float>? scale, Tensor<float>? shift)
    {
        ComputeDevice d = input.Device;
        int rows = t.OutC * t.Kernel * t.Kernel, columns = t.InH * t.InW;
        Conv2dArgs adjoint = t.Adjoint();
        Tensor<float> wt = d.Workspace("convt.weight_t", rows * t.InC);
        Transpose(d, weight, wt, t.InC, rows);
        Tensor<float> col = d.Workspace("convt.col", rows * columns);
        for (int n = 0; n < t.N; n++)
        {
            Gemm(d, wt, input, col, new GemmArgs(rows, columns, t.InC, 0, n * t.InC * columns, 0, false, false, ConvEpilogue.None), wt, wt, wt);
            Col2Im(d, col, output, adjoint, n);
        }
        if (bias is not null || t.Epilogue != ConvEpilogue.None)
        {
            ElementLaunch e = d.Launcher.ForElements(output.Elements);
            Tensor<float> b = bias ?? d.Workspace("convt.zero_bias", t.OutC);
            if (bias is null)
                BufferOps.Fill(b, 0f);
            using (d.Launcher.Time(BiasEpilogueKernel, 2.0 * output.Elements, 8.0 * output.Elements))
                d.Kernels.Load(BiasEpilogueKernel)(d.Stream, e.Config, output.View, b.View, (scale ?? b).View, (shift ?? b).View,
                    new EpilogueArgs(t.N, t.OutC, t.OutH * t.OutW, e.RunLength, t.Epilogue));
        }
    }

    /// <summary>Transposed conv, data gradient: dIn_n = W [InC, OutC K K] x im2col(dOut_n) (a forward conv of dOut).</summary>
    public void TransposedBackwardData(Tensor<float> weight, Tensor<float> dOutput, Tensor<float> dInput, Conv2dArgs t)
    {
        ComputeDevice d = weight.Device;
        int rows = t.OutC * t.Kernel * t.Kernel, columns = t.InH * t.InW;
        Conv2dArgs adjoint = t.Adjoint();
        Tensor<float> col = d.Workspace("convt.col", rows * columns);
        for (int n = 0; n < t.N; n++)
        {
            Im2Col(d, dOutput, col, adjoint, n, transposed: false);
            Gemm(d, weight, col, dInput, new GemmArgs(t.InC, columns, rows, 0, 0, n * t.InC * columns, false, false, ConvEpilogue.None), weight, weight, weight);
        }
    }

    /// <summary>Transposed conv, weight gradient: dW [InC, OutC K K] += in_n [InC, H W] x im2col(dOut_n)^T.</summary>
    public void TransposedBackwardWeight(Tensor<float> input, Tensor<float> dOutput, Tensor<float> dWeight, Conv2dArgs t)
    {
        ComputeDevice d = input.Device;
        int rows = t.OutC * t.Kernel * t.Kernel, columns = t.InH * t.InW;
        Conv2dArgs adjoint = t.Adjoint();
        Tensor<float> colT = d.Workspace("convt.col_t", rows * columns);
        for (int n = 0; n < t.N; n++)
        {
            Im2Col(d, dOutput, colT, adjoint, n, transposed: true);
            Gemm(d, input, colT, dWeight, new GemmArgs(t.InC, rows, columns, n * t.InC * columns, 0, 0, true, false, ConvEpilogue.None), dWeight, dWeight, dWeight);
        }
    }

    private static void Im2Col(ComputeDevice d, Tensor<float> input, Tensor<float> col, Conv2dArgs geometry, int image, bool transposed)
    {
        // One thread per written row: (r, oy) pairs, or column positions when transposed.
        int rows = transposed ? geometry.OutH * geometry.OutW : geometry.InC * geometry.Kernel * geometry.Kernel * geometry.OutH;
        ElementLaunch l = d.Launcher.ForElements(rows);
        using (d.Launcher.Time(Im2ColKernel, 0, 8.0 * geometry.InC * geometry.Kernel * geometry.Kernel * geometry.OutH * geometry.OutW))
            d.Kernels.Load(Im2ColKernel)(d.Stream, l.Config, input.View, col.View, new Im2ColArgs(geometry, image, transposed, l.RunLength));
    }

    /// <summary>Adds image <paramref name="image"/>'s column gradients back onto its input (one thread per input element).</summary>
    private static void Col2Im(ComputeDevice d, Tensor<float> col, Tensor<float> target, Conv2dArgs geometry, int image)
    {
        int elements = geometry.InC * geometry.InH * geometry.InW;
        ElementLaunch l = d.Launcher.ForElements(elements);
        using (d.Launcher.Time(Col2ImKernel, 0, 4.0 * (geometry.InC * geometry.Kernel * geometry.Kernel * geometry.OutH * geometry.OutW + elements)))
            d.Kernels.Load(Col2ImKernel)(d.Stream, l.Config, col.View, target.View, new Im2ColArgs(geometry, image, false, l.RunLength));
    }

    private static void Transpose(ComputeDevice d, Tensor<float> source, Tensor<float> destination, int rows, int cols) =>
        GemmOps.Transpose(source, destination, rows, cols);

    private static void Gemm(ComputeDevice d, Tensor<float> a, Tensor<float> b, Tensor<float> c, GemmArgs g,
        Tensor<float> bias, Tensor<float> scale, Tensor<float> shift) => GemmOps.Gemm(a, b, c, g, bias, scale, shift);
}
