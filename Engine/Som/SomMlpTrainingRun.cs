using System.Globalization;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;

namespace ColorKernels.Engine.Som;

/// <summary>
/// A SOM + MLP training run in a folder: model.ckm (checkpoints, then the final model with its report),
/// optimizer.ckm (the optimiser's moments and step, for --resume) and log.csv (step, loss). The
/// constructor checks the settings and touches nothing; <see cref="OpenFolder"/> then checks the folder
/// before any device work: a new run refuses a folder that holds one; a resumed run needs both checkpoint
/// files, started with the same seed and batch.
/// </summary>
public sealed class SomMlpTrainingRun
{
    private readonly SomMlpSettings settings;
    private readonly int checkpointEvery;
    private readonly bool resume;
    private SomMlpTrainer.Resume? from;
    private bool opened;

    /// <summary>A run into <paramref name="folder"/> with <paramref name="settings"/>; <paramref name="resume"/> continues its checkpoint; a checkpoint every <paramref name="checkpointEvery"/> steps.</summary>
    public SomMlpTrainingRun(string folder, SomMlpSettings settings, bool resume, int checkpointEvery)
    {
        if (settings.Steps < 1 || settings.Batch < 1 || checkpointEvery < 1)
            throw new UserErrorException("--steps, --batch and --checkpoint-every must be at least 1");
        if (settings.Context is < 0 or > 64)
            throw new UserErrorException($"--context {settings.Context}: expected 0 (none) to 64");
        // Checked here, before the folder is made, as well as by the trainer (which the library may call alone).
        if (settings.Patch is not (3 or 5 or 7 or 11))
            throw new UserErrorException($"--patch {settings.Patch}: the paper's patch sizes are 3, 5, 7 and 11");
        this.settings = settings;
        this.checkpointEvery = checkpointEvery;
        this.resume = resume;
        Folder = folder;
    }

    /// <summary>Creates the folder and checks it (see the class summary); a new run starts its log.</summary>
    public void OpenFolder()
    {
        if (opened)
            return;
        Directory.CreateDirectory(Folder);
        if (resume)
        {
            if (!File.Exists(ModelPath) || !File.Exists(StatePath))
                throw new UserErrorException($"--resume: '{Folder}' holds no som-mlp checkpoint (model.ckm and optimizer.ckm)");
            ModelFile state = ModelFile.Read(StatePath);
            if (state.Header["seed"]?.GetValue<int>() != settings.Seed || state.Header["batch"]?.GetValue<int>() != settings.Batch)
                throw new UserErrorException("--resume: the run was started with another --seed or --batch; resume with the same settings");
            from = new SomMlpTrainer.Resume(SomMlpModel.FromModelFile(ModelFile.Read(ModelPath), ModelPath), state, StatePath);
        }
        else if (File.Exists(ModelPath))
        {
            throw new UserErrorException($"'{Folder}' already holds a run; use --resume to continue it or choose another --out");
        }
        else
        {
            AtomicFile.Write(LogPath, s => s.Write("step,loss\n"u8));
        }
        opened = true;
    }

    /// <summary>The run folder.</summary>
    public string Folder { get; }

    /// <summary>The model (checkpoints, then the final model).</summary>
    public string ModelPath => Path.Combine(Folder, "model.ckm");

    /// <summary>The optimiser state for --resume.</summary>
    public string StatePath => Path.Combine(Folder, "optimizer.ckm");

    /// <summary>step,loss per MLP step.</summary>
    public string LogPath => Path.Combine(Folder, "log.csv");

    /// <summary>
    /// Trains on <paramref name="files"/> (or continues the checkpoint), logging every step, checkpointing
    /// every checkpointEvery steps, and writes the final model with its report. Cancellation stops after a
    /// checkpoint and throws <see cref="OperationCanceledException"/>; --resume continues from it.
    /// </summary>
    public (SomMlpModel Model, SomMlpReport Report) Run(ComputeDevice device, IReadOnlyList<string> files, IProgress<(int Step, double Loss)>? progress = null,
        CancellationToken cancel = default) =>
        Run(device, files, (step, loss) => progress?.Report((step, loss)), _ => { }, cancel);

    /// <summary>As the overload with <see cref="IProgress{T}"/>, reporting each step to a callback and skipped photos to <paramref name="skipped"/>.</summary>
    public (SomMlpModel Model, SomMlpReport Report) Run(ComputeDevice device, IReadOnlyList<string> files, Action<int, double> progress,
        Action<string> skipped, CancellationToken cancel)
    {
        OpenFolder();
        var (model, report) = SomMlpTrainer.Train(device, files, settings, (step, loss) =>
        {
            File.AppendAllText(LogPath, string.Create(CultureInfo.InvariantCulture, $"{step},{loss:R}\n"));
            progress(step, loss);
        }, skipped, checkpointEvery, (current, state) =>
        {
            // State first: a crash between the two renames leaves a newer state, which --resume notices.
            state.Write(StatePath);
            current.ToModelFile().Write(ModelPath);
        }, from, cancel);
        model.ToModelFile(report).Write(ModelPath);
        return (model, report);
    }
}
