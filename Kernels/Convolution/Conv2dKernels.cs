using ColorKernels.Kernels.Common;
using ILGPU;

namespace ColorKernels.Kernels.Convolution;

/// <summary>
/// Direct 2-D convolutions, NCHW. These are the plain forms: one thread computes one output element
/// (threads take runs of the flattened output index, see <see cref="GridStride"/>), reading its K x K x InC
/// window straight from global memory. They are the engine's portable baseline; tiled variants come later
/// and are checked against the same references (<see cref="Conv2dReference"/>).
/// </summary>
public static class Conv2dKernels
{
    /// <summary>
    /// Conv2dForwardKernel: out[n, co, oy, ox] = epilogue(bias[co] + sum over ci, ky, kx of
    /// in[n, ci, oy*S - P + ky*D, ox*S - P + kx*D] * w[co, ci, ky, kx]), with zero padding.
    /// input [N, InC, InH, InW], weight [OutC, InC, K, K], bias [OutC], scale/shift [OutC] (epilogue
    /// ReluAffine only), output [N, OutC, OutH, OutW]. Thread: output elements.
    /// </summary>
    public static void Conv2dForwardKernel(ArrayView<float> input, ArrayView<float> weight, ArrayView<float> bias,
        ArrayView<float> scale, ArrayView<float> shift, ArrayView<float> output, Conv2dArgs a)
    {
        int total = a.OutputElements, run = a.RunLength, k = a.Kernel, plane = a.InH * a.InW;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int o = start, end = Math.Min(start + run, total); o < end; o++)
            {
                int ox = o % a.OutW, rest = o / a.OutW;
                int oy = rest % a.OutH;
                rest /= a.OutH;
                int co = rest % a.OutC, n = rest / a.OutC;
                int iy0 = oy * a.Stride - a.Pad, ix0 = ox * a.Stride - a.Pad;
                float sum = a.HasBias != 0 ? bias[co] : 0f;
                for (int ci = 0; ci < a.InC; ci++)
                {
                    int inBase = (n * a.InC + ci) * plane;
                    int wBase = (co * a.InC + ci) * k * k;
                    for (int ky = 0; ky < k; ky++)
                    {
                        int iy = iy0 + ky * a.Dilation;
                        if (iy < 0 || iy >= a.InH)
                            continue;
                        for (int kx = 0; kx < k; kx++)
                        {
                            int ix = ix0 + kx * a.Dilation;
                            if (ix >= 0 && ix < a.InW)
                                sum += input[inBase + iy * a.InW + ix] * weight[wBase + ky * k + kx];
                        }
                    }
                }
                output[o] = Epilogue(sum, co, scale, shift, a.Epilogue);
            }
    }

    /// <summary>
    /// ConvTranspose2dForwardKernel (gather form): out[n, co, oy, ox] = epilogue(bias[co] + sum over ci, ky, kx
    /// of in[n, ci, iy, ix] * w[ci, co, ky, kx]) over the (iy, ix) with iy*S - P + ky = oy and
    /// ix*S - P + kx = ox. input [N, InC, InH, InW], weight [InC, OutC, K, K], output [N, OutC, OutH, OutW].
    /// Gathering (not scattering) keeps one writer per output, so no atomics. Thread: output elements.
    /// </summary>
    public static void ConvTranspose2dForwardKernel(ArrayView<float> input, ArrayView<float> weight, ArrayView<float> bias,
        ArrayView<float> scale, ArrayView<float> shift, ArrayView<float> output, Conv2dArgs a)
    {
        int total = a.OutputElements, run = a.RunLength, k = a.Kernel, plane = a.InH * a.InW;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int o = start, end = Math.Min(start + run, total); o < end; o++)
            {
                int ox = o % a.OutW, rest = o / a.OutW;
                int oy = rest % a.OutH;
                rest /= a.OutH;
                int co = rest % a.OutC, n = rest / a.OutC;
                float sum = a.HasBias != 0 ? bias[co] : 0f;
                for (int ky = 0; ky < k; ky++)
                {
                    int ty = oy + a.Pad - ky;
                    if (ty < 0 || ty % a.Stride != 0)
                        continue;
                    int iy = ty / a.Stride;
                    if (iy >= a.InH)
                        continue;
                    for (int kx = 0; kx < k; kx++)
                    {
                        int tx = ox + a.Pad - kx;
                        if (tx < 0 || tx % a.Stride != 0)
                            continue;
                        int ix = tx / a.Stride;
                        if (ix >= a.InW)
                            continue;
                        for (int ci = 0; ci < a.InC; ci++)
                            sum += input[(n * a.InC + ci) * plane + iy * a.InW + ix] * weight[((ci * a.OutC + co) * k + ky) * k + kx];
                    }
                }
                output[o] = Epilogue(sum, co, scale, shift, a.Epilogue);
            }
    }

    private static float Epilogue(float sum, int channel, ArrayView<float> scale, ArrayView<float> shift, int epilogue)
    {
        if (epilogue == (int)ConvEpilogue.None)
            return sum;
        float y = sum > 0f ? sum : 0f;
        return epilogue == (int)ConvEpilogue.ReluAffine ? y * scale[channel] + shift[channel] : y;
    }
}
