using ColorKernels.Kernels.Common;
using ILGPU;

namespace ColorKernels.Kernels.BatchNorm;

/// <summary>
/// Batch norm over NCHW tensors: inference (running or batch statistics), the training pass's batch
/// statistics and running-average update, and the backward pass (a per-channel reduction, then dx).
/// Per-channel kernels take one thread a channel and sum in a fixed order (deterministic); element-wise
/// ones take runs of elements.
/// </summary>
public static class BatchNormKernels
{
    /// <summary>
    /// BatchNormInferenceKernel: y = (x - mean[c]) / sqrt(var[c] + eps) * gamma[c] + beta[c] (gamma = 1,
    /// beta = 0 unless Affine). x, y [N, C, H, W] (may be the same buffer); statistics [C].
    /// Thread: elements.
    /// </summary>
    public static void BatchNormInferenceKernel(ArrayView<float> x, ArrayView<float> mean, ArrayView<float> variance,
        ArrayView<float> gamma, ArrayView<float> beta, ArrayView<float> y, BatchNormArgs a)
    {
        int total = a.Elements, run = a.RunLength;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int i = start, end = Math.Min(start + run, total); i < end; i++)
            {
                int c = i / a.Plane % a.Channels;
                float v = (x[i] - mean[c]) / MathF.Sqrt(variance[c] + a.Eps);
                y[i] = a.Affine ? v * gamma[c] + beta[c] : v;
            }
    }

    /// <summary>
    /// BatchNormStatsKernel: per channel, the batch mean and biased variance over N x H x W (two passes,
    /// so no catastrophic cancellation). x [N, C, H, W]; stats [2C] = means then variances. Thread: channels.
    /// </summary>
    public static void BatchNormStatsKernel(ArrayView<float> x, ArrayView<float> stats, BatchNormArgs a)
    {
        int run = a.RunLength, count = a.N * a.Plane;
        for (int start = GridStride.First(run); start < a.Channels; start += GridStride.Step(run))
            for (int c = start, end = Math.Min(start + run, a.Channels); c < end; c++)
            {
                float sum = 0f;
                for (int n = 0; n < a.N; n++)
                    for (int p = 0; p < a.Plane; p++)
                        sum += x[(n * a.Channels + c) * a.Plane + p];
                float mean = sum / count, squares = 0f;
                for (int n = 0; n < a.N; n++)
                    for (int p = 0; p < a.Plane; p++)
                    {
                        float d = x[(n * a.Channels + c) * a.Plane + p] - mean;
                        squares += d * d;
                    }
                stats[c] = mean;
                stats[a.Channels + c] = squares / count;
            }
    }

    /// <summary>
    /// BatchNormRunningUpdateKernel: running = (1 - m) running + m batch, with the unbiased batch variance
    /// (x M / (M - 1), M = N x H x W), as PyTorch does. stats [2C] from BatchNormStatsKernel; running [C] each;
    /// m = Momentum. Thread: channels.
    /// </summary>
    public static void BatchNormRunningUpdateKernel(ArrayView<float> stats, ArrayView<float> runningMean, ArrayView<float> runningVar, BatchNormArgs a)
    {
        int run = a.RunLength, count = a.N * a.Plane;
        float m = a.Momentum, unbias = count > 1 ? (float)count / (count - 1) : 1f;
        for (int start = GridStride.First(run); start < a.Channels; start += GridStride.Step(run))
            for (int c = start, end = Math.Min(start + run, a.Channels); c < end; c++)
            {
                runningMean[c] = (1f - m) * runningMean[c] + m * stats[c];
                runningVar[c] = (1f - m) * runningVar[c] + m * stats[a.Channels + c] * unbias;
            }
    }

    /// <summary>
    /// BatchNormBackwardReduceKernel: per channel, sums[c] = sum of dy and sums[C + c] = sum of dy * xhat,
    /// xhat = (x - mean) / sqrt(var + eps), over N x H x W (assigns). These are dbeta and dgamma, and feed
    /// the data gradient. x, dy [N, C, H, W]; stats [2C]; sums [2C]. Thread: channels.
    /// </summary>
    public static void BatchNormBackwardReduceKernel(ArrayView<float> x, ArrayView<float> dy, ArrayView<float> stats, ArrayView<float> sums, BatchNormArgs a)
    {
        int run = a.RunLength;
        for (int start = GridStride.First(run); start < a.Channels; start += GridStride.Step(run))
            for (int c = start, end = Math.Min(start + run, a.Channels); c < end; c++)
            {
                float mean = stats[c], invStd = 1f / MathF.Sqrt(stats[a.Channels + c] + a.Eps);
                float sumDy = 0f, sumDyXhat = 0f;
                for (int n = 0; n < a.N; n++)
                    for (int p = 0; p < a.Plane; p++)
                    {
                        int i = (n * a.Channels + c) * a.Plane + p;
                        sumDy += dy[i];
                        sumDyXhat += dy[i] * (x[i] - mean) * invStd;
                    }
                sums[c] = sumDy;
                sums[a.Channels + c] = sumDyXhat;
            }
    }

    /// <summary>
    /// BatchNormBackwardDataKernel (training mode, batch statistics): dx = gamma invstd / M (M dy - sum dy -
    /// xhat sum(dy xhat)), M = N x H x W. Activation gradient: assigns. x, dy, dx [N, C, H, W]; stats, sums [2C];
    /// gamma [C] (ignored, taken as 1, unless Affine). Thread: elements.
    /// </summary>
    public static void BatchNormBackwardDataKernel(ArrayView<float> x, ArrayView<float> dy, ArrayView<float> stats, ArrayView<float> gamma,
        ArrayView<float> sums, ArrayView<float> dx, BatchNormArgs a)
    {
        int total = a.Elements, run = a.RunLength;
        float count = a.N * a.Plane;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int i = start, end = Math.Min(start + run, total); i < end; i++)
            {
                int c = i / a.Plane % a.Channels;
                float invStd = 1f / MathF.Sqrt(stats[a.Channels + c] + a.Eps);
                float xhat = (x[i] - stats[c]) * invStd;
                float g = a.Affine ? gamma[c] : 1f;
                dx[i] = g * invStd / count * (count * dy[i] - sums[c] - xhat * sums[a.Channels + c]);
            }
    }
}
