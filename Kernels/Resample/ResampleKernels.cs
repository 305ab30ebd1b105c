using ColorKernels.Kernels.Common;
using ILGPU;

namespace ColorKernels.Kernels.Resample;

/// <summary>Bilinear resizing of NCHW planes.</summary>
public static class ResampleKernels
{
    /// <summary>
    /// ResizeBilinearKernel, PyTorch's align_corners=False convention (what nn.Upsample(mode='bilinear')
    /// does): the source coordinate of output pixel x is (x + 0.5) * InW / OutW - 0.5, clamped below at 0;
    /// the two neighbours are floor(s) and min(floor(s) + 1, InW - 1). dst = bilinear * Scale + Shift.
    /// Shapes in <see cref="ResizeArgs"/>. Thread: output elements.
    /// </summary>
    public static void ResizeBilinearKernel(ArrayView<float> source, ArrayView<float> destination, ResizeArgs a)
    {
        int total = a.OutputElements, run = a.RunLength;
        float ry = (float)a.InH / a.OutH, rx = (float)a.InW / a.OutW;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int o = start, end = Math.Min(start + run, total); o < end; o++)
            {
                int x = o % a.OutW, rest = o / a.OutW;
                int y = rest % a.OutH;
                rest /= a.OutH;
                int c = rest % a.Channels, n = rest / a.Channels;

                float sy = MathF.Max((y + 0.5f) * ry - 0.5f, 0f), sx = MathF.Max((x + 0.5f) * rx - 0.5f, 0f);
                int y0 = (int)sy, x0 = (int)sx;
                int y1 = y0 < a.InH - 1 ? y0 + 1 : y0, x1 = x0 < a.InW - 1 ? x0 + 1 : x0;
                float ly = sy - y0, lx = sx - x0;
                int src = (n * a.SrcC + a.SrcOffset + c) * a.InH * a.InW;
                float top = source[src + y0 * a.InW + x0] * (1f - lx) + source[src + y0 * a.InW + x1] * lx;
                float bottom = source[src + y1 * a.InW + x0] * (1f - lx) + source[src + y1 * a.InW + x1] * lx;
                float value = top * (1f - ly) + bottom * ly;
                destination[((n * a.DstC + a.DstOffset + c) * a.OutH + y) * a.OutW + x] = value * a.Scale + a.Shift;
            }
    }
}
