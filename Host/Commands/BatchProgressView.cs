using System.Globalization;
using ColorKernels.Engine.Frames;
using Spectre.Console;

namespace ColorKernels.Host.Commands;

/// <summary>
/// Shows a run as its observer hears it: on a terminal, a bar for the files and one per film, with the
/// failures, warnings and films' lines held back until the bars are done; otherwise each failure at once, a
/// film's frames every 10 s on stderr (<see cref="FrameProgress"/>), and each film's line on stdout.
/// Every finished job goes to the run's <see cref="BatchReport"/> first.
/// </summary>
internal sealed class BatchProgressView(string verb, BatchReport report, bool countCuts) : IFrameJobObserver
{
    private readonly Dictionary<FrameJob, FrameProgress> frames = new();
    private readonly Dictionary<FrameJob, (int Written, int Estimated)> reached = new();
    private readonly List<string> failures = new();
    private readonly List<string> warnings = new();
    private readonly List<string> lines = new();
    private ProgressContext? context;
    private ProgressTask? overall;

    /// <summary>Whether bars own the terminal: a bar for several files, or for a film's frames (one film can take hours); never when stderr is redirected.</summary>
    private bool showProgress;

    /// <summary>Runs <paramref name="jobs"/> through <paramref name="pipeline"/> under this view; the plan's <paramref name="planFailures"/> are shown with the run's own.</summary>
    public void Run(FramePipeline pipeline, IReadOnlyList<FrameJob> jobs, IReadOnlyList<string> planFailures, CancellationToken cancel)
    {
        showProgress = (jobs.Count > 1 || jobs.Any(j => j.IsSequence)) && !Console.IsErrorRedirected;
        if (showProgress)
        {
            AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }).Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                    new RateColumn(), new RemainingTimeColumn(), new ElapsedTimeColumn())
                .Start(progress =>
                {
                    context = progress;
                    overall = progress.AddTask($"{verb} {jobs.Count} files", maxValue: jobs.Count);
                    pipeline.Run(jobs, this, cancel);
                });
            foreach (string failure in planFailures.Concat(failures))
                Cli.Error(failure);
            foreach (string warning in warnings)
                Cli.Warning(warning);
            foreach (string line in lines)
                Console.Out.WriteLine(line);
        }
        else
        {
            foreach (string failure in planFailures)
                Cli.Error(failure);
            pipeline.Run(jobs, this, cancel);
        }
    }

    public void Started(FrameJob job, int estimatedFrames)
    {
        if (!job.IsSequence)
            return;
        reached[job] = (0, estimatedFrames);
        frames[job] = context is { } bars ? FrameProgress.Bar(bars, job.Input, estimatedFrames) : FrameProgress.Lines(verb, job.Input, estimatedFrames);
    }

    public void Written(FrameJob job, int count)
    {
        if (frames.TryGetValue(job, out FrameProgress? progress))
            progress.Report(count);
        if (reached.TryGetValue(job, out var at))
            reached[job] = (count, at.Estimated);
    }

    /// <summary>
    /// The films started and not finished, with the frames they had reached: what an interrupted run says of how far
    /// it got (a film's output is all or nothing, so none of these was written).
    /// </summary>
    public string Unfinished() => string.Join("", reached.Select(r => r.Value.Estimated > 0
        ? $"; {Path.GetFileName(r.Key.Input)} stopped after {r.Value.Written} of about {r.Value.Estimated} frames ({100.0 * r.Value.Written / r.Value.Estimated:0.#}%), nothing of it written"
        : $"; {Path.GetFileName(r.Key.Input)} stopped after {r.Value.Written} frames, nothing of it written"));

    public void Finished(FrameJobReport finished)
    {
        report.Finished(finished);
        reached.Remove(finished.Job);
        if (frames.Remove(finished.Job, out FrameProgress? progress))
            progress.Dispose();
        overall?.Increment(1);
        if (finished.Error is { } error)
        {
            failures.Add(error);
            if (!showProgress)
                Cli.Error(error);
        }
        else if (finished.Job.IsSequence)
        {
            if (finished.Warning is { } warning)
            {
                if (showProgress)
                    warnings.Add(warning);
                else
                    Cli.Warning(warning);
            }
            string line = FilmLine(finished);
            if (showProgress)
                lines.Add(line);
            else
                Console.Out.WriteLine(line);
        }
    }

    /// <summary>A film's line: its frames, time, frames/s and where the time went, and its scene cuts when stabilised.</summary>
    private string FilmLine(FrameJobReport film)
    {
        double seconds = Math.Max(film.Seconds, 1e-9);
        string cuts = countCuts ? $", {film.Cuts} scene cut{(film.Cuts == 1 ? "" : "s")}" : "";
        string aligned = film.AlignedFrames > 0 ? $", {film.AlignedFrames} frame{(film.AlignedFrames == 1 ? "" : "s")} lined up with a reference photo" : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"{film.Job.Output}: {film.Frames} frames in {film.Seconds:0.0} s ({film.Frames / seconds:0.0} frames/s; {film.Timings.Describe(seconds)}){cuts}{aligned}");
    }
}
