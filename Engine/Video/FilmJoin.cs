using System.Globalization;
using System.Text;
using ColorKernels.Engine.Imaging;

namespace ColorKernels.Engine.Video;

/// <summary>
/// One film from its parts coloured apart (<see cref="VideoOptions.Segment"/>, as a Slurm array does:
/// examples/slurm/film-array.sh), without re-encoding them: ffmpeg's concat demuxer copies the parts' video
/// one after another (each part's timestamps start at 0 and its last frame lasts the nominal frame, so their
/// durations add up to the film's). The sound: the film's own (<c>audioFrom</c>: its audio and subtitles
/// whole, copied where the container takes them, so nothing is cut at the seams), else the parts' audio
/// joined as it is. Parts written by <c>colorize --segment</c> say which frames they hold (a comment tag):
/// they must be of one film, in order, each starting where the one before ended, only the last open-ended;
/// so a missing, repeated or misordered part is a one-line error, not a film with a jump. The output is
/// written to a temporary file and renamed.
/// </summary>
public static class FilmJoin
{
    private const string TagPrefix = "colorkernels segment ";

    /// <summary>The -metadata option value a segment's file carries: "comment=colorkernels segment START-END of NAME" (END empty: to the end).</summary>
    internal static string SegmentTag(int start, int? end, string film) =>
        FormattableString.Invariant($"comment={TagPrefix}{start}-{end} of {Path.GetFileName(film)}");

