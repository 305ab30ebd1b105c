using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Convolution;

namespace ColorKernels.Perf.Speed;

/// <summary>
/// One 3x3 convolution layer on the chosen device (the CPU accelerator runs its im2col + GEMM variant,
/// a GPU the direct kernel) against a plain C# Parallel.For convolution over the same float arrays, in the
/// same run (the fast-kernel issue's CPU target: at least half the Parallel.For speed). Both are checked
/// against the double-precision reference first.
/// </summary>
public static class ConvBench
{
    public static void Run(ComputeDevice device, TextWriter log)
    {
        foreach (var (c, o, size) in new[] { (64, 64, 64), (32, 32, 128), (128, 128, 32) })
        {
            var a = Conv2dArgs.Forward(1, c, size, size, o, 3, 1, 1, 1, hasBias: true);
            var random = new Random(1);
            float[] x = Enumerable.Range(0, c * size * size).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
            float[] w = Enumerable.Range(0, o * c * 9).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
            float[] b = new float[o];
            var y = new float[o * size * size];

            void ParallelFor() => Parallel.For(0, o, co =>
            {
                for (int oy = 0; oy < size; oy++)
                    for (int ox = 0; ox < size; ox++)
                    {
                        float sum = b[co];
                        for (int ci = 0; ci < c; ci++)
                            for (int ky = 0; ky < 3; ky++)
                            {
                                int iy = oy - 1 + ky;
                                if (iy < 0 || iy >= size)
                                    continue;
                                for (int kx = 0; kx < 3; kx++)
                                {
                                    int ix = ox - 1 + kx;
                                    if (ix >= 0 && ix < size)
                                        sum += x[(ci * size + iy) * size + ix] * w[((co * c + ci) * 3 + ky) * 3 + kx];
                                }
                            }
                        y[(co * size + oy) * size + ox] = sum;
                    }
            });

            using Tensor<float> tx = device.Upload("x", Shape.Nchw(1, c, size, size), x);
            using Tensor<float> tw = device.Upload("w", Shape.Nchw(o, c, 3, 3), w);
            using Tensor<float> tb = device.Upload("b", new Shape(o), b);
            using Tensor<float> ty = device.Allocate<float>("y", Shape.Nchw(1, o, size, size));
            void Kernel()
            {
                Conv2dOps.Forward(tx, tw, tb, ty, 1, 1);
                device.Synchronize();
            }

            double[] reference = Conv2dReference.Forward(x, w, b, null, null, a);
            ParallelFor();
            Kernel();
            float[] fromDevice = ty.Download();
            for (int i = 0; i < reference.Length; i++)
                if (Math.Abs(reference[i] - y[i]) > 1e-3 || Math.Abs(reference[i] - fromDevice[i]) > 1e-3)
                    throw new InvalidOperationException($"conv {c}->{o} at {size}: wrong result at {i}; refusing to time it");

            double gflop = 2.0 * o * c * 9 * size * size / 1e9;
            double tFor = Harness.MedianSeconds(ParallelFor, minRuns: 3, minSeconds: 1);
            double tKernel = Harness.MedianSeconds(Kernel, minRuns: 3, minSeconds: 1);
            log.WriteLine($"conv3x3 {c}->{o} at {size}x{size} ({gflop:F2} GFLOP) on {device.Description}: " +
                          $"Parallel.For {gflop / tFor:F2} GFLOP/s, device {gflop / tKernel:F2} GFLOP/s, ratio {tFor / tKernel:F2}x");
        }
    }
}
