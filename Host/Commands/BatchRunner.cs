using System.Diagnostics;
using ColorKernels.Engine;
using ColorKernels.Engine.Frames;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Video;
using ColorKernels.Host.Files;
using Spectre.Console;

namespace ColorKernels.Host.Commands;

/// <summary>
/// The command line's side of a run over many inputs: expands them (files, folders, globs; this shard's),
/// plans each output (skipping existing ones unless overwriting; inputs are never outputs), hands the jobs
/// (pictures, videos, frame folders) to the one <see cref="FramePipeline"/>, shows progress on a terminal
/// or log lines otherwise, keeps going when one input fails, and ends with a summary and an exit code.
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

    /// <summary>Outcomes known from the plan (skipped outputs, inputs that could not be planned), for the manifest.</summary>
    private readonly List<(string Input, string Output, string Status, string? Reason)> planned = new();

    /// <summary>Counts of one run, for the summary and for tests.</summary>
    public sealed record Summary(int Done, int Skipped, int Failed, int Partial, double Seconds, int Videos = 0, int FrameFolders = 0);

    private (List<FrameJob> Jobs, int Skipped, List<string> Failures)? prepared;

    /// <summary>
    /// Plans the run before any device opens or picture is decoded: the inputs, each output (an output plan
    /// that cannot work, such as a file name for several inputs or a folder that cannot be written, and a
    /// hints file that cannot be used stop it here), the jobs. Returns the exit code when it must stop
    /// (the errors printed, nothing written), else null; <see cref="Run"/> then runs the plan.
    /// </summary>
    public int? Prepare()
    {
        var failures = new List<string>();
        var hintErrors = new List<string>();
        List<FrameJob> jobs;
        int skipped;
        try
        {
            (jobs, skipped) = Retry is not null ? PlanRetry(failures) : Sequences ? PlanSequences(failures) : PlanFiles(failures, hintErrors);
        }
        catch (UserErrorException e)
        {
            Cli.Error(e.Message);
            return Cli.Usage;
        }
        // A hints file that cannot be used stops the run before anything is written (as a bad command line would).
        if (hintErrors.Count > 0)
        {
            foreach (string error in hintErrors)
                Cli.Error(error);
            return Cli.Usage;
        }
        prepared = (jobs, skipped, failures);
        return null;
    }

    /// <summary>Runs every input through <paramref name="pipeline"/> (planned by <see cref="Prepare"/>, which runs here when it has not); returns the exit code (non-zero if any input failed).</summary>
    public int Run(FramePipeline pipeline, string deviceDescription)
    {
        if (prepared is null && Prepare() is { } stopped)
            return stopped;
        var (jobs, skipped, failures) = prepared!.Value;
        foreach (var (input, output, status, reason) in planned)
            Manifest?.Record(input, output, status, reason);

        using var ctrlC = new Cli.CtrlC();
        CancellationToken cancel = ctrlC.Token;
        var clock = Stopwatch.StartNew();
        // A bar for several files, or for a film's frames (one film can take hours).
        bool showProgress = (jobs.Count > 1 || jobs.Any(j => j.IsSequence)) && !Console.IsErrorRedirected;
        var display = new Display(this, showProgress);
        if (showProgress)
        {
            AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }).Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                    new RateColumn(), new RemainingTimeColumn(), new ElapsedTimeColumn())
                .Start(context =>
                {
                    display.Context = context;
                    display.Overall = context.AddTask($"{Verb} {jobs.Count} files", maxValue: jobs.Count);
                    pipeline.Run(jobs, display, cancel);
                });
            foreach (string failure in failures.Concat(display.Failures))
                Cli.Error(failure);
            foreach (string warning in display.Warnings)
                Cli.Warning(warning);
            foreach (string line in display.Lines)
                Console.Out.WriteLine(line);
        }
        else
        {
            foreach (string failure in failures)
                Cli.Error(failure);
            pipeline.Run(jobs, display, cancel);
        }

        int done = display.Reports.Count(r => r.Succeeded);
        var summary = new Summary(done, skipped, failures.Count + display.Failures.Count, display.Reports.Count(r => r.Succeeded && r.Warning is not null), clock.Elapsed.TotalSeconds,
            display.Reports.Count(r => r.Succeeded && r.Job.Kind == FrameJobKind.Video),
            display.Reports.Count(r => r.Succeeded && r.Job.Kind == FrameJobKind.FrameFolder));
        Console.Out.WriteLine(Describe(summary, deviceDescription));
        if (cancel.IsCancellationRequested)
        {
            // A frame folder's frames are written one by one (each complete); a video or picture is all or nothing.
            string partial = jobs.Any(j => j.Kind == FrameJobKind.FrameFolder) ? "; frames of a folder written so far are complete" : "";
            Cli.Error($"{Verb}: interrupted by {ctrlC.SignalName}: {done} written, {jobs.Count - display.Reports.Count} not processed; no temporary files left{partial}");
            return ctrlC.ExitCode;
        }
        return summary.Failed == 0 ? 0 : Cli.Failure;
    }

    /// <summary>
    /// One job per input file (pictures first, then videos), this shard's only; an existing output is skipped
    /// unless overwriting, and an input that cannot be planned (a video ffprobe cannot read) is a failure.
    /// </summary>
    private (List<FrameJob> Jobs, int Skipped) PlanFiles(List<string> failures, List<string> hintErrors)
    {
        InputFiles.Expansion expansion = Videos is null ? InputFiles.Expand(Inputs)
            : InputFiles.Expand(Inputs, p => ImageIO.HasImageExtension(p) || Ffmpeg.HasVideoExtension(p));
        IReadOnlyList<InputFile> files = Shard is { } shard
            ? expansion.Files.Where((_, i) => i % shard.Count == shard.Index).ToList()
            : expansion.Files;
        foreach (string note in expansion.Notes)
            Cli.Warning(note);
        var plan = new OutputPlan(Output, expansion.SingleFile, Format, files.Count);
        if (files.Count > 0)
            plan.CheckWritable();
        failures.AddRange(expansion.Errors);
        planned.AddRange(expansion.Errors.Select(e => ("", "", "failed", (string?)e)));
        // Every input, not only this shard's, is protected from being overwritten.
        var inputSet = expansion.Files.Select(f => f.FullPath).ToHashSet(StringComparer.Ordinal);
        var pictures = new List<FrameJob>();
        var videos = new List<FrameJob>();
        int skipped = 0;
        bool hintFolder = HintsPath is not null && Directory.Exists(HintsPath);
        if (HintsPath is not null && !hintFolder && (files.Count != 1 || !expansion.SingleFile))
            hintErrors.Add($"--hints '{HintsPath}': with several inputs give a folder of STEM.json files (one per input), not one file");
        foreach (InputFile input in files)
        {
            string? path = null;
            try
            {
                path = plan.For(input, inputSet);
                string? hintsFile = HintsPath is null ? null : hintFolder ? Path.Combine(HintsPath, Path.GetFileNameWithoutExtension(input.FullPath) + ".json") : HintsPath;
                if (hintsFile is not null && hintFolder && !File.Exists(hintsFile))
                    hintsFile = null;
                if (File.Exists(path) && !Overwrite)
                {
                    skipped++;
                    planned.Add((input.FullPath, path, "skipped", null));
                }
                else if (Videos is not null && Ffmpeg.IsVideo(input.FullPath))
                {
                    if (hintsFile is not null)
                        hintErrors.Add($"'{hintsFile}': hints for a film are not supported yet; colour its frames as pictures to hint them");
                    videos.Add(FrameJob.Video(input.FullPath, path, Videos));
                }
                else
                {
                    IReadOnlyList<Engine.Models.ColorHint>? hints = null;
                    if (hintsFile is not null)
                    {
                        var (width, height) = ImageIO.OrientedSize(input.FullPath, MaxPixels, MaxMetadataBytes);
                        try
                        {
                            hints = HintFiles.Read(hintsFile, width, height);
                        }
                        catch (UserErrorException e)
                        {
                            hintErrors.Add(e.Message);
                        }
                    }
                    pictures.Add(FrameJob.Picture(input.FullPath, path, MaxPixels, MaxMetadataBytes, hints));
                }
            }
            catch (UserErrorException e)
            {
                failures.Add(e.Message);
                planned.Add((input.FullPath, path ?? "", "failed", e.Message));
            }
        }
        return (pictures.Concat(videos).ToList(), skipped);
    }

    /// <summary>One job per input to retry, into the output its manifest recorded (skipped when that exists now, unless overwriting).</summary>
    private (List<FrameJob> Jobs, int Skipped) PlanRetry(List<string> failures)
    {
        string root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(Output));
        var jobs = new List<FrameJob>();
        int skipped = 0;
        foreach (var (input, output) in Retry!)
        {
            string full = Path.GetFullPath(output);
            if (full != root && !full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                throw new UsageException($"--retry-failed: '{input}' was written to '{output}', outside -o '{Output}'; give the run's own -o");
            if (File.Exists(full) && !Overwrite)
            {
                skipped++;
                planned.Add((input, full, "skipped", null));
            }
            else if (!File.Exists(input))
            {
                failures.Add($"'{input}': no such file (any more)");
                planned.Add((input, full, "failed", "no such file"));
            }
            else if (Videos is not null && Ffmpeg.HasVideoExtension(input) && Ffmpeg.IsVideo(input))
                jobs.Add(FrameJob.Video(input, full, Videos));
            else
                jobs.Add(FrameJob.Picture(input, full, MaxPixels, MaxMetadataBytes));
        }
        return (jobs, skipped);
    }

    /// <summary>One job per folder of numbered frames (this shard's); a folder that cannot be planned (no frames, outputs in the way) is a failure.</summary>
    private (List<FrameJob> Jobs, int Skipped) PlanSequences(List<string> failures)
    {
        var jobs = new List<FrameJob>();
        for (int i = 0; i < Inputs.Count; i++)
        {
            if (Shard is { } shard && i % shard.Count != shard.Index)
                continue;
            string folder = Inputs[i];
            string target = Inputs.Count == 1 ? Output : Path.Combine(Output, Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder))));
            try
            {
                jobs.Add(FrameJob.FrameFolder(folder, target, Overwrite, Videos));
            }
            catch (UserErrorException e)
            {
                failures.Add(e.Message);
                planned.Add((Path.GetFullPath(folder), Path.GetFullPath(target), "failed", e.Message));
            }
        }
        return (jobs, 0);
    }

    /// <summary>
    /// Shows the run: the files' bar and a bar per film on a terminal; otherwise each failure at once and a
    /// film's frames every 10 s on stderr (<see cref="FrameProgress"/>), and each film's line on stdout.
    /// </summary>
    private sealed class Display(BatchRunner runner, bool showProgress) : IFrameJobObserver
    {
        private readonly Dictionary<FrameJob, FrameProgress> frames = new();

        public ProgressContext? Context { get; set; }

        public ProgressTask? Overall { get; set; }

        public List<FrameJobReport> Reports { get; } = new();

        public List<string> Failures { get; } = new();

        /// <summary>Each film's line, kept for after the bars.</summary>
        public List<string> Lines { get; } = new();

        /// <summary>Warnings held back while a progress display owns the terminal.</summary>
        public List<string> Warnings { get; } = new();

        public void Started(FrameJob job, int estimatedFrames)
        {
            if (job.IsSequence)
                frames[job] = Context is { } context ? FrameProgress.Bar(context, job.Input, estimatedFrames) : FrameProgress.Lines(runner.Verb, job.Input, estimatedFrames);
        }

        public void Written(FrameJob job, int count)
        {
            if (frames.TryGetValue(job, out FrameProgress? progress))
                progress.Report(count);
        }

        public void Finished(FrameJobReport report)
        {
            Reports.Add(report);
            runner.Manifest?.Record(Path.GetFullPath(report.Job.Input), Path.GetFullPath(report.Job.Output),
                report.Error is not null ? "failed" : report.Warning is not null ? "partial" : "done", report.Error ?? report.Warning, report.Seconds, report.Frames);
            if (frames.Remove(report.Job, out FrameProgress? progress))
                progress.Dispose();
            Overall?.Increment(1);
            if (report.Error is { } error)
            {
                Failures.Add(error);
                if (!showProgress)
                    Cli.Error(error);
            }
            else if (report.Job.IsSequence)
            {
                if (report.Warning is { } warning)
                {
                    if (showProgress)
                        Warnings.Add(warning);
                    else
                        Cli.Warning(warning);
                }
                double seconds = Math.Max(report.Seconds, 1e-9);
                string cuts = runner.Videos is { Stabilize: true } ? $", {report.Cuts} scene cut{(report.Cuts == 1 ? "" : "s")}" : "";
                string line = string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"{report.Job.Output}: {report.Frames} frames in {report.Seconds:0.0} s ({report.Frames / seconds:0.0} frames/s; {report.Timings.Describe(seconds)}){cuts}");
                if (showProgress)
                    Lines.Add(line);
                else
                    Console.Out.WriteLine(line);
            }
        }
    }

    private string Describe(Summary s, string device)
    {
        var text = $"{Verb}: {s.Done} written";
        if (s.Partial > 0)
            text += $" ({s.Partial} partial: cut short, written from what could be read)";
        if (s.Skipped > 0)
            text += $", {s.Skipped} skipped (output exists; --overwrite replaces)";
        if (s.Failed > 0)
            text += $", {s.Failed} failed";
        // With films among the outputs a pictures-per-second rate means nothing (each film said its frames/s).
        if (s.Videos > 0 || s.FrameFolders > 0)
        {
            string films = string.Join(", ", new[] { (s.Videos, "video"), (s.FrameFolders, "frame folder") }
                .Where(f => f.Item1 > 0).Select(f => $"{f.Item1} {f.Item2}{(f.Item1 == 1 ? "" : "s")}"));
            return text + $" ({films}) in {s.Seconds:0.00} s on {device}{PeakMemory()}";
        }
        // No rate over no work.
        if (s.Done == 0)
            return text + $" in {s.Seconds:0.00} s on {device}{PeakMemory()}";
        double rate = s.Seconds > 0 ? s.Done / s.Seconds : 0;
        return text + $" in {s.Seconds:0.00} s ({rate:0.0} images/s) on {device}{PeakMemory()}";
    }

    /// <summary>
    /// ", peak memory N MB": the process's peak resident memory so far (Linux's VmHWM), what a job on a shared
    /// machine or a cluster must ask for; empty where the system does not report it.
    /// </summary>
    internal static string PeakMemory()
    {
        long peak = System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64;
        return peak > 0 ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $", peak memory {peak / 1e6:0} MB") : "";
    }
}
