using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace ColorKernels.Host.Commands;

/// <summary>
/// A film's frames as they are written. On a terminal, a progress bar of its own (frames/s and the time
/// left, from the frame count its source expects: ffprobe's estimate for a video); otherwise, for logs of long unattended runs, a line on
/// stderr every 10 s: frames done of the estimate, frames/s, and the time left.
/// </summary>
internal sealed class FrameProgress : IProgress<int>, IDisposable
{
    private readonly Action<int> report;
    private readonly Action done;

    private FrameProgress(Action<int> report, Action done)
    {
        this.report = report;
        this.done = done;
    }

    public void Report(int frames) => report(frames);

    public void Dispose() => done();

    /// <summary>A bar of its own in <paramref name="context"/> for <paramref name="total"/> frames (0: unknown; the bar grows with the frames).</summary>
    public static FrameProgress Bar(ProgressContext context, string path, int total)
    {
        ProgressTask task = context.AddTask(Markup.Escape(Path.GetFileName(path)) + " (frames)", maxValue: Math.Max(total, 1));
        task.State.Update<bool>(RateColumn.Frames, _ => true);
        return new FrameProgress(
            frames =>
            {
                // The estimate can be short (a container without a frame count): the bar grows with the frames.
                if (frames > task.MaxValue)
                    task.MaxValue = frames;
                task.Value = frames;
            },
            () => task.StopTask());
    }

    /// <summary>A line on <paramref name="log"/> (stderr) at most every <paramref name="every"/> (10 s) as frames are reported.</summary>
    internal static FrameProgress Lines(string verb, string path, int total, TextWriter? log = null, TimeSpan? every = null)
    {
        var clock = Stopwatch.StartNew();
        TimeSpan interval = every ?? TimeSpan.FromSeconds(10), next = interval;
        return new FrameProgress(
            frames =>
            {
                if (clock.Elapsed < next)
                    return;
                next = clock.Elapsed + interval;
                double rate = frames / clock.Elapsed.TotalSeconds;
                string left = total > frames && rate > 0 ? $", about {TimeSpan.FromSeconds((total - frames) / rate):h\\:mm\\:ss} left" : "";
                string of = total > 0 ? $"/{total}" : "";
                (log ?? Console.Error).WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{verb}: {Path.GetFileName(path)}: {frames}{of} frames, {rate:0.0} frames/s{left}"));
            },
            () => { });
    }
}
