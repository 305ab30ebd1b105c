using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Tensors;

namespace ColorKernels.Engine.Training;

/// <summary>Everything a training run is told.</summary>
public sealed record TrainRunOptions
{
    /// <summary>Folder of training photos (searched recursively).</summary>
    public required string Data { get; init; }
    /// <summary>Run folder: model.ckm, optimizer.ckm, log.csv, loss.png.</summary>
    public required string Out { get; init; }
    /// <summary>Folder of validation photos (null: none).</summary>
    public string? Val { get; init; }
    /// <summary>Channel multiplier of a new model.</summary>
    public double Width { get; init; } = 0.25;
    /// <summary>A model file to start from instead of a new one (with <see cref="Hints"/>, an eccv16 model seeds the hint network's trunk).</summary>
    public string? Init { get; init; }
    /// <summary>Train the hint network (Zhang, Zhu et al. 2017) on simulated hints instead of ECCV16.</summary>
    public bool Hints { get; init; }
    /// <summary>Continue the run in <see cref="Out"/> from its last checkpoint.</summary>
    public bool Resume { get; init; }
    /// <summary>Total optimiser steps.</summary>
    public int Steps { get; init; } = 1000;
    /// <summary>Peak learning rate.</summary>
    public double LearningRate { get; init; } = 3e-4;
    /// <summary>"constant", "step" or "cosine".</summary>
    public string Schedule { get; init; } = "constant";
    /// <summary>Steps between learning-rate drops ("step").</summary>
    public int LrStepEvery { get; init; } = 1000;
    /// <summary>Learning-rate factor per drop ("step").</summary>
    public double LrGamma { get; init; } = 0.1;
    /// <summary>Seed of initialisation, shuffling, crops and flips.</summary>
    public int Seed { get; init; }
    /// <summary>Photos are first resized to this square size.</summary>
    public int Resize { get; init; } = 256;
    /// <summary>Steps between checkpoints.</summary>
    public int CheckpointEvery { get; init; } = 500;
    /// <summary>Steps between validations.</summary>
    public int ValEvery { get; init; } = 500;
    /// <summary>Batches per validation.</summary>
    public int ValBatches { get; init; } = 8;
    /// <summary>"imagenet" (the paper's prior) or a CSV from <c>colorkernels prior</c>.</summary>
    public string Prior { get; init; } = "imagenet";

    /// <summary>Stop cleanly (checkpoint, as for Ctrl-C) once this much wall time has passed; null: no limit.</summary>
    public TimeSpan? TimeLimit { get; init; }
    /// <summary>The hyper-parameters that affect the numbers (saved with checkpoints).</summary>
    public TrainSettings Settings { get; init; } = new();
}

/// <summary>What the loop reports after each step.</summary>
public sealed record StepReport(int Step, int TotalSteps, double Loss, double LearningRate, double GradNorm, double ImagesPerSecond, double? ValLoss);

/// <summary>How a run ended.</summary>
public enum RunEnd
{
    /// <summary>Every step ran.</summary>
    Finished,

    /// <summary>Stopped early (cancellation or the time limit) after writing a checkpoint.</summary>
    Interrupted,
}

/// <summary>
/// A training run of a network model (ECCV16, or the hint network with <see cref="TrainRunOptions.Hints"/>; SOM +
/// MLP has its own, <see cref="Som.SomMlpTrainingRun"/>) in a folder: model.ckm (the model, a normal model
/// file) and optimizer.ckm (moments, step, data cursor, settings) written atomically together at every
/// checkpoint, log.csv, loss.png. A resumed run continues exactly: same parameters, moments, step count,
/// learning rate and data stream.
/// </summary>
public sealed class NetworkTrainingRun
{
    private readonly TrainRunOptions o;

