using System.Globalization;

namespace ColorKernels.Engine.Video;

/// <summary>
/// Part of a film to colour on its own (issue #41: one film across a Slurm array): frames
/// <c>START-END</c> (END not included, so "0-1000" and "1000-2000" meet), times <c>00:10:00-00:20:00</c>
/// (each the first frame that starts at or after it, so adjacent time ranges meet too), an open end
/// (<c>1000-</c>: to the film's end), or <c>I/N</c>: the I-th of N equal parts by frame count (from 0; the
/// last runs to the end, so the parts meet whatever the count's accuracy). The stabiliser starts
/// <see cref="LeadFrames"/> frames before START (those are coloured, not written), so the seam carries the
/// state a single run would have there; a part's timestamps start at 0, and its audio is the film's from
/// START's time, so parts join without re-encoding (<see cref="FilmJoin"/>).
/// </summary>
public sealed record FilmSegment
{
    /// <summary>Frames coloured before a segment's first, for the stabiliser's state (2 s at 24 frames/s: its blend keeps 0.95 a frame, 0.95^48 = 8 %).</summary>
    public const int LeadFrames = 48;

    private FilmSegment(string text) => Text = text;

    /// <summary>The segment as it was given.</summary>
    public string Text { get; }

    private int? startFrame, endFrame;
    private TimeSpan? startTime, endTime;
    private (int Index, int Count)? part;

    /// <summary>Parses "START-END" (frames or times, END optional) or "I/N"; a one-line user error otherwise.</summary>
    public static FilmSegment Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string what = $"--segment '{text}'";
        var segment = new FilmSegment(text);
        int slash = text.IndexOf('/');
        if (slash >= 0)
        {
            if (!int.TryParse(text[..slash], NumberStyles.None, CultureInfo.InvariantCulture, out int index)
                || !int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count < 1 || index >= count)
                throw new UserErrorException($"{what}: expected I/N with 0 <= I < N (the I-th of N equal parts)");
            segment.part = (index, count);
            return segment;
        }
        // A time holds no '-', so the first one splits START from END.
        int dash = text.IndexOf('-');
        if (dash <= 0)
            throw new UserErrorException($"{what}: expected START-END (frames such as 0-1000, or times such as 00:10:00-00:20:00; END may be left off) or I/N");
        string start = text[..dash], end = text[(dash + 1)..];
        bool times = start.Contains(':') || start.Contains('.') || end.Contains(':') || end.Contains('.');
        if (times)
        {
            segment.startTime = FilmKeyframe.ParseTime(start, what + ": START");
            segment.endTime = end.Length == 0 ? null : FilmKeyframe.ParseTime(end, what + ": END");
            if (segment.endTime <= segment.startTime)
                throw new UserErrorException($"{what}: END must come after START");
        }
        else
        {
            segment.startFrame = Frame(start, what + ": START");
            segment.endFrame = end.Length == 0 ? null : Frame(end, what + ": END");
            if (segment.endFrame <= segment.startFrame)
                throw new UserErrorException($"{what}: END must come after START (END is the first frame not coloured)");
        }
        return segment;
    }

    private static int Frame(string text, string what) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int frame) ? frame
        : throw new UserErrorException($"{what} '{text}': expected a frame number (0 or more) or a time (HH:MM:SS.mmm)");

    /// <summary>
    /// The segment's frames in a film of <paramref name="frames"/> frames (exact, or an estimate: then a
    /// segment past it is left for the decoder to find) at <paramref name="rate"/> frames a second: the first,
    /// and the first not included (null: to the end). A start at or past an exact end, or an end past it, is a
    /// one-line user error naming <paramref name="film"/>.
    /// </summary>
    internal (int Start, int? End) Resolve(string film, int frames, bool estimated, (double Num, double Den)? rate)
    {
        string what = $"'{film}': --segment {Text}";
        int start;
        int? end;
        if (part is { } p)
        {
            if (frames <= 0)
                throw new UserErrorException($"{what}: the film's frame count is not known, so it cannot be split in equal parts; give START-END");
            start = (int)((long)p.Index * frames / p.Count);
            end = p.Index == p.Count - 1 ? null : (int)((long)(p.Index + 1) * frames / p.Count);
            if (end == start)
                throw new UserErrorException($"{what}: {p.Count} parts of {frames} frames leave this one empty");
            return (start, end);
        }
        if (startTime is { } from)
        {
            if (rate is not { } r)
                throw new UserErrorException($"{what}: the film has no frame rate to place times by; give frames");
            start = FirstAtOrAfter(from, r);
            end = endTime is { } to ? FirstAtOrAfter(to, r) : null;
            if (end == start)
                throw new UserErrorException($"{what}: no frame starts between START and END");
        }
        else
        {
            start = startFrame!.Value;
            end = endFrame;
        }
        if (!estimated && frames > 0)
        {
            if (start >= frames)
                throw new UserErrorException($"{what}: starts at frame {start}, past the film's end (it has {frames} frames, 0 to {frames - 1})");
            if (end > frames)
                throw new UserErrorException($"{what}: ends at frame {end}, past the film's end (it has {frames} frames; leave END off to colour to the end)");
        }
        return (start, end);
    }

    /// <summary>The first frame that starts at or after <paramref name="time"/> (a millisecond's slack: times are written to the millisecond).</summary>
    private static int FirstAtOrAfter(TimeSpan time, (double Num, double Den) rate)
    {
        double exact = time.TotalSeconds * rate.Num / rate.Den;
        double slack = 0.0005 * rate.Num / rate.Den;
        return (int)Math.Min(int.MaxValue, Math.Ceiling(exact - slack));
    }

    /// <summary>The segment as it was given.</summary>
    public override string ToString() => Text;
}