    /// <summary>A part's segment from its comment tag: (start, end or null, film name), or null when it has none.</summary>
    internal static (int Start, int? End, string Film)? ParseTag(string? comment)
    {
        if (comment is null || !comment.StartsWith(TagPrefix, StringComparison.Ordinal))
            return null;
        string rest = comment[TagPrefix.Length..];
        int of = rest.IndexOf(" of ", StringComparison.Ordinal), dash = rest.IndexOf('-');
        if (of < 0 || dash < 0 || dash > of
            || !int.TryParse(rest[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out int start))
            return null;
        string end = rest[(dash + 1)..of];
        if (end.Length == 0)
            return (start, null, rest[(of + 4)..]);
        return int.TryParse(end, NumberStyles.None, CultureInfo.InvariantCulture, out int e) ? (start, e, rest[(of + 4)..]) : null;
    }

    /// <summary>
    /// Joins <paramref name="parts"/> in the order given into <paramref name="output"/> (its extension picks the
    /// container), with <paramref name="audioFrom"/>'s sound when given. Returns the frames written where the
    /// containers count them (mp4, mov), else -1, and a warning (null: none). Every problem is a one-line
    /// <see cref="UserErrorException"/>; nothing is written then.
    /// </summary>
    public static (int Frames, string? Warning) Join(IReadOnlyList<string> parts, string output, string? audioFrom = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(parts);
        ArgumentNullException.ThrowIfNull(output);
        if (parts.Count == 0)
            throw new UserErrorException("join: no parts given");
        string target = Path.GetFullPath(output);
        foreach (string path in parts.Append(audioFrom).OfType<string>())
        {
            if (Directory.Exists(path))
                throw new UserErrorException($"'{path}': a folder; give the parts' files in order");
            if (!File.Exists(path))
                throw new UserErrorException($"'{path}': no such file");
            if (string.Equals(Path.GetFullPath(path), target, StringComparison.Ordinal))
                throw new UserErrorException($"'{output}': is also an input; write the joined film elsewhere");
        }
        var (format, _, _, subtitles) = VideoJob.Container(output);
        if (format == "gif")
            throw new UserErrorException($"'{output}': parts join into {string.Join(", ", Ffmpeg.Extensions)}, not a GIF");
        var infos = parts.Select(p => Ffmpeg.Probe(p)).ToList();
        for (int i = 1; i < parts.Count; i++)
        {
            VideoInfo a = infos[0], b = infos[i];
            if (a.Codec != b.Codec || a.Width != b.Width || a.Height != b.Height || a.TimeBase != b.TimeBase)
                throw new UserErrorException($"'{parts[i]}': {b.Codec} {b.Width}x{b.Height} (time base {b.TimeBase}), unlike '{parts[0]}' ({a.Codec} {a.Width}x{a.Height}, {a.TimeBase}): parts of one film, coloured alike, join");
        }
        string? warning = CheckSegments(parts, infos);
        VideoInfo? film = audioFrom is null ? null : Ffmpeg.Probe(audioFrom);
        // The frames the joined film must hold, where every part's container counts them (mp4, mov); else -1.
        int expected = infos.All(i => i.DeclaredFrames > 0) ? infos.Sum(i => i.DeclaredFrames) : -1;

        string list = Path.Combine(Path.GetTempPath(), $"ck-join-{Guid.NewGuid():N}.ffconcat");
        try
        {
            var text = new StringBuilder("ffconcat version 1.0\n");
            // The concat list's quoting: a path in single quotes, each ' written as '\''.
            // Each part starts at its video's 0 and lasts its video's own duration. Left to itself the concat demuxer
            // starts a part at its earliest stream (an AAC track's priming starts 23 ms early, which would delay the
            // video as much) and ends it at its longest (the audio's last packet overhangs): a frame's drift over a
            // few seams. "inpoint 0" and the video's duration pin both.
            for (int i = 0; i < parts.Count; i++)
            {
                text.Append("file '").Append(Path.GetFullPath(parts[i]).Replace("'", @"'\''", StringComparison.Ordinal)).Append("'\ninpoint 0\n");
                if (infos[i].DeclaredDuration > 0)
                    text.Append(FormattableString.Invariant($"duration {infos[i].DeclaredDuration:0.######}\n"));
            }
            File.WriteAllText(list, text.ToString());
            var arguments = new List<string> { "-v", "error", "-nostdin", "-y", "-protocol_whitelist", "file", "-f", "concat", "-safe", "0", "-i", "file:" + list };
            if (audioFrom is not null)
                arguments.AddRange(Ffmpeg.Input(audioFrom));
            // -copyts: the parts' timestamps as they are (ffmpeg would otherwise shift the whole film by the first
            // part's negative decoding times, the B-frames' delay: 23 ms late against the original's sound).
            arguments.AddRange(new[] { "-copyts", "-map", "0:v:0", "-c:v", "copy" });
            if (film is not null)
            {
                arguments.AddRange(new[] { "-map", "1:a?" });
                arguments.AddRange(VideoJob.AudioCodecs(format, film.AudioCodecs));
                if (film.HasSubtitles && subtitles is not null)
                    arguments.AddRange(new[] { "-map", "1:s?", "-c:s", subtitles });
            }
            else
                arguments.AddRange(new[] { "-map", "0:a?", "-c:a", "copy" });
            // The joined film is no segment: the parts' tag is cleared.
            arguments.AddRange(new[] { "-metadata", "comment=", "-f", format });
            AtomicFile.WriteByPath(output, temporary =>
            {
                using var process = Ffmpeg.Start(Ffmpeg.FfmpegPath, arguments.Append(temporary), redirectInput: false);
                using CancellationTokenRegistration stop = cancel.Register(() => VideoJob.Kill(process));
                Task<string> errors = process.StandardError.ReadToEndAsync();
                process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                cancel.ThrowIfCancellationRequested();
                if (process.ExitCode != 0)
                    throw new UserErrorException($"'{output}': ffmpeg could not join the parts ({Ffmpeg.LastLine(errors.Result)})");
                VideoInfo joined = Ffmpeg.Probe(temporary, Ffmpeg.Demuxer(output));
                if (expected > 0 && joined.DeclaredFrames > 0 && joined.DeclaredFrames != expected)
                    throw new UserErrorException($"'{output}': ffmpeg wrote {joined.DeclaredFrames} of the parts' {expected} frames");
            });
            return (expected, warning);
        }
        finally
        {
            File.Delete(list);
        }
    }

    /// <summary>
    /// Parts that say which frames they hold must be of one film and meet end to start; untagged parts are joined
    /// as given. A warning when the first part does not start the film (a join of a middle stretch is allowed).
    /// </summary>
    private static string? CheckSegments(IReadOnlyList<string> parts, IReadOnlyList<VideoInfo> infos)
    {
        var tags = infos.Select(i => ParseTag(i.Comment)).ToList();
        if (tags.All(t => t is null))
            return null;
        int untagged = tags.FindIndex(t => t is null);
        if (untagged >= 0)
            throw new UserErrorException($"'{parts[untagged]}': not a part written by colorize --segment, unlike the others; join parts of one run");
        for (int i = 0; i < parts.Count; i++)
        {
            var (start, end, film) = tags[i]!.Value;
            if (film != tags[0]!.Value.Film)
                throw new UserErrorException($"'{parts[i]}': a part of '{film}', not of '{tags[0]!.Value.Film}'");
            if (i == 0)
                continue;
            var (_, before, _) = tags[i - 1]!.Value;
            if (before is null)
                throw new UserErrorException($"'{parts[i - 1]}': runs to the film's end, so no part can follow it; give the parts in order");
            if (start != before)
                throw new UserErrorException(start > before
                    ? $"'{parts[i]}': starts at frame {start}, but '{parts[i - 1]}' ends before frame {before}: frames {before} to {start - 1} are missing"
                    : $"'{parts[i]}': starts at frame {start}, before '{parts[i - 1]}' ends (frame {before}): the parts overlap or are out of order");
        }
        return tags[0]!.Value.Start != 0 ? $"'{parts[0]}': starts at frame {tags[0]!.Value.Start}, not at the film's start" : null;
    }
}
