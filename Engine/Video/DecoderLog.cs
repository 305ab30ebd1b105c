using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;

namespace ColorKernels.Engine.Video;

/// <summary>
/// Reads the decoding ffmpeg's stderr as it runs: the <c>showinfo</c> filter's line for each decoded frame
/// gives that frame's presentation time (in the stream time base its "config in" line names), and lines
/// at error level or worse are kept for a one-line message. Frames leave the filter, and so reach the
/// stdout pipe, after their line is logged, so <see cref="NextMicroseconds"/> never waits long; when the
/// decoder ends it returns null instead of waiting.
/// </summary>
internal sealed partial class DecoderLog
{
    /// <summary>The decoder's log options: every line tagged with its level, no banner or progress line.</summary>
    public static readonly string[] Options = { "-hide_banner", "-nostats", "-loglevel", "level+info" };

    private readonly BlockingCollection<long?> times = new();
    private readonly List<string> errors = new();
    private readonly Task reading;

    public DecoderLog(StreamReader stderr) => reading = Task.Run(() => Read(stderr));

    [GeneratedRegex(@"Parsed_showinfo_\d+ @ [^\]]*\] \[info\] n:\s*\d+ pts:\s*(-?\d+|NOPTS)")]
    private static partial Regex FrameLine();

    [GeneratedRegex(@"Parsed_showinfo_\d+ @ [^\]]*\] \[info\] config in time_base: (\d+)/(\d+)")]
    private static partial Regex TimeBaseLine();

    [GeneratedRegex(@"\[(error|fatal|panic)\] (.*)$")]
    private static partial Regex ErrorLine();

    private void Read(StreamReader stderr)
    {
        try
        {
            long num = 0, den = 0;
            while (stderr.ReadLine() is { } line)
            {
                if (FrameLine().Match(line) is { Success: true } frame)
                {
                    times.Add(den > 0 && long.TryParse(frame.Groups[1].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long pts)
                        ? (long)Math.Round(pts * (double)num * 1e6 / den) : null);
                }
                else if (TimeBaseLine().Match(line) is { Success: true } timeBase)
                {
                    num = long.Parse(timeBase.Groups[1].Value, CultureInfo.InvariantCulture);
                    den = long.Parse(timeBase.Groups[2].Value, CultureInfo.InvariantCulture);
                }
                else if (ErrorLine().Match(line) is { Success: true } error)
                {
                    lock (errors)
                        errors.Add(error.Groups[2].Value.Trim());
                }
            }
        }
        finally
        {
            times.CompleteAdding();
        }
    }

    /// <summary>The next decoded frame's time in microseconds; null when it has none or the decoder has ended.</summary>
    public long? NextMicroseconds(CancellationToken cancel) =>
        times.TryTake(out long? time, Timeout.Infinite, cancel) ? time : null;

    /// <summary>The last error line, once the decoder has exited.</summary>
    public string LastError()
    {
        reading.Wait(TimeSpan.FromSeconds(5));
        lock (errors)
            return errors.Count > 0 ? errors[^1] : "no message";
    }
}
