using System.Globalization;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;

namespace ColorKernels.Perf.Speed;

/// <summary>
/// The hint solve (<see cref="HintPropagationOps.Propagate"/>, 100 conjugate-gradient steps, the default) on grids
/// from the built-in model's 28 x 28 to 256 x 256, 10 hint cells, L with edges and noise: 7 launches a step
/// (the baseline) against the whole solve in one launch of one thread; median ms of each, their ratio, and how far
/// apart their answers are (ab units).
/// </summary>
internal static class HintSolveBench
{
    public static void Run(ComputeDevice device, TextWriter log)
    {
        log.WriteLine($"hint-solve  100 steps, 10 hint cells, on {device.Description}");
        log.WriteLine($"  {"grid",-10} {"launch per step ms",18} {"one launch ms",14} {"ratio",7} {"max |diff|",11}");
        foreach (int side in new[] { 28, 64, 128, 256 })
        {
            int cells = side * side;
            var random = new Random(side);
            float[] y = new float[cells], mask = new float[cells], x0 = new float[2 * cells];
            for (int r = 0; r < cells; r++)
                y[r] = (float)(0.3 + ((r % side) > side / 2 ? 0.3 : 0) + ((r / side) > side / 3 ? 0.2 : 0) + 0.02 * random.NextDouble());
            for (int k = 0; k < 10; k++)
            {
                int r = random.Next(cells);
                mask[r] = 1;
                x0[r] = (float)(random.NextDouble() * 60 - 30);
                x0[cells + r] = (float)(random.NextDouble() * 60 - 30);
            }
            using Tensor<float> ty = device.Upload("y", Shape.Nchw(1, 1, side, side), y);
            using Tensor<float> tm = device.Upload("mask", ty.Shape, mask);
            using Tensor<float> tx = device.Allocate<float>("x", Shape.Nchw(1, 2, side, side));
            double[] ms = new double[2];
            float[][] answers = new float[2][];
            foreach (var (k, solve) in new[] { (0, HintSolve.LaunchPerStep), (1, HintSolve.OneLaunch) })
            {
                var settings = new PropagationSettings(Solve: solve);
                void Once()
                {
                    tx.Upload(x0);
                    HintPropagationOps.Propagate(ty, tm, tx, settings);
                    device.Synchronize();
                }
                ms[k] = 1000 * Harness.MedianSeconds(Once, minRuns: 3, minSeconds: 1);
                answers[k] = tx.Download();
            }
            double diff = answers[0].Zip(answers[1], (u, v) => Math.Abs(u - v)).Max();
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {$"{side}x{side}",-10} {ms[0],18:F1} {ms[1],14:F1} {ms[0] / ms[1],6:F2}x {diff,11:G3}"));
        }
    }
}