    /// <summary>A run with <paramref name="options"/>; nothing is read or written until <see cref="Run(ComputeDevice, IProgress{StepReport}?, CancellationToken, Action{string}?)"/>.</summary>
    public NetworkTrainingRun(TrainRunOptions options)
    {
        o = options;
        if (o.Steps < 1)
            throw new UserErrorException($"--steps {o.Steps}: must be at least 1");
        if (o.Settings.Batch < 1)
            throw new UserErrorException($"--batch {o.Settings.Batch}: must be at least 1");
        if (!(o.LearningRate > 0))
            throw new UserErrorException($"--lr {o.LearningRate}: must be above 0");
        if (o.Schedule is not ("constant" or "step" or "cosine"))
            throw new UserErrorException($"--schedule '{o.Schedule}': expected constant, step or cosine");
        if (o.CheckpointEvery < 1 || o.ValEvery < 1)
            throw new UserErrorException("--checkpoint-every and --val-every must be at least 1");
    }

    /// <summary>The model (checkpoints, then the final model).</summary>
    public string ModelPath => Path.Combine(o.Out, "model.ckm");
    /// <summary>The optimiser state for --resume.</summary>
    public string StatePath => Path.Combine(o.Out, "optimizer.ckm");
    /// <summary>The per-step log (CSV).</summary>
    public string LogPath => Path.Combine(o.Out, "log.csv");
    /// <summary>The loss curve (PNG).</summary>
    public string PlotPath => Path.Combine(o.Out, "loss.png");

    /// <summary>Learning rate for the step that follows <paramref name="done"/> completed steps.</summary>
    public double LearningRateAt(int done) => o.Schedule switch
    {
        "step" => o.LearningRate * Math.Pow(o.LrGamma, done / o.LrStepEvery),
        "cosine" => 0.5 * o.LearningRate * (1 + Math.Cos(Math.PI * Math.Min(done, o.Steps) / o.Steps)),
        _ => o.LearningRate,
    };

    /// <summary>Trains (or resumes) on <paramref name="device"/>, reporting each step; cancellation stops after writing a checkpoint (<see cref="RunEnd.Interrupted"/>).</summary>
    public RunEnd Run(ComputeDevice device, IProgress<StepReport>? progress = null, CancellationToken cancel = default, Action<string>? warn = null) =>
        Run(device, cancel, r => progress?.Report(r), warn ?? (_ => { }));

