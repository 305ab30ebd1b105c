using System.Globalization;
using ColorKernels.Engine.Frames;
using ColorKernels.Host.Files;

namespace ColorKernels.Host.Commands;

/// <summary>
/// A run's record: each input's outcome appended to the run manifest (--manifest) as soon as it is known
/// (the plan's outcomes first, then each job as it finishes), the jobs' reports kept, and the summary line
/// that ends the run.
/// </summary>
internal sealed class BatchReport(string verb, RunManifest? manifest)
{
    /// <summary>The reports of the jobs finished so far, in the order they finished.</summary>
    public List<FrameJobReport> Reports { get; } = new();

    /// <summary>Outcomes known from the plan (skipped outputs, inputs that could not be planned), into the manifest.</summary>
    public void Planned(IEnumerable<PlannedOutcome> outcomes)
    {
        foreach (var (input, output, status, reason) in outcomes)
            manifest?.Record(input, output, status, reason);
    }

    /// <summary>A job's report, kept and written to the manifest: done, partial (with its warning) or failed (with its error).</summary>
    public void Finished(FrameJobReport report)
    {
        Reports.Add(report);
        manifest?.Record(Path.GetFullPath(report.Job.Input), Path.GetFullPath(report.Job.Output),
            report.Error is not null ? "failed" : report.Warning is not null ? "partial" : "done", report.Error ?? report.Warning, report.Seconds, report.Frames);
    }

    /// <summary>The run's counts: the reports' with the plan's skipped outputs and failures.</summary>
    public BatchRunner.Summary Summary(int skipped, int planFailures, double seconds) =>
        new(Reports.Count(r => r.Succeeded), skipped, planFailures + Reports.Count(r => r.Error is not null), Reports.Count(r => r.Succeeded && r.Warning is not null), seconds,
            Reports.Count(r => r.Succeeded && r.Job.Kind == FrameJobKind.Video),
            Reports.Count(r => r.Succeeded && r.Job.Kind == FrameJobKind.FrameFolder));

    /// <summary>The run's last line on stdout: written, partial, skipped and failed, the time, the rate and the device, the peak memory.</summary>
    public string Describe(BatchRunner.Summary s, string device)
    {
        var text = $"{verb}: {s.Done} written";
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
        return peak > 0 ? string.Create(CultureInfo.InvariantCulture, $", peak memory {peak / 1e6:0} MB") : "";
    }
}
