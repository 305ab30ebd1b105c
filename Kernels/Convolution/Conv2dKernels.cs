using ColorKernels.Kernels.Common;
using ILGPU;

namespace ColorKernels.Kernels.Convolution;

/// <summary>
/// Direct 2-D convolutions, NCHW, forward and backward side by side. Activation gradients assign (=);
/// parameter gradients accumulate (+=), so a caller zeroes them once per step. These are the plain forms: one thread computes one output element
/// (threads take runs of the flattened output index, see <see cref="GridStride"/>), reading its K x K x InC
/// window straight from global memory. They are the engine's plain baseline (ConvAlgorithm.Direct); the CPU's
/// lowered GEMM (Engine/Ops/Convolution/LoweredGemmConv.cs) and the GPUs' tiled implicit GEMM (<see cref="TiledConvKernels"/>) are checked
/// against the same references (<see cref="Conv2dReference"/>).
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

    /// <summary>
    /// Conv2dBackwardDataKernel: dIn[n, ci, iy, ix] = sum over co, ky, kx of dOut[n, co, oy, ox] * w[co, ci, ky, kx]
    /// over the (oy, ox) with oy*S - P + ky*D = iy, ox*S - P + kx*D = ix. Activation gradient: assigns (=).
    /// dOut [N, OutC, OutH, OutW], weight [OutC, InC, K, K], dIn [N, InC, InH, InW]. Thread: input elements.
    /// </summary>
    public static void Conv2dBackwardDataKernel(ArrayView<float> dOut, ArrayView<float> weight, ArrayView<float> dIn, Conv2dArgs a)
    {
        int total = a.N * a.InC * a.InH * a.InW, run = a.RunLength, k = a.Kernel, outPlane = a.OutH * a.OutW;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int i = start, end = Math.Min(start + run, total); i < end; i++)
            {
                int ix = i % a.InW, rest = i / a.InW;
                int iy = rest % a.InH;
                rest /= a.InH;
                int ci = rest % a.InC, n = rest / a.InC;
                float sum = 0f;
                for (int ky = 0; ky < k; ky++)
                {
                    int ty = iy + a.Pad - ky * a.Dilation;
                    if (ty < 0 || ty % a.Stride != 0 || ty / a.Stride >= a.OutH)
                        continue;
                    int oy = ty / a.Stride;
                    for (int kx = 0; kx < k; kx++)
                    {
                        int tx = ix + a.Pad - kx * a.Dilation;
                        if (tx < 0 || tx % a.Stride != 0 || tx / a.Stride >= a.OutW)
                            continue;
                        int ox = tx / a.Stride;
                        for (int co = 0; co < a.OutC; co++)
                            sum += dOut[(n * a.OutC + co) * outPlane + oy * a.OutW + ox] * weight[((co * a.InC + ci) * k + ky) * k + kx];
                    }
                }
                dIn[i] = sum;
            }
    }

    /// <summary>
    /// Conv2dBackwardWeightKernel: dW[co, ci, ky, kx] += sum over n, oy, ox of dOut[n, co, oy, ox] *
    /// in[n, ci, oy*S - P + ky*D, ox*S - P + kx*D]. Parameter gradient: accumulates (+=).
    /// input [N, InC, InH, InW], dOut [N, OutC, OutH, OutW], dW [OutC, InC, K, K]. Thread: weight elements.
    /// </summary>
    public static void Conv2dBackwardWeightKernel(ArrayView<float> input, ArrayView<float> dOut, ArrayView<float> dWeight, Conv2dArgs a)
    {
        int k = a.Kernel, total = a.OutC * a.InC * k * k, run = a.RunLength;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int i = start, end = Math.Min(start + run, total); i < end; i++)
            {
                int kx = i % k, rest = i / k;
                int ky = rest % k;
                rest /= k;
                int ci = rest % a.InC, co = rest / a.InC;
                float sum = 0f;
                for (int n = 0; n < a.N; n++)
                {
                    int inBase = (n * a.InC + ci) * a.InH * a.InW, outBase = (n * a.OutC + co) * a.OutH * a.OutW;
                    for (int oy = 0; oy < a.OutH; oy++)
                    {
                        int iy = oy * a.Stride - a.Pad + ky * a.Dilation;
                        if (iy < 0 || iy >= a.InH)
                            continue;
                        for (int ox = 0; ox < a.OutW; ox++)
                        {
                            int ix = ox * a.Stride - a.Pad + kx * a.Dilation;
                            if (ix >= 0 && ix < a.InW)
                                sum += dOut[outBase + oy * a.OutW + ox] * input[inBase + iy * a.InW + ix];
                        }
                    }
                }
                dWeight[i] += sum;
            }
    }

    /// <summary>
    /// ConvBiasBackwardKernel: dB[c] += sum over n, y, x of dOut[n, c, y, x]. Parameter gradient: accumulates.
    /// dOut [N, OutC, OutH, OutW], dB [OutC]. Thread: channels.
    /// </summary>
    public static void ConvBiasBackwardKernel(ArrayView<float> dOut, ArrayView<float> dBias, Conv2dArgs a)
    {
        int plane = a.OutH * a.OutW, run = a.RunLength;
        for (int start = GridStride.First(run); start < a.OutC; start += GridStride.Step(run))
            for (int c = start, end = Math.Min(start + run, a.OutC); c < end; c++)
            {
                float sum = 0f;
                for (int n = 0; n < a.N; n++)
                    for (int p = 0; p < plane; p++)
                        sum += dOut[(n * a.OutC + c) * plane + p];
                dBias[c] += sum;
            }
    }

    /// <summary>
    /// ConvTranspose2dBackwardDataKernel: dIn[n, ci, iy, ix] = sum over co, ky, kx of
    /// dOut[n, co, iy*S - P + ky, ix*S - P + kx] * w[ci, co, ky, kx] (a forward convolution of dOut).
    /// Activation gradient: assigns (=). Thread: input elements.
    /// </summary>
    public static void ConvTranspose2dBackwardDataKernel(ArrayView<float> dOut, ArrayView<float> weight, ArrayView<float> dIn, Conv2dArgs a)
    {
        int total = a.N * a.InC * a.InH * a.InW, run = a.RunLength, k = a.Kernel, outPlane = a.OutH * a.OutW;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int i = start, end = Math.Min(start + run, total); i < end; i++)
            {
                int ix = i % a.InW, rest = i / a.InW;
                int iy = rest % a.InH;
                rest /= a.InH;
                int ci = rest % a.InC, n = rest / a.InC;
                float sum = 0f;
                for (int ky = 0; ky < k; ky++)
                {
                    int oy = iy * a.Stride - a.Pad + ky;
                    if (oy < 0 || oy >= a.OutH)
                        continue;
                    for (int kx = 0; kx < k; kx++)
                    {
                        int ox = ix * a.Stride - a.Pad + kx;
                        if (ox < 0 || ox >= a.OutW)
                            continue;
                        for (int co = 0; co < a.OutC; co++)
                            sum += dOut[(n * a.OutC + co) * outPlane + oy * a.OutW + ox] * weight[((ci * a.OutC + co) * k + ky) * k + kx];
                    }
                }
                dIn[i] = sum;
            }
    }

    /// <summary>
    /// ConvTranspose2dBackwardWeightKernel: dW[ci, co, ky, kx] += sum over n, iy, ix of in[n, ci, iy, ix] *
    /// dOut[n, co, iy*S - P + ky, ix*S - P + kx]. Parameter gradient: accumulates (+=). Thread: weight elements.
    /// </summary>
    public static void ConvTranspose2dBackwardWeightKernel(ArrayView<float> input, ArrayView<float> dOut, ArrayView<float> dWeight, Conv2dArgs a)
    {
        int k = a.Kernel, total = a.InC * a.OutC * k * k, run = a.RunLength;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int i = start, end = Math.Min(start + run, total); i < end; i++)
            {
                int kx = i % k, rest = i / k;
                int ky = rest % k;
                rest /= k;
                int co = rest % a.OutC, ci = rest / a.OutC;
                float sum = 0f;
                for (int n = 0; n < a.N; n++)
                {
                    int inBase = (n * a.InC + ci) * a.InH * a.InW, outBase = (n * a.OutC + co) * a.OutH * a.OutW;
                    for (int iy = 0; iy < a.InH; iy++)
                    {
                        int oy = iy * a.Stride - a.Pad + ky;
                        if (oy < 0 || oy >= a.OutH)
                            continue;
                        for (int ix = 0; ix < a.InW; ix++)
                        {
                            int ox = ix * a.Stride - a.Pad + kx;
                            if (ox >= 0 && ox < a.OutW)
                                sum += input[inBase + iy * a.InW + ix] * dOut[outBase + oy * a.OutW + ox];
                        }
                    }
                }
                dWeight[i] += sum;
            }
    }

    internal static float Epilogue(float sum, int channel, ArrayView<float> scale, ArrayView<float> shift, ConvEpilogue epilogue)
    {
        if (epilogue == ConvEpilogue.None)
            return sum;
        float y = sum > 0f ? sum : 0f;
        return epilogue == ConvEpilogue.ReluAffine ? y * scale[channel] + shift[channel] : y;
    }
}
