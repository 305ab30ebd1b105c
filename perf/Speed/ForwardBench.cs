using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Tensors;

namespace ColorKernels.Perf.Speed;

/// <summary>
/// ECCV16 forward pass (logits + annealed mean at SIZE/4) per image at SIZE x SIZE, for several widths, with
/// GFLOP/s (2 x multiply-adds), fused and unfused; and PyTorch CPU (perf/torch/eccv16_forward.py: Debian's
/// python3-torch) on the same network shape, batch and input size in the same run as the reference point.
/// </summary>
public static class ForwardBench
{
    public static void Run(ComputeDevice device, IReadOnlyList<double> widths, int size, int batch, TextWriter log)
    {
        log.WriteLine($"eccv16-forward  {size}x{size}, batch {batch}, device {device.Description}");
        log.WriteLine($"  {"width",6} {"GFLOP/img",10} {"variant",-22} {"ms/img",10} {"GFLOP/s",9} {"vs torch",9}");
        foreach (double width in widths)
        {
            double gflop = 2.0 * Eccv16Architecture.MultiplyAdds(width, size, size) / 1e9;
            (double Ms, string Version)? torch = Torch.Time("eccv16_forward.py", width, size, batch);
            using InferenceNetwork network = InferenceNetwork.Load(device, NetworkInit.Create(NetworkConfig.Eccv16(width), seed: 1), "bench");
            float[] l = new float[batch * size * size];
            var random = new Random(2);
            for (int i = 0; i < l.Length; i++)
                l[i] = (float)random.NextDouble() - 0.5f;
            using Tensor<float> input = device.Upload("input", Shape.Nchw(batch, 1, size, size), l);
            using Tensor<float> ab = device.Allocate<float>("ab", Shape.Nchw(batch, 2, size / 4, size / 4));
            foreach (bool fused in new[] { true, false })
            {
                network.Fused = fused;
                double seconds = Harness.MedianSeconds(() =>
                {
                    network.DecodeAb(network.Forward(input), ab, 0.38f);
                    device.Synchronize();
                }, minRuns: 3, minSeconds: 2);
                double msPerImage = seconds * 1000 / batch;
                string ratio = torch is { } t ? $"{t.Ms / batch / msPerImage,8:F3}x" : "      n/a";
                log.WriteLine($"  {width,6} {gflop,10:F2} {(fused ? "fused" : "unfused"),-22} {msPerImage,10:F1} {gflop / (msPerImage / 1000),9:F2} {ratio}");
            }
            // Where the time goes: one more fused pass with the launcher's profiler on (synchronised per launch,
            // so its total is above the median), the kernels by their share, as the training step prints them.
            network.Fused = true;
            Harness.Profiled(device, log, "pass", () => network.DecodeAb(network.Forward(input), ab, 0.38f));
            if (torch is { } tt)
                log.WriteLine($"  {width,6} {gflop,10:F2} {"PyTorch " + tt.Version + " CPU",-22} {tt.Ms / batch,10:F1} {gflop / (tt.Ms / batch / 1000),9:F2} {1.0,8:F3}x");
            else
                log.WriteLine("  (PyTorch reference not run: needs /usr/bin/python3 with torch, e.g. Debian's python3-torch)");
        }
    }
}
