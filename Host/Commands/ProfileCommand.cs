using System.CommandLine;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Launch;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Tensors;
using ColorKernels.Engine.Training;

namespace ColorKernels.Host.Commands;

/// <summary><c>colorkernels profile</c>: per-kernel timings of an inference or training step, and a Chrome trace.</summary>
public static class ProfileCommand
{
    public static Command Create()
    {
        var width = new Option<double>("--width") { Description = "Width of a freshly initialised eccv16 model (ignored with --model)", DefaultValueFactory = _ => 0.25 };
        var model = new Option<string?>("--model") { Description = "Profile this model file ('default': the built-in one)" };
        var size = new Option<int>("--size") { Description = "Input size (multiple of 8); the crop for --train", DefaultValueFactory = _ => 256 };
        var batch = new Option<int>("--batch") { Description = "Pictures per step", DefaultValueFactory = _ => 1 };
        var train = new Option<bool>("--train") { Description = "Profile a training step (forward, loss, backward, Adam) instead of inference" };
        var iterations = new Option<int>("--iterations") { Description = "Profiled steps", DefaultValueFactory = _ => 3 };
        var warmup = new Option<int>("--warmup") { Description = "Unprofiled steps first (kernel compilation happens here)", DefaultValueFactory = _ => 1 };
        var trace = new Option<string?>("--trace") { Description = "Write a Chrome/Perfetto trace (JSON) of every profiled launch" };
        var conv = new Option<string?>("--conv")
        {
            Description = "Convolution variant: tiled (implicit GEMM, 4x4 register blocks), tiled-large (8x8 blocks, double-buffered), tiled-auto (either, per layer: the GPUs' default), gemm (im2col + GEMM, the CPU's default) or direct",
        };
        conv.AcceptOnlyFromAmong(ConvAlgorithmNames.All.Keys.ToArray());
        var command = new Command("profile", "Time every kernel of an ECCV16 inference or training step: launches, ms, GFLOP/s, GB/s, share of the device's measured peaks.")
        {
            width, model, size, batch, train, iterations, warmup, trace, conv,
        };
        command.SetAction(result => Cli.Guard(() =>
        {
            int s = result.GetValue(size), n = result.GetValue(batch);
            if (s < 8 || s % 8 != 0 || n < 1)
                throw new UsageException($"--size {s} / --batch {n}: size must be a positive multiple of 8 and batch at least 1");
            string? path = result.GetValue(model);
            double w = result.GetValue(width);
            ModelFile file = path is null ? NetworkInit.Create(NetworkConfig.Eccv16(w), 1) : ModelFile.Open(path);
            using ComputeDevice device = Cli.OpenDevice(result);
            if (result.GetValue(conv) is { } name)
                device.ConvAlgorithm = ConvAlgorithmNames.All[name];
            Console.Out.WriteLine($"convolutions: {device.ConvAlgorithm}");
            var random = new Random(1);
            ProfileResult profile;
            if (result.GetValue(train))
            {
                using var trainer = new NetworkTrainer(device, file, new TrainSettings { Batch = n, Crop = s },
                    Rebalancing.Weights(Rebalancing.ImageNetPrior()));
                var rgb = new byte[n * s * s * 3];
                random.NextBytes(rgb);
                using Tensor<byte> packed = device.Upload("rgb", new Shape(n, s, s, 3), rgb);
                using Tensor<float> lab = device.Allocate<float>("lab", Shape.Nchw(n, 3, s, s));
                Engine.Ops.LabOps.SrgbBytesToLab(packed, lab);
                profile = Profiler.Run(device, () => trainer.Step(lab, 1e-4f), result.GetValue(warmup), result.GetValue(iterations));
            }
            else
            {
                using var network = InferenceNetwork.Load(device, file, path ?? "model");
                // (The hint network's hint channels get noise too: the work does not depend on the values.)
                int channels = network.Config.InputChannels, cells = network.Config.Architecture.PredictionCells(s);
                float[] l = Enumerable.Range(0, n * channels * s * s).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
                using Tensor<float> input = device.Upload("input", Shape.Nchw(n, channels, s, s), l);
                using Tensor<float> ab = device.Allocate<float>("ab", Shape.Nchw(n, 2, cells, cells));
                profile = Profiler.Run(device, () => network.DecodeAb(network.Forward(input), ab, network.Config.Temperature),
                    result.GetValue(warmup), result.GetValue(iterations));
            }
            Console.Out.Write(Profiler.Table(profile));
            if (result.GetValue(trace) is { } tracePath)
            {
                Profiler.WriteTrace(tracePath, profile);
                Console.Out.WriteLine($"trace: {tracePath} ({profile.Trace.Count} launches; open in chrome://tracing or ui.perfetto.dev)");
            }
            return 0;
        }));
        return command;
    }
}
