using System.Diagnostics;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Color;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Tensors;
using ColorKernels.Engine.Training;

namespace ColorKernels.Perf.Speed;

/// <summary>
/// One ECCV16 training step (forward, loss, backward, Adam) per image at CROP x CROP, with a per-kernel
/// breakdown from the launcher's profiler (a separate, synchronised step: its total is slower than the
/// unprofiled median), and PyTorch CPU (perf/torch/eccv16_train_step.py) on the same shapes in the same run.
/// </summary>
public static class TrainStepBench
{
    public static void Run(ComputeDevice device, IReadOnlyList<double> widths, int crop, int batch, TextWriter log)
    {
        log.WriteLine($"eccv16-train-step  crop {crop}x{crop}, batch {batch}, Adam, device {device.Description}");
        foreach (double width in widths)
        {
            // Forward + backward is about 3x the forward's multiply-adds.
            double gflop = 3 * 2.0 * Eccv16Architecture.MultiplyAdds(width, crop, crop) / 1e9;
            var settings = new TrainSettings { Batch = batch, Crop = crop };
            using var trainer = new NetworkTrainer(device, NetworkInit.Create(NetworkConfig.Eccv16(width), 1), settings,
                Rebalancing.Weights(Rebalancing.ImageNetPrior()));
            var rgb = new byte[batch * crop * crop * 3];
            new Random(3).NextBytes(rgb);
            using Tensor<byte> packed = device.Upload("rgb", new Shape(batch, crop, crop, 3), rgb);
            using Tensor<float> lab = device.Allocate<float>("lab", Shape.Nchw(batch, 3, crop, crop));
            LabOps.SrgbBytesToLab(packed, lab);
            double seconds = Harness.MedianSeconds(() => trainer.Step(lab, 1e-4f), minRuns: 3, minSeconds: 2);
            double ms = seconds * 1000 / batch;
            (double Ms, string Version)? torch = Torch.Time("eccv16_train_step.py", width, crop, batch);
            string ratio = torch is { } t ? $"{t.Ms / batch / ms:F3}x PyTorch {t.Version} CPU ({t.Ms / batch:F1} ms/img)" : "PyTorch not run (needs /usr/bin/python3 with torch)";
            log.WriteLine($"  width {width}: {ms:F1} ms/img, {gflop / (ms / 1000):F2} GFLOP/s (~{gflop:F2} GFLOP/img); {ratio}");

            Harness.Profiled(device, log, "step", () => trainer.Step(lab, 1e-4f));
        }
    }
}

/// <summary>Runs a perf/torch script and reads its "torch MS RUNS VERSION" line; null when python3/torch are missing.</summary>
public static class Torch
{
    public static (double Ms, string Version)? Time(string script, double width, int size, int batch)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "torch", script);
        // COLORKERNELS_PERF_TORCH_CPU=0: no CPU reference (the GPU visit's compare.sh times PyTorch on the card
        // instead; a CPU run at its shapes would take minutes of the visit).
        if (!File.Exists("/usr/bin/python3") || !File.Exists(path) || Environment.GetEnvironmentVariable("COLORKERNELS_PERF_TORCH_CPU") == "0")
            return null;
        var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in new[] { path, width.ToString(System.Globalization.CultureInfo.InvariantCulture), size.ToString(), batch.ToString(), Environment.ProcessorCount.ToString() })
            info.ArgumentList.Add(arg);
        using Process process = Process.Start(info)!;
        string output = process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        string[] parts = output.Trim().Split(' ');
        if (process.ExitCode != 0 || parts.Length < 4 || parts[0] != "torch")
            return null;
        return (double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), parts[3]);
    }
}
