using System.CommandLine;
using System.Globalization;
using ColorKernels.Engine;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Evaluation;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Training;

namespace ColorKernels.Host.Commands;

/// <summary><c>colorkernels eval DATA [--model M]... -o REPORT/</c>: the paper's metrics and a visual report.</summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var data = new Argument<string>("data") { Description = "Folder of colour photos (searched recursively)" };
        var models = new Option<string[]>("--model", "-m") { Description = "Model files to evaluate (repeat for several; 'default' is the built-in model); the greyscale baseline is always included", AllowMultipleArgumentsPerToken = false };
        var output = new Option<string>("--output", "-o") { Description = "Report folder: metrics.json, metrics.csv, index.html, contact-sheet.png, images/", Required = true };
        var size = new Option<int?>("--size") { Description = "Network input size for every model (a multiple of 8; default: each model's input_size, else 256)" };
        var temperature = new Option<float?>("--temperature", "-t") { Description = "Annealed-mean temperature (default: each model's own)" };
        var prior = new Option<string>("--prior") { Description = "Prior for the rebalanced AuC: imagenet (the paper's) or a CSV from 'colorkernels prior'", DefaultValueFactory = _ => "imagenet" };
        var gallery = new Option<int>("--gallery") { Description = "Pictures in the gallery and contact sheet", DefaultValueFactory = _ => 12 };
        var command = new Command("eval", "Score colourizers on colour photos (AuC, rebalanced AuC, PSNR, colourfulness, chroma) against the greyscale baseline, with an HTML report.")
        {
            data, models, output, size, temperature, prior, gallery,
        };
        command.SetAction(result => Cli.Guard(() =>
        {
            Cli.CheckSize(result.GetValue(size));
            Cli.CheckTemperature(result.GetValue(temperature));
            if (result.GetValue(gallery) < 0)
                throw new UsageException($"--gallery {result.GetValue(gallery)}: must be 0 or more");
            IReadOnlyList<string> files = PhotoBatches.Scan(result.GetValue(data)!);
            double[] p = result.GetValue(prior) is "imagenet" or null ? Rebalancing.ImageNetPrior() : Rebalancing.Read(result.GetValue(prior)!);
            using ComputeDevice device = Cli.OpenDevice(result);
            var disposables = new List<IDisposable>();
            try
            {
                var evalModels = new List<EvalModel>();
                var names = new HashSet<string> { EvaluationRun.Baseline, "original" };
                foreach (string path in result.GetValue(models) ?? Array.Empty<string>())
                {
                    ModelFile file = ModelFile.Open(path);
                    string name = Path.GetFileNameWithoutExtension(path);
                    for (int i = 2; !names.Add(name); i++)
                        name = $"{Path.GetFileNameWithoutExtension(path)}-{i}";
                    IColorizer colorizer = Colorizer.Open(device, file, path,
                        new ColorizerOptions { Temperature = result.GetValue(temperature), Size = result.GetValue(size) });
                    disposables.Add(colorizer);
                    evalModels.Add(new EvalModel(name, colorizer.Colorize));
                }
                string report = result.GetValue(output)!;
                int skipped = 0;
                var run = new EvaluationRun { GalleryLimit = result.GetValue(gallery) };
                IReadOnlyList<ImageScore> overall = run.Run(device, files, evalModels, p, report, message =>
                {
                    skipped++;
                    Cli.Warning("skipped " + message);
                });
                var inv = CultureInfo.InvariantCulture;
                Console.Out.WriteLine($"eval: {files.Count - skipped} photos on {device.Description}");
                Console.Out.WriteLine($"  {"model",-24} {"AuC",7} {"rebal.",7} {"PSNR",7} {"colourf.",9} {"chroma",7} (original: colourf. {overall[0].ColourfulnessOriginal.ToString("F1", inv)}, chroma {overall[0].ChromaOriginal.ToString("F2", inv)})");
                foreach (ImageScore s in overall)
                    Console.Out.WriteLine(string.Create(inv, $"  {s.Model,-24} {s.Auc,7:F2} {s.AucRebalanced,7:F2} {s.Psnr,7:F2} {s.Colourfulness,9:F1} {s.Chroma,7:F2}"));
                Console.Out.WriteLine($"  report: {Path.Combine(report, "index.html")}");
                return skipped > 0 ? Cli.Failure : 0;
            }
            finally
            {
                foreach (IDisposable d in Enumerable.Reverse(disposables))
                    d.Dispose();
            }
        }));
        return command;
    }
}