    /// <summary>As <see cref="Run(ComputeDevice, IProgress{StepReport}?, CancellationToken, Action{string}?)"/>, reporting each step to a callback on the training thread.</summary>
    public RunEnd Run(ComputeDevice device, CancellationToken cancel, Action<StepReport> report, Action<string> warn)
    {
        Directory.CreateDirectory(o.Out);
        IReadOnlyList<string> files = PhotoBatches.Scan(o.Data);
        IReadOnlyList<string>? valFiles = o.Val is null ? null : PhotoBatches.Scan(o.Val);
        double[] prior = o.Prior == "imagenet" ? Rebalancing.ImageNetPrior() : Rebalancing.Read(o.Prior);
        double[] weights = Rebalancing.Weights(prior);

        ModelFile model;
        long cursor = 0;
        ModelFile? state = null;
        if (o.Resume)
        {
            if (!File.Exists(ModelPath) || !File.Exists(StatePath))
                throw new UserErrorException($"--resume: '{o.Out}' holds no checkpoint (model.ckm and optimizer.ckm)");
            model = ModelFile.Read(ModelPath);
            state = ModelFile.Read(StatePath);
            CheckResumable(model, state);
            cursor = (long)state.Header["cursor"]!.GetValue<double>();
        }
        else
        {
            if (File.Exists(ModelPath))
                throw new UserErrorException($"'{o.Out}' already holds a run; use --resume to continue it or choose another --out");
            model = o.Init is null
                ? NetworkInit.Create(new NetworkConfig(o.Hints ? Siggraph17Architecture.Instance : Eccv16Architecture.Instance, o.Width, Regression: o.Settings.Loss == LossKind.L2), o.Seed)
                : ModelFile.Open(o.Init);
            if (o.Hints && model.Architecture == Eccv16Architecture.ArchitectureName)
                model = Siggraph17Architecture.FromEccv16(model, ModelFile.DisplayName(o.Init!), o.Seed);
        }
        if (o.Hints != (model.Architecture == Siggraph17Architecture.ArchitectureName))
            throw new UserErrorException(o.Hints
                ? $"--hints: '{(o.Resume ? ModelPath : o.Init)}' is a {model.Architecture} model, not a hint network or an eccv16 model to start one from"
                : $"'{(o.Resume ? ModelPath : o.Init)}' is a hint network: train it with --hints");

        using var trainer = new NetworkTrainer(device, model, o.Settings, weights);
        if (state is not null)
            trainer.LoadOptimizerState(state, StatePath);
        int crop = trainer.InputSize;
        if (!o.Resume)
            StartLog();
        else
            TrimLog(trainer.StepCount);

        using var batches = new PhotoBatches(files, o.Settings.Batch, o.Resize, crop, o.Seed, cursor, augment: true, hints: o.Hints);
        using Tensor<byte> rgb = device.Allocate<byte>("batch_rgb", new Shape(o.Settings.Batch, crop, crop, 3));
        using Tensor<float> lab = device.Allocate<float>("batch_lab", Shape.Nchw(o.Settings.Batch, 3, crop, crop));
        var clock = Stopwatch.StartNew();
        int imagesSinceReport = 0;
        while (trainer.StepCount < o.Steps)
        {
            if (cancel.IsCancellationRequested || (o.TimeLimit is { } limit && clock.Elapsed >= limit))
            {
                Checkpoint(trainer, cursor);
                return RunEnd.Interrupted;
            }
            PhotoBatch batch = batches.Next();
            foreach (string skipped in batch.Skipped)
                warn("skipped " + skipped);
            rgb.Upload(batch.Rgb);
            Ops.LabOps.SrgbBytesToLab(rgb, lab);
            double lr = LearningRateAt(trainer.StepCount);
            var (loss, norm) = trainer.Step(lab, (float)lr, batch.HintSquares);
            if (!double.IsFinite(loss))
                throw new UserErrorException($"the loss became {loss} at step {trainer.StepCount + 1}; stopped, and the last good checkpoint in '{o.Out}' is kept (try a lower --lr or --clip)");
            cursor = batch.NextCursor;
            imagesSinceReport += o.Settings.Batch;
            double rate = imagesSinceReport / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
            double? val = null;
            int step = trainer.StepCount;
            if (valFiles is not null && (step % o.ValEvery == 0 || step == o.Steps))
                val = Validate(device, trainer, valFiles, crop);
            AppendLog(step, loss, lr, norm, rate, val);
            report(new StepReport(step, o.Steps, loss, lr, norm, rate, val));
            if (step % o.CheckpointEvery == 0 || step == o.Steps)
                Checkpoint(trainer, cursor);
        }
        return RunEnd.Finished;
    }

    private double Validate(ComputeDevice device, NetworkTrainer trainer, IReadOnlyList<string> valFiles, int crop)
    {
        int count = Math.Max(1, Math.Min(o.ValBatches, valFiles.Count / o.Settings.Batch));
        using var batches = new PhotoBatches(valFiles, o.Settings.Batch, o.Resize, crop, o.Seed, 0, augment: false, hints: o.Hints);
        using Tensor<byte> rgb = device.Allocate<byte>("val_rgb", new Shape(o.Settings.Batch, crop, crop, 3));
        using Tensor<float> lab = device.Allocate<float>("val_lab", Shape.Nchw(o.Settings.Batch, 3, crop, crop));
        double sum = 0;
        for (int i = 0; i < count; i++)
        {
            PhotoBatch batch = batches.Next();
            rgb.Upload(batch.Rgb);
            Ops.LabOps.SrgbBytesToLab(rgb, lab);
            sum += trainer.Evaluate(lab, batch.HintSquares);
        }
        return sum / count;
    }

