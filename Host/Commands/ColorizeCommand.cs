using System.CommandLine;
using ColorKernels.Engine;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Models;

namespace ColorKernels.Host.Commands;

/// <summary><c>colorkernels colorize IN... -o OUT --model FILE</c>: colourize pictures with an ECCV16 model.</summary>
public static class ColorizeCommand
{
    public static Command Create()
    {
        var options = new BatchOptions();
        var model = new Option<string?>("--model", "-m")
        {
            Description = "Model file (.ckm) from 'train' or 'model init', or 'default': the built-in model (see docs/model-card.md), used when --model is not given",
        };
        var temperature = new Option<float?>("--temperature", "-t")
        {
            Description = "Annealed-mean temperature: near 0 gives each pixel's most likely colour, 1 the mean (default: the model's, 0.38 in the paper)",
        };
        var size = new Option<int?>("--size")
        {
            Description = "The network sees each picture resized to SIZE x SIZE (a multiple of 8); colours are predicted at SIZE/4 and scaled back to the picture's own size (default: the model's input_size, else 256)",
        };
        var batch = new Option<int?>("--batch")
        {
            Description = "Pictures per device launch (default: 1 on the CPU accelerator, 8 on a GPU)",
        };
        var fused = new Option<bool>("--unfused")
        {
            Description = "Run every layer as its own kernel (the reference path) instead of fused conv+ReLU+batch-norm kernels",
        };
        var command = new Command("colorize", "Colourize greyscale (or colour) pictures: the full-resolution L is kept and ab is predicted by the model.");
        options.AddTo(command);
        foreach (Option option in new Option[] { model, temperature, size, batch, fused })
            command.Options.Add(option);
        command.SetAction(result => Cli.Guard(() =>
        {
            BatchRunner runner = options.Runner(result, "colorize");
            string given = result.GetValue(model) ?? ModelFile.DefaultName;
            string path = ModelFile.DisplayName(given);
            if (result.GetValue(size) is { } asked && (asked < 8 || asked > ModelFile.MaxInputSize || asked % 8 != 0))
                throw new UserErrorException($"--size {asked}: must be a multiple of 8 from 8 to {ModelFile.MaxInputSize}");
            ModelFile file = ModelFile.Open(given);
            using ComputeDevice device = Cli.OpenDevice(result);
            if (file.Architecture == Engine.Som.SomMlpModel.ArchitectureName)
            {
                Engine.Som.SomMlpModel somMlp = Engine.Som.SomMlpModel.FromModelFile(file, path);
                return runner.Run(image => somMlp.Colorize(device, image), device.Description);
            }
            using Eccv16Network network = Eccv16Network.Load(device, file, path);
            network.Fused = !result.GetValue(fused);
            float t = result.GetValue(temperature) ?? network.Config.Temperature;
            using var colorizer = new Eccv16Colorizer(network, result.GetValue(size) ?? PreferredSize(file), t);
            int batchSize = result.GetValue(batch) ?? (device.Kind == DeviceKind.Cpu ? 1 : 8);
            return runner.Run(colorizer.Colorize, batchSize, device.Description);
        }));
        return command;
    }

    /// <summary>The input size a model file recommends (header "input_size", e.g. the scale it was trained at), else 256.</summary>
    public static int PreferredSize(ModelFile file) =>
        file.Header["input_size"] is System.Text.Json.Nodes.JsonValue v && v.TryGetValue(out int size) && size >= 8 && size % 8 == 0 ? size : 256;
}
