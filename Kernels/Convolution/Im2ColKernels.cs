using ColorKernels.Kernels.Common;
using ILGPU;

namespace ColorKernels.Kernels.Convolution;

/// <summary>
/// Geometry of im2col for image <see cref="Image"/> of a convolution (<see cref="Conv"/>): the column
/// matrix has R = InC x K x K rows (ci, ky, kx) and P = OutH x OutW columns (oy, ox); transposed, it is P x R.
/// </summary>
public readonly struct Im2ColArgs
{
    public Im2ColArgs(Conv2dArgs conv, int image, bool transposed, int runLength)
    {
        Conv = conv;
        Image = image;
        Transposed = transposed ? 1 : 0;
        RunLength = runLength;
    }

    public Conv2dArgs Conv { get; }
    public int Image { get; }
    public int Transposed { get; }
    public int RunLength { get; }
    public int Rows => Conv.InC * Conv.Kernel * Conv.Kernel;
    public int Columns => Conv.OutH * Conv.OutW;
}

/// <summary>
/// Lowering a convolution to matrix multiplies (the CPU accelerator's path): im2col gathers every
/// receptive field into a column, col2im gathers column gradients back onto the input. Portable kernels,
/// one thread per element they write (runs of them on the CPU).
/// </summary>
public static class Im2ColKernels
{
    /// <summary>
    /// Im2ColKernel: col[(ci K + ky) K + kx, oy OutW + ox] = in[n, ci, oy S - P + ky D, ox S - P + kx D], 0 outside
    /// the picture (or [p, r] when transposed). Thread: one row of the matrix it writes: (r, oy) writing
    /// OutW consecutive values, or, transposed, one column position p writing all R values of its row, so
    /// the inner loops write contiguously and need no integer division (which dominated a per-element form).
    /// </summary>
    public static void Im2ColKernel(ArrayView<float> input, ArrayView<float> col, Im2ColArgs a)
    {
        Conv2dArgs c = a.Conv;
        int k = c.Kernel, rows = a.Rows, columns = a.Columns, run = a.RunLength;
        int inBase = a.Image * c.InC * c.InH * c.InW;
        int total = a.Transposed != 0 ? columns : rows * c.OutH;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int e = start, end = Math.Min(start + run, total); e < end; e++)
            {
                if (a.Transposed == 0)
                {
                    int r = e / c.OutH, oy = e - r * c.OutH;
                    int kx = r % k, ky = r / k % k, ci = r / (k * k);
                    int iy = oy * c.Stride - c.Pad + ky * c.Dilation;
                    int outBase = r * columns + oy * c.OutW;
                    bool rowInside = iy >= 0 && iy < c.InH;
                    int rowBase = inBase + (ci * c.InH + iy) * c.InW;
                    int ix = -c.Pad + kx * c.Dilation;
                    for (int ox = 0; ox < c.OutW; ox++, ix += c.Stride)
                        col[outBase + ox] = rowInside && ix >= 0 && ix < c.InW ? input[rowBase + ix] : 0f;
                }
                else
                {
                    int p = e, ox = p % c.OutW, oy = p / c.OutW;
                    int iy0 = oy * c.Stride - c.Pad, ix0 = ox * c.Stride - c.Pad;
                    int o = p * rows;
                    for (int ci = 0; ci < c.InC; ci++)
                        for (int ky = 0; ky < k; ky++)
                        {
                            int iy = iy0 + ky * c.Dilation;
                            bool rowInside = iy >= 0 && iy < c.InH;
                            int rowBase = inBase + (ci * c.InH + iy) * c.InW;
                            for (int kx = 0; kx < k; kx++, o++)
                            {
                                int ix = ix0 + kx * c.Dilation;
                                col[o] = rowInside && ix >= 0 && ix < c.InW ? input[rowBase + ix] : 0f;
                            }
                        }
                }
            }
    }

    /// <summary>
    /// Col2ImKernel: dIn[n, ci, iy, ix] = sum over (ky, kx) of dCol[(ci K + ky) K + kx, oy OutW + ox] for the
    /// (oy, ox) whose window puts tap (ky, kx) on (iy, ix). Gathers, so it assigns (=) without atomics.
    /// Thread: input elements of image n.
    /// </summary>
    public static void Col2ImKernel(ArrayView<float> dCol, ArrayView<float> dInput, Im2ColArgs a)
    {
        Conv2dArgs c = a.Conv;
        int k = c.Kernel, columns = a.Columns, total = c.InC * c.InH * c.InW, run = a.RunLength;
        int inBase = a.Image * total;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int i = start, end = Math.Min(start + run, total); i < end; i++)
            {
                int ix = i % c.InW, iy = i / c.InW % c.InH, ci = i / (c.InW * c.InH);
                float sum = 0f;
                for (int ky = 0; ky < k; ky++)
                {
                    int ty = iy + c.Pad - ky * c.Dilation;
                    if (ty < 0 || ty % c.Stride != 0 || ty / c.Stride >= c.OutH)
                        continue;
                    for (int kx = 0; kx < k; kx++)
                    {
                        int tx = ix + c.Pad - kx * c.Dilation;
                        if (tx < 0 || tx % c.Stride != 0 || tx / c.Stride >= c.OutW)
                            continue;
                        sum += dCol[((ci * k + ky) * k + kx) * columns + ty / c.Stride * c.OutW + tx / c.Stride];
                    }
                }
                dInput[inBase + i] = sum;
            }
    }

    /// <summary>TransposeKernel: dst[j, i] = src[i, j] for src [Rows, Cols] (ChannelArgs: N = Rows, Plane = Cols). Thread: elements.</summary>
    public static void TransposeKernel(ArrayView<float> source, ArrayView<float> destination, ChannelArgs a)
    {
        int rows = a.N, cols = a.Plane, total = rows * cols, run = a.RunLength;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int e = start, end = Math.Min(start + run, total); e < end; e++)
                destination[e % cols * rows + e / cols] = source[e];
    }

    /// <summary>
    /// BiasEpilogueKernel: x[n, c, y, x] = epilogue(x + bias[c]) in place, over [N, C, H, W]. Finishes a
    /// convolution assembled by col2im. Thread: elements.
    /// </summary>
    public static void BiasEpilogueKernel(ArrayView<float> x, ArrayView<float> bias, ArrayView<float> scale, ArrayView<float> shift, EpilogueArgs a)
    {
        int total = a.Elements, run = a.RunLength;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int i = start, end = Math.Min(start + run, total); i < end; i++)
            {
                int c = i / a.Plane % a.Channels;
                float v = x[i] + bias[c];
                if (a.Epilogue != ConvEpilogue.None)
                {
                    v = v > 0f ? v : 0f;
                    if (a.Epilogue == ConvEpilogue.ReluAffine)
                        v = v * scale[c] + shift[c];
                }
                x[i] = v;
            }
    }
}
