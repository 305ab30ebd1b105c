using System.Diagnostics;
using ColorKernels.Engine;
using ColorKernels.Engine.Frames;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Video;

namespace ColorKernels.Host.Commands;

/// <summary>
/// The command line's side of a run over many inputs: its settings, then the run in two steps. <see cref="Prepare"/>
/// plans it (<see cref="BatchPlanner"/>: inputs expanded, this shard's, each output planned, skipping existing ones
/// unless overwriting; inputs are never outputs); <see cref="Run"/> hands the jobs (pictures, videos, frame folders)
/// to the one <see cref="FramePipeline"/>, shown by a <see cref="BatchProgressView"/> (bars on a terminal, log lines
/// otherwise), keeps going when one input fails, and ends with the <see cref="BatchReport"/>'s summary and an exit code.
/// </summary>
public sealed class BatchRunner
{
    public required string Verb { get; init; }
    public required IReadOnlyList<string> Inputs { get; init; }
    public required string Output { get; init; }
    public string? Format { get; init; }
    public bool Overwrite { get; init; }
    public long MaxPixels { get; init; } = ImageIO.DefaultMaxPixels;

    /// <summary>Limit on a picture's metadata once inflated (PNG zTXt, iTXt, iCCP): <see cref="ImageIO.DefaultMaxMetadataBytes"/>.</summary>
    public long MaxMetadataBytes { get; init; } = ImageIO.DefaultMaxMetadataBytes;

    /// <summary>How videos are written when video files are accepted among the inputs (by extension); null: pictures only.</summary>
    public VideoOptions? Videos { get; set; }

    /// <summary>Each input is a folder of numbered frames, coloured as one sequence into -o (one folder) or -o/NAME (several).</summary>
    public bool Sequences { get; set; }

    /// <summary>
    /// --hints: a hints file for the one input, or a folder of STEM.json files, one per input that has hints
    /// (photos/boat.png takes FOLDER/boat.json; inputs without one are coloured automatically). Null: none.
    /// </summary>
    public string? HintsPath { get; set; }

    /// <summary>Process only inputs whose index (in sorted expansion order) is Index modulo Count.</summary>
    public (int Index, int Count)? Shard { get; init; }

    /// <summary>Parses "i/n" (0 &lt;= i &lt; n) for --shard.</summary>
    public static (int Index, int Count)? ParseShard(string? text)
    {
        if (string.IsNullOrEmpty(text))
            return null;
        string[] parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], out int i) && int.TryParse(parts[1], out int n) && n >= 1 && i >= 0 && i < n)
            return (i, n);
        throw new UsageException($"--shard '{text}': expected i/n with 0 <= i < n, e.g. 0/4 for the first of four shards");
    }

    /// <summary>
    /// Inputs to colour again into the outputs a manifest recorded for them (--retry-failed), in place of
    /// <see cref="Inputs"/>; each recorded output must lie in <see cref="Output"/>.
    /// </summary>
    public IReadOnlyList<(string Input, string Output)>? Retry { get; init; }

    /// <summary>Where each input's outcome is appended as it finishes (--manifest), or null.</summary>
    public Files.RunManifest? Manifest { get; set; }

    /// <summary>Counts of one run, for the summary and for tests.</summary>
    public sealed record Summary(int Done, int Skipped, int Failed, int Partial, double Seconds, int Videos = 0, int FrameFolders = 0);

    private BatchPlan? plan;

    /// <summary>Whether the prepared run colours a film (a video or a frame folder) among its inputs.</summary>
    public bool HasFilms => plan?.Jobs.Any(j => j.IsSequence) ?? false;

    /// <summary>
    /// Plans the run before any device opens or picture is decoded: the inputs, each output (an output plan
    /// that cannot work, such as a file name for several inputs or a folder that cannot be written, and a
    /// hints file that cannot be used stop it here), the jobs (<see cref="BatchPlanner"/>). Returns the exit
    /// code when it must stop (the errors printed, nothing written), else null; <see cref="Run"/> then runs the plan.
    /// </summary>
    public int? Prepare()
    {
        BatchPlan planned;
        try
        {
            planned = new BatchPlanner(this).Plan();
        }
        catch (UserErrorException e)
        {
            Cli.Error(e.Message);
            return Cli.Usage;
        }
        // A hints file that cannot be used stops the run before anything is written (as a bad command line would).
        if (planned.HintErrors.Count > 0)
        {
            foreach (string error in planned.HintErrors)
                Cli.Error(error);
            return Cli.Usage;
        }
        plan = planned;
        return null;
    }

    /// <summary>
    /// Runs every input through <paramref name="pipeline"/> (planned by <see cref="Prepare"/>, which runs here
    /// when it has not), shown by a <see cref="BatchProgressView"/> and recorded by a <see cref="BatchReport"/>;
    /// returns the exit code (non-zero if any input failed).
    /// </summary>
    public int Run(FramePipeline pipeline, string deviceDescription)
    {
        if (plan is null && Prepare() is { } stopped)
            return stopped;
        IReadOnlyList<FrameJob> jobs = plan!.Jobs;
        var report = new BatchReport(Verb, Manifest);
        report.Planned(plan.Outcomes);

        using var ctrlC = new CtrlC();
        CancellationToken cancel = ctrlC.Token;
        var clock = Stopwatch.StartNew();
        var view = new BatchProgressView(Verb, report, countCuts: Videos is { Stabilize: true });
        view.Run(pipeline, jobs, plan.Failures, cancel);

        Summary summary = report.Summary(plan.Skipped, plan.Failures.Count, clock.Elapsed.TotalSeconds);
        Console.Out.WriteLine(report.Describe(summary, deviceDescription));
        if (cancel.IsCancellationRequested)
        {
            // A frame folder's frames are written one by one (each complete); a video or picture is all or nothing.
            string partial = jobs.Any(j => j.Kind == FrameJobKind.FrameFolder) ? "; frames of a folder written so far are complete" : "";
            Cli.Error($"{Verb}: interrupted by {ctrlC.SignalName}: {summary.Done} written, {jobs.Count - report.Reports.Count} not processed{view.Unfinished()}; no temporary files left{partial}");
            return ctrlC.ExitCode;
        }
        return summary.Failed == 0 ? 0 : Cli.Failure;
    }
}
