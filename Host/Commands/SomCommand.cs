using System.CommandLine;
using System.Globalization;
using ColorKernels.Engine;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Som;
using ColorKernels.Engine.Training;

namespace ColorKernels.Host.Commands;

/// <summary><c>colorkernels som fit|quantize</c>: the colour map of the SOM + MLP method.</summary>
public static class SomCommand
{
    public static Command Create()
    {
        var command = new Command("som", "Self-organising colour maps (Richart, Visca, Baliosian 2017): fit one to photos, or quantise pictures to one.");
        command.Subcommands.Add(Fit());
        command.Subcommands.Add(Quantize());
        return command;
    }

    public static Option<string> InitOption() => new("--som-init") { Description = "Codeword initialisation: random (samples) or pca (the samples' principal plane)", DefaultValueFactory = _ => "random" };

    public static Option<string> ModeOption() => new("--som-mode") { Description = "batch (batch SOM), online (sequential Kohonen updates) or kmeans (no neighbourhood: k-means, the reference point for quantisation error)", DefaultValueFactory = _ => "batch" };

    public static (SomInit Init, SomMode Mode) ParseInitMode(string init, string mode) => (
        init switch { "random" => SomInit.RandomSamples, "pca" => SomInit.PrincipalPlane, _ => throw new UsageException($"--som-init '{init}': expected random or pca") },
        mode switch { "batch" => SomMode.Batch, "online" => SomMode.Online, "kmeans" => SomMode.KMeans, _ => throw new UsageException($"--som-mode '{mode}': expected batch, online or kmeans") });

    /// <summary>Parses "3x3" into (3, 3); 1x1 up to 20x20.</summary>
    public static (int W, int H) ParseGrid(string text)
    {
        string[] parts = text.ToLowerInvariant().Split('x');
        if (parts.Length == 2 && int.TryParse(parts[0], out int w) && int.TryParse(parts[1], out int h) && w is >= 1 and <= 20 && h is >= 1 and <= 20)
            return (w, h);
        throw new UsageException($"--som '{text}': expected WxH with sides from 1 to 20, e.g. 3x3");
    }

    private static Command Fit()
    {
        var data = new Argument<string>("data") { Description = "Folder of colour photos (searched recursively)" };
        var output = new Option<string>("--output", "-o") { Description = "Map file to write (.ckm, architecture som)", Required = true };
        var grid = new Option<string>("--som") { Description = "Grid size WxH, from 2x2 to 20x20 as in the paper", DefaultValueFactory = _ => "3x3" };
        var perPhoto = new Option<int>("--samples-per-photo") { Description = "Random ab pixels taken from each photo", DefaultValueFactory = _ => 500 };
        var epochs = new Option<int>("--epochs") { Description = "Batch-SOM epochs (the radius shrinks from half the grid to 0.1)", DefaultValueFactory = _ => 20 };
        var seed = new Option<int>("--seed") { Description = "Seed of sampling and initialisation", DefaultValueFactory = _ => 0 };
        Option<string> init = InitOption(), mode = ModeOption();
        var command = new Command("fit", "Train a colour map on the ab colours of a folder of photos; prints quantisation and topographic error.")
        {
            data, output, grid, perPhoto, epochs, seed, init, mode, Cli.Device,
        };
        command.SetAction(result => Cli.Guard(() =>
        {
            var (w, h) = ParseGrid(result.GetValue(grid)!);
            var (somInit, somMode) = ParseInitMode(result.GetValue(init)!, result.GetValue(mode)!);
            if (result.GetValue(perPhoto) < 1)
                throw new UsageException("--samples-per-photo must be at least 1");
            IReadOnlyList<string> files = PhotoBatches.Scan(result.GetValue(data)!);
            using ComputeDevice device = Cli.OpenDevice(result);
            float[] samples = SomMap.SampleColours(device, files, result.GetValue(perPhoto), result.GetValue(seed), m => Cli.Warning("skipped " + m));
            SomQuality? last = null;
            SomMap map = SomMap.Fit(device, samples, w, h, result.GetValue(epochs), result.GetValue(seed), (e, q) => last = q, somInit, somMode);
            map.ToModelFile(last).Write(result.GetValue(output)!);
            var inv = CultureInfo.InvariantCulture;
            Console.Out.WriteLine(string.Create(inv, $"som: {w}x{h} map from {samples.Length / 2:N0} ab samples of {files.Count} photos; quantisation error {last!.QuantizationError:F2}, topographic error {last.TopographicError:P1}; wrote {result.GetValue(output)}"));
            return 0;
        }));
        return command;
    }

    private static Command Quantize()
    {
        var options = new BatchOptions();
        var model = new Option<string>("--model", "-m") { Description = "Map file from 'som fit'", Required = true };
        var command = new Command("quantize", "Replace each pixel's ab by its nearest codeword (L kept): what a 4- or 9-neuron map keeps of a photo.");
        options.AddTo(command);
        command.Options.Add(model);
        command.Options.Add(Cli.Device);
        command.SetAction(result => Cli.Guard(() =>
        {
            BatchRunner runner = options.Runner(result, "som quantize");
            string path = result.GetValue(model)!;
            SomMap map = SomMap.FromModelFile(ModelFile.Read(path), path);
            using ComputeDevice device = Cli.OpenDevice(result);
            return runner.Run(new Engine.Frames.FramePipeline(device, image => map.Quantize(device, image)), device.Description);
        }));
        return command;
    }
}
