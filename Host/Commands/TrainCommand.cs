using System.CommandLine;
using System.Globalization;
using ColorKernels.Engine;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Training;
using Spectre.Console;

namespace ColorKernels.Host.Commands;

/// <summary><c>colorkernels train DATA --out RUN/</c>: train an ECCV16 colourizer on a folder of colour photos.</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var data = new Argument<string>("data") { Description = "Folder of colour photos (searched recursively)" };
        var output = new Option<string>("--out") { Description = "Run folder: model.ckm, optimizer.ckm, log.csv, loss.png", Required = true };
        var arch = new Option<string>("--arch") { Description = "Architecture: eccv16", DefaultValueFactory = _ => "eccv16" };
        var width = new Option<double>("--width") { Description = "Channel multiplier of a new model", DefaultValueFactory = _ => 0.25 };
        var init = new Option<string?>("--init") { Description = "Start from this model file instead of a new He-initialised one" };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out exactly where its last checkpoint stopped" };
        var steps = new Option<int>("--steps") { Description = "Total optimiser steps of the run", DefaultValueFactory = _ => 1000 };
        var batch = new Option<int>("--batch") { Description = "Photos per step", DefaultValueFactory = _ => 8 };
        var lr = new Option<double>("--lr") { Description = "Learning rate", DefaultValueFactory = _ => 3e-4 };
        var schedule = new Option<string>("--schedule") { Description = "constant, step (x --lr-gamma every --lr-step steps) or cosine (to 0 at --steps)", DefaultValueFactory = _ => "constant" };
        var lrStep = new Option<int>("--lr-step") { Description = "Steps between learning-rate drops (--schedule step)", DefaultValueFactory = _ => 1000 };
        var lrGamma = new Option<double>("--lr-gamma") { Description = "Learning-rate factor per drop (--schedule step)", DefaultValueFactory = _ => 0.1 };
        var optimizer = new Option<string>("--optimizer") { Description = "adam (beta1 0.9, beta2 0.99, the paper's) or sgd (momentum 0.9)", DefaultValueFactory = _ => "adam" };
        var decay = new Option<float>("--weight-decay") { Description = "L2 weight decay", DefaultValueFactory = _ => 1e-3f };
        var clip = new Option<float>("--clip") { Description = "Clip the gradient's global norm to this (0: off)", DefaultValueFactory = _ => 0f };
        var loss = new Option<string>("--loss") { Description = "rebalanced (the paper's), ce (no rebalancing) or l2 (the paper's regression baseline: a 2-channel head)", DefaultValueFactory = _ => "rebalanced" };
        var prior = new Option<string>("--prior") { Description = "Bin prior for rebalancing: imagenet (the paper's) or a CSV from 'colorkernels prior'", DefaultValueFactory = _ => "imagenet" };
        var neighbours = new Option<int>("--neighbours") { Description = "Soft-encoding neighbours (5 in the paper; its released code used 10)", DefaultValueFactory = _ => 5 };
        var crop = new Option<int>("--crop") { Description = "Random crop size (a multiple of 8)", DefaultValueFactory = _ => 176 };
        var resize = new Option<int>("--resize") { Description = "Photos are first resized to this square size", DefaultValueFactory = _ => 256 };
        var seed = new Option<int>("--seed") { Description = "Seed of initialisation, shuffling, crops and flips", DefaultValueFactory = _ => 0 };
        var val = new Option<string?>("--val") { Description = "Folder of validation photos: mean loss every --val-every steps" };
        var valEvery = new Option<int>("--val-every") { Description = "Steps between validations", DefaultValueFactory = _ => 500 };
        var checkpointEvery = new Option<int>("--checkpoint-every") { Description = "Steps between checkpoints", DefaultValueFactory = _ => 500 };
        var method = new Option<string>("--method") { Description = "eccv16 (Zhang et al. 2016) or som-mlp (Richart et al. 2017)", DefaultValueFactory = _ => "eccv16" };
        var som = new Option<string>("--som") { Description = "som-mlp: colour-map grid WxH (2x2 to 20x20)", DefaultValueFactory = _ => "3x3" };
        var patch = new Option<int>("--patch") { Description = "som-mlp: patch size (3, 5, 7 or 11)", DefaultValueFactory = _ => 5 };
        var context = new Option<int>("--context") { Description = "som-mlp: also a coarse context patch of K x K samples this many pixels apart (0: none)", DefaultValueFactory = _ => 0 };
        var hidden = new Option<string>("--hidden") { Description = "som-mlp: hidden layer sizes, comma-separated", DefaultValueFactory = _ => "500,500" };
        Option<string> somInit = SomCommand.InitOption(), somMode = SomCommand.ModeOption();
        var hints = new Option<bool>("--hints") { Description = "Train the hint network (Zhang, Zhu et al. 2017: L, hint ab and mask in; ab and bin heads) on simulated hints; --init an eccv16 model (or default) to start from its trunk" };
        var hintAbWeight = new Option<float>("--hint-ab-weight") { Description = "--hints: weight of the ab head's smooth-L1 loss beside the bin head's", DefaultValueFactory = _ => 10f };
        var timeLimit = new Option<double?>("--time-limit") { Description = "Minutes after which to stop cleanly with a checkpoint (as Ctrl-C does); --resume continues" };

        var command = new Command("train", "Train an ECCV16 colourizer (class-rebalanced soft-encoded cross-entropy), or with --hints the hint network, on a folder of colour photos.");
        command.Arguments.Add(data);
        foreach (Option option in new Option[] { output, arch, width, init, resume, steps, batch, lr, schedule, lrStep, lrGamma, optimizer, decay, clip, loss, prior, neighbours, crop, resize, seed, val, valEvery, checkpointEvery, timeLimit, hints, hintAbWeight, method, som, patch, context, hidden, somInit, somMode })
            command.Options.Add(option);

        command.SetAction(result => Cli.Guard(() =>
        {
            if (result.GetValue(method) == "som-mlp")
                return TrainSomMlp(result, data, output, som, patch, hidden, steps, batch, lr, seed, resume,
                    SomCommand.ParseInitMode(result.GetValue(somInit)!, result.GetValue(somMode)!), checkpointEvery, loss, context);
            if (result.GetValue(method) != "eccv16")
                throw new UsageException($"--method '{result.GetValue(method)}': expected eccv16 or som-mlp");
            if (result.GetValue(arch) != "eccv16")
                throw new UsageException($"--arch '{result.GetValue(arch)}': this build trains eccv16");
            double w = result.GetValue(width);
            if (!(w > 0) || w > 16)
                throw new UsageException($"--width {w}: must be above 0 and at most 16");
            var settings = new TrainSettings
            {
                Batch = result.GetValue(batch),
                Crop = result.GetValue(crop),
                Loss = result.GetValue(loss) switch
                {
                    "rebalanced" => LossKind.Rebalanced,
                    "ce" => LossKind.CrossEntropy,
                    "l2" => LossKind.L2,
                    var other => throw new UsageException($"--loss '{other}': expected rebalanced, ce or l2"),
                },
                Optimizer = result.GetValue(optimizer) switch
                {
                    "adam" => OptimizerKind.Adam,
                    "sgd" => OptimizerKind.Sgd,
                    var other => throw new UsageException($"--optimizer '{other}': expected adam or sgd"),
                },
                WeightDecay = result.GetValue(decay),
                ClipNorm = result.GetValue(clip),
                Neighbours = result.GetValue(neighbours),
                HintAbWeight = result.GetValue(hintAbWeight) is var abWeight && abWeight >= 0 && float.IsFinite(abWeight) ? abWeight
                    : throw new UsageException($"--hint-ab-weight {result.GetValue(hintAbWeight)}: must be 0 or more"),
            };
            var options = new TrainRunOptions
            {
                Data = result.GetValue(data)!,
                Out = result.GetValue(output)!,
                Val = result.GetValue(val),
                Width = w,
                Init = result.GetValue(init),
                Hints = result.GetValue(hints),
                Resume = result.GetValue(resume),
                Steps = result.GetValue(steps),
                LearningRate = result.GetValue(lr),
                Schedule = result.GetValue(schedule)!,
                LrStepEvery = result.GetValue(lrStep),
                LrGamma = result.GetValue(lrGamma),
                Seed = result.GetValue(seed),
                Resize = result.GetValue(resize),
                CheckpointEvery = result.GetValue(checkpointEvery),
                ValEvery = result.GetValue(valEvery),
                Prior = result.GetValue(prior)!,
                Settings = settings,
                TimeLimit = result.GetValue(timeLimit) is { } minutes
                    ? (minutes > 0 ? TimeSpan.FromMinutes(minutes) : throw new UsageException($"--time-limit {minutes}: must be above 0"))
                    : null,
            };
            var run = new NetworkTrainingRun(options);
            using ComputeDevice device = Cli.OpenDevice(result);
            using var ctrlC = new CtrlC();
            {
                RunEnd end = RunWithProgress(run, device, ctrlC.Token, options);
                if (end == RunEnd.Interrupted)
                {
                    Console.Out.WriteLine($"train: stopped (Ctrl-C, SIGTERM or --time-limit); checkpoint written to {run.ModelPath}; continue with --resume");
                    return 130;
                }
                Console.Out.WriteLine($"train: done, {options.Steps} steps on {device.Description}; model {run.ModelPath}, log {run.LogPath}, curve {run.PlotPath}");
                return 0;
            }
        }));
        return command;
    }

    private static int TrainSomMlp(ParseResult result, Argument<string> data, Option<string> output, Option<string> som, Option<int> patch,
        Option<string> hidden, Option<int> steps, Option<int> batch, Option<double> lr, Option<int> seed, Option<bool> resume,
        (Engine.Som.SomInit Init, Engine.Som.SomMode Mode) somSettings, Option<int> checkpointEvery, Option<string> loss, Option<int> context)
    {
        var (w, h) = SomCommand.ParseGrid(result.GetValue(som)!);
        int[] layers;
        try
        {
            layers = result.GetValue(hidden)!.Split(',').Select(v => int.Parse(v.Trim(), CultureInfo.InvariantCulture)).ToArray();
        }
        catch (FormatException)
        {
            throw new UsageException($"--hidden '{result.GetValue(hidden)}': expected sizes like 500,500");
        }
        var settings = new Engine.Som.SomMlpSettings
        {
            GridW = w, GridH = h, Patch = result.GetValue(patch), Hidden = layers, Steps = result.GetValue(steps),
            Batch = result.GetValue(batch), LearningRate = (float)result.GetValue(lr), Seed = result.GetValue(seed),
            SomInit = somSettings.Init, SomMode = somSettings.Mode, Context = result.GetValue(context),
            Rebalance = result.GetValue(loss) switch
            {
                "rebalanced" => 0.5,
                "ce" => null,
                var other => throw new UsageException($"--loss '{other}': the som-mlp method takes rebalanced or ce"),
            },
        };
        var run = new Engine.Som.SomMlpTrainingRun(result.GetValue(output)!, settings, result.GetValue(resume), result.GetValue(checkpointEvery));
        IReadOnlyList<string> files = PhotoBatches.Scan(result.GetValue(data)!);
        run.OpenFolder();
        using ComputeDevice device = Cli.OpenDevice(result);
        using var ctrlC = new CtrlC();
        int every = Math.Max(1, settings.Steps / 20);
        try
        {
            var (model, report) = run.Run(device, files, (step, loss) =>
            {
                if (step % every == 0 || step == settings.Steps)
                    Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"step {step}/{settings.Steps} loss {loss:F4}"));
            }, m => Cli.Warning("skipped " + m), ctrlC.Token);
            var inv = CultureInfo.InvariantCulture;
            Console.Out.WriteLine(string.Create(inv, $"train som-mlp: {w}x{h} map, quantisation error {report.Map.QuantizationError:F2}, topographic error {report.Map.TopographicError:P1}; on {report.HeldOutPatches} held-out patches: accuracy {report.HeldOutAccuracy:P1} (majority class {report.MajorityBaseline:P1}), balanced accuracy {report.HeldOutBalancedAccuracy:P1} (majority class {report.MajorityBalancedAccuracy:P1}); photos at {model.InputSize} px; wrote {run.ModelPath}"));
            return 0;
        }
        catch (OperationCanceledException)
        {
            Console.Out.WriteLine($"train: stopped (Ctrl-C); checkpoint written to {run.ModelPath}; continue with --resume");
            return 130;
        }
    }

    private static RunEnd RunWithProgress(NetworkTrainingRun run, ComputeDevice device, CancellationToken cancel, TrainRunOptions o)
    {
        var inv = CultureInfo.InvariantCulture;
        void Warn(string message) => Cli.Warning(message);
        if (Console.IsErrorRedirected)
        {
            // No terminal: a line every 1% of the run (and each validation) instead of a live bar.
            int every = Math.Max(1, o.Steps / 100);
            return run.Run(device, cancel, r =>
            {
                if (r.Step % every == 0 || r.ValLoss is not null || r.Step == r.TotalSteps)
                    Console.Out.WriteLine(string.Create(inv, $"step {r.Step}/{r.TotalSteps} loss {r.Loss:F4} lr {r.LearningRate:G3} {r.ImagesPerSecond:F1} images/s{(r.ValLoss is { } v ? $" val {v:F4}" : "")}"));
            }, Warn);
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        RunEnd end = RunEnd.Finished;
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                ProgressTask task = context.AddTask("train", maxValue: o.Steps);
                string val = "";
                end = run.Run(device, cancel, r =>
                {
                    if (r.ValLoss is { } v)
                        val = string.Create(inv, $" val {v:F4}");
                    task.Description = string.Create(inv, $"step {r.Step} loss {r.Loss:F4}{val} {r.ImagesPerSecond:F1} img/s");
                    task.Value = r.Step;
                }, Warn);
            });
        return end;
    }
}