    private JsonObject SettingsHeader(long cursor)
    {
        var header = new JsonObject
        {
        ["cursor"] = cursor,
        ["seed"] = o.Seed,
        ["batch"] = o.Settings.Batch,
        ["crop"] = o.Settings.Crop,
        ["resize"] = o.Resize,
        ["loss"] = o.Settings.Loss.ToString().ToLowerInvariant(),
        ["neighbours"] = o.Settings.Neighbours,
        ["width"] = o.Width,
        };
        if (o.Hints)   // (an ECCV16 run's state keeps the keys it always had, so older runs resume)
        {
            header["hints"] = true;
            header["hint_ab_weight"] = o.Settings.HintAbWeight;
        }
        return header;
    }

    private void Checkpoint(NetworkTrainer trainer, long cursor)
    {
        ModelFile model = trainer.ToModelFile();
        model.Header["step"] = trainer.StepCount;
        ModelFile state = trainer.OptimizerState(SettingsHeader(cursor));
        // The state is written first: a crash between the two renames leaves a newer state than model,
        // which --resume refuses (steps differ) instead of silently mixing checkpoints.
        state.Write(StatePath);
        model.Write(ModelPath);
        SavePlot();
    }

    private void CheckResumable(ModelFile model, ModelFile state)
    {
        int modelStep = model.Header["step"]?.GetValue<int>() ?? -1;
        int stateStep = state.Header["step"]?.GetValue<int>() ?? -2;
        if (modelStep != stateStep)
            throw new UserErrorException($"'{o.Out}': mismatched checkpoint (model.ckm at step {modelStep}, optimizer.ckm at step {stateStep})");
        foreach (var (key, value) in SettingsHeader(0))
        {
            if (key is "cursor" or "width")
                continue;
            string saved = state.Header[key]?.ToJsonString() ?? "(missing)";
            if (saved != value!.ToJsonString())
                throw new UserErrorException($"--resume: the run was started with {key} = {saved}, now {value.ToJsonString()}; resume with the same settings");
        }
    }

    private void StartLog() =>
        AtomicFile.Write(LogPath, s => s.Write("step,loss,lr,grad_norm,images_per_s,val_loss\n"u8));

    private void TrimLog(int step)
    {
        if (!File.Exists(LogPath))
        {
            StartLog();
            return;
        }
        var kept = File.ReadAllLines(LogPath).Where((line, i) => i == 0 || (int.TryParse(line.Split(',')[0], out int s) && s <= step));
        string text = string.Join('\n', kept) + "\n";
        AtomicFile.Write(LogPath, s => s.Write(System.Text.Encoding.UTF8.GetBytes(text)));
    }

    private void AppendLog(int step, double loss, double lr, double norm, double rate, double? val)
    {
        var inv = CultureInfo.InvariantCulture;
        File.AppendAllText(LogPath, string.Create(inv, $"{step},{loss:R},{lr:R},{norm:R},{rate:F2},{(val is { } v ? v.ToString("R", inv) : "")}\n"));
    }

    private void SavePlot()
    {
        var rows = File.ReadAllLines(LogPath).Skip(1).Select(l => l.Split(',')).Where(p => p.Length >= 6).ToList();
        var train = rows.Select(p => (double.Parse(p[0], CultureInfo.InvariantCulture), double.Parse(p[1], CultureInfo.InvariantCulture))).ToList();
        var val = rows.Where(p => p[5].Length > 0).Select(p => (double.Parse(p[0], CultureInfo.InvariantCulture), double.Parse(p[5], CultureInfo.InvariantCulture))).ToList();
        LossPlot.Save(PlotPath, train, val);
    }
}
