using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace ColorKernels.Engine.Video;

/// <summary>What ffprobe says of a video file: its first video stream, and whether audio and subtitles come with it.</summary>
/// <param name="Width">Frame width after the input's rotation (ffmpeg rotates decoded frames upright).</param>
/// <param name="Height">Frame height after rotation.</param>
/// <param name="FrameRate">The stream's frame rate as ffmpeg writes it ("24000/1001").</param>
/// <param name="Codec">The video codec's name.</param>
/// <param name="Duration">Seconds (0 when the container does not say).</param>
/// <param name="HasAudio">Whether an audio stream is present (copied untouched).</param>
/// <param name="HasSubtitles">Whether a subtitle stream is present (copied where the output container takes it).</param>
public sealed record VideoInfo(int Width, int Height, string FrameRate, string Codec, double Duration, bool HasAudio, bool HasSubtitles)
{
    /// <summary>The stream's colour description as ffmpeg options (primaries, transfer, matrix, range), for the encoder to carry over; empty when unknown.</summary>
    public IReadOnlyList<string> ColourOptions { get; init; } = Array.Empty<string>();

    /// <summary>The codec of each audio stream, in order (copied where the output container takes it, else re-encoded).</summary>
    public IReadOnlyList<string> AudioCodecs { get; init; } = Array.Empty<string>();

    /// <summary>The stream's time base as ffmpeg writes it ("1/15360"): the unit of its frames' timestamps, which the output keeps.</summary>
    public string TimeBase { get; init; } = "1/1000";

    /// <summary>The file's comment tag (a part written by colorize --segment says its frames there: <see cref="FilmJoin"/>), else null.</summary>
    internal string? Comment { get; init; }

    /// <summary>Frames in the stream as the container says (nb_frames), else duration x frame rate; 0 when neither is known. For progress, not for checks.</summary>
    public int EstimatedFrames { get; init; }

    /// <summary>Frames the container declares for the video stream (mp4 and mov say; 0 when it does not).</summary>
    public int DeclaredFrames { get; init; }

    /// <summary>
    /// Seconds the container declares for the video stream itself (its own duration, or Matroska's DURATION
    /// tag; the file's duration only when nothing but video is in it, since audio may run longer); 0 when unknown.
    /// </summary>
    public double DeclaredDuration { get; init; }

    /// <summary><see cref="FrameRate"/> ("30000/1001") as (30000, 1001); null when it is not a positive fraction.</summary>
    internal (double Num, double Den)? Rate => ParseRate(FrameRate);

    /// <summary>The nominal frame duration in microseconds (1 / <see cref="FrameRate"/>; 40 ms when the rate is unknown).</summary>
    internal long FrameMicroseconds => Rate is { } r ? Math.Max(1, (long)Math.Round(1e6 * r.Den / r.Num)) : 40_000;

    /// <summary>"30000/1001" as (30000, 1001); null when the rate is not a positive fraction.</summary>
    internal static (double Num, double Den)? ParseRate(string frameRate)
    {
        string[] parts = frameRate.Split('/');
        return parts.Length == 2 && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double num)
            && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double den) && num > 0 && den > 0
            ? (num, den) : null;
    }
}

/// <summary>
/// Debian's ffmpeg and ffprobe, the real video components: found on PATH, or named by
/// COLORKERNELS_FFMPEG (the ffmpeg executable; ffprobe is looked for beside it). Each call is one process
/// with its arguments passed as a list (no shell), its stderr kept for a one-line error.
/// </summary>
public static class Ffmpeg
{
    /// <summary>The environment variable that names the ffmpeg executable.</summary>
    public const string Variable = "COLORKERNELS_FFMPEG";

    /// <summary>The video containers <c>colorize</c> reads and writes, by extension (lower case, with the dot).</summary>
    public static IReadOnlyList<string> Extensions { get; } = new[] { ".mp4", ".mkv", ".mov", ".webm", ".avi" };

    /// <summary>
    /// The arguments that open <paramref name="path"/> as an input of ffmpeg or ffprobe and nothing else: the
    /// demuxer forced by the extension (ffmpeg otherwise picks it from the bytes, and a concat list or a
    /// playlist named .mp4 would open the files or addresses it names), only the file protocol, and the
    /// path as a file: URL (so "concat:a|b" or "http://..." is a file name, and a leading '-' is no option).
    /// </summary>
    public static IReadOnlyList<string> Input(string path, string? demuxer = null) =>
        new[] { "-protocol_whitelist", "file", "-f", demuxer ?? Demuxer(path), "-i", "file:" + Path.GetFullPath(path) };

    /// <summary>ffmpeg's demuxer for a video extension: mov for .mp4 and .mov, matroska for .mkv and .webm, avi, gif.</summary>
    public static string Demuxer(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".mp4" or ".mov" => "mov",
        ".mkv" or ".webm" => "matroska",
        ".avi" => "avi",
        ".gif" => "gif",
        var other => throw new UserErrorException($"'{path}': '{other}' is not a video extension this build reads ({string.Join(", ", Extensions)}, animated .gif)"),
    };

    /// <summary>Whether <paramref name="path"/> names a video by its extension.</summary>
    public static bool HasVideoExtension(string path) => Extensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    /// <summary>
    /// Whether <paramref name="path"/> goes through the video pipeline: a video by extension, or a GIF with
    /// more than one frame (an animation; a still GIF is a picture, and so is any GIF when ffprobe is absent).
    /// </summary>
    public static bool IsVideo(string path)
    {
        if (HasVideoExtension(path))
            return true;
        if (!string.Equals(Path.GetExtension(path), ".gif", StringComparison.OrdinalIgnoreCase))
            return false;
        try
        {
            var (code, output, _) = Run(FfprobePath, new[] { "-v", "error", "-count_packets", "-select_streams", "v:0", "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0" }.Concat(Input(path)));
            return code == 0 && int.TryParse(output.Trim(), out int frames) && frames > 1;
        }
        catch (UserErrorException)
        {
            return false;
        }
    }

    /// <summary>The ffmpeg executable's path; a one-line <see cref="UserErrorException"/> naming the package when there is none.</summary>
    public static string FfmpegPath => Find("ffmpeg");

    /// <summary>The ffprobe executable's path (beside a named ffmpeg, else on PATH).</summary>
    public static string FfprobePath => Find("ffprobe");

    private static string Find(string tool)
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } named)
        {
            string candidate = tool == "ffmpeg" ? named : Path.Combine(Path.GetDirectoryName(named) ?? "", tool);
            if (File.Exists(candidate))
                return candidate;
            throw new UserErrorException($"{Variable}={named}: no {tool} there (install Debian's ffmpeg package, or name another ffmpeg)");
        }
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, tool);
            if (File.Exists(candidate))
                return candidate;
        }
        throw new UserErrorException($"videos need {tool}, which is not on PATH: install it (Debian/Ubuntu: apt-get install ffmpeg) or set {Variable}");
    }

    /// <summary>Probes <paramref name="path"/>; a file that is not a video, or has no video stream, is a one-line <see cref="UserErrorException"/>.</summary>
    public static VideoInfo Probe(string path) => Probe(path, null);

    /// <summary>Probes <paramref name="path"/> read with <paramref name="demuxer"/> (null: its extension's).</summary>
    internal static VideoInfo Probe(string path, string? demuxer)
    {
        var (code, output, error) = Run(FfprobePath, new[] { "-v", "error", "-print_format", "json", "-show_streams", "-show_format" }.Concat(Input(path, demuxer)));
        if (code != 0)
            throw new UserErrorException($"'{path}': not a {Path.GetExtension(path).ToLowerInvariant()} video ffprobe can read ({LastLine(error)})");
        using JsonDocument json = JsonDocument.Parse(output);
        JsonElement root = json.RootElement;
        var streams = root.TryGetProperty("streams", out JsonElement s) ? s.EnumerateArray().ToList() : new List<JsonElement>();
        JsonElement? video = streams.Cast<JsonElement?>().FirstOrDefault(x => Text(x!.Value, "codec_type") == "video" && !IsAttachedPicture(x.Value));
        if (video is not { } v)
            throw new UserErrorException($"'{path}': has no video stream");
        int width = v.TryGetProperty("width", out JsonElement w) ? w.GetInt32() : 0, height = v.TryGetProperty("height", out JsonElement h) ? h.GetInt32() : 0;
        if (width <= 0 || height <= 0)
            throw new UserErrorException($"'{path}': its video stream has no frame size");
        if (Rotation(v) is 90 or 270 or -90 or -270)
            (width, height) = (height, width);
        string rate = Text(v, "avg_frame_rate") is { } avg && avg != "0/0" ? avg : Text(v, "r_frame_rate") ?? "25/1";
        double duration = root.TryGetProperty("format", out JsonElement f) && Text(f, "duration") is { } d
            && double.TryParse(d, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) ? seconds : 0;
        var colour = new List<string>();
        foreach (var (key, option) in new[] { ("color_primaries", "-color_primaries"), ("color_transfer", "-color_trc"), ("color_space", "-colorspace"), ("color_range", "-color_range") })
            if (Text(v, key) is { } value && value is not ("unknown" or "reserved" or "")
                // An RGB source (gbr: libx264rgb, RGB FFV1) is encoded as YUV: its matrix and range do not describe the output.
                && !(key is "color_space" or "color_range" && IsRgb(v)))
                colour.AddRange(new[] { option, value });
        int frames = Text(v, "nb_frames") is { } nb && int.TryParse(nb, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : 0;
        string timeBase = Text(v, "time_base") is { } tb && System.Text.RegularExpressions.Regex.IsMatch(tb, @"^[1-9]\d*/[1-9]\d*$") ? tb : "1/1000";
        double declared = Seconds(Text(v, "duration")) ?? (v.TryGetProperty("tags", out JsonElement vt) ? Clock(Text(vt, "DURATION")) : null)
            ?? (streams.Count == 1 ? duration : 0);
        var info = new VideoInfo(width, height, rate, Text(v, "codec_name") ?? "?", duration,
            streams.Any(x => Text(x, "codec_type") == "audio"), streams.Any(x => Text(x, "codec_type") == "subtitle"))
        {
            ColourOptions = colour,
            TimeBase = timeBase,
            EstimatedFrames = frames,
            DeclaredFrames = frames,
            DeclaredDuration = declared,
            AudioCodecs = streams.Where(x => Text(x, "codec_type") == "audio").Select(x => Text(x, "codec_name") ?? "?").ToList(),
            Comment = root.TryGetProperty("format", out JsonElement fmt) && fmt.TryGetProperty("tags", out JsonElement tags)
                ? tags.EnumerateObject().Where(t => t.Name.Equals("comment", StringComparison.OrdinalIgnoreCase)).Select(t => t.Value.GetString()).FirstOrDefault()
                : null,
        };
        return frames > 0 || duration <= 0 ? info : info with { EstimatedFrames = (int)Math.Min(int.MaxValue, Math.Round(duration * 1e6 / info.FrameMicroseconds)) };
    }

    /// <summary>A positive number of seconds ("2.000000"), else null.</summary>
    private static double? Seconds(string? text) =>
        text is not null && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double s) && s > 0 && double.IsFinite(s) ? s : null;

    /// <summary>Matroska's DURATION tag ("00:00:02.000000000") in seconds, else null.</summary>
    private static double? Clock(string? text) =>
        text is not null && TimeSpan.TryParse(text.Length > 16 ? text[..16] : text, CultureInfo.InvariantCulture, out TimeSpan t) && t > TimeSpan.Zero ? t.TotalSeconds : null;

    /// <summary>Whether a video stream holds RGB rather than YUV (its matrix is "gbr", or its pixel format is RGB or planar GBR).</summary>
    private static bool IsRgb(JsonElement stream) =>
        Text(stream, "color_space") == "gbr"
        || Text(stream, "pix_fmt") is { } format && (format.StartsWith("gbr", StringComparison.Ordinal) || format.StartsWith("rgb", StringComparison.Ordinal)
            || format.StartsWith("bgr", StringComparison.Ordinal) || format is "argb" or "abgr" or "0rgb" or "0bgr");

    private static bool IsAttachedPicture(JsonElement stream) =>
        stream.TryGetProperty("disposition", out JsonElement d) && d.TryGetProperty("attached_pic", out JsonElement a) && a.GetInt32() == 1;

    private static int Rotation(JsonElement stream)
    {
        if (stream.TryGetProperty("side_data_list", out JsonElement list))
            foreach (JsonElement item in list.EnumerateArray())
                if (item.TryGetProperty("rotation", out JsonElement r) && r.TryGetInt32(out int degrees))
                    return degrees;
        if (stream.TryGetProperty("tags", out JsonElement tags) && Text(tags, "rotate") is { } rotate && int.TryParse(rotate, out int tagged))
            return tagged;
        return 0;
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.ToString() : null;

    /// <summary>Runs a tool to completion: its exit code, stdout and stderr.</summary>
    internal static (int Code, string Output, string Error) Run(string tool, IEnumerable<string> arguments)
    {
        using Process process = Start(tool, arguments, redirectInput: false);
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.Result);
    }

    /// <summary>Starts a tool with stdout and stderr redirected (and stdin when asked).</summary>
    internal static Process Start(string tool, IEnumerable<string> arguments, bool redirectInput)
    {
        var info = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
            info.ArgumentList.Add(argument);
        return Process.Start(info) ?? throw new UserErrorException($"could not start {tool}");
    }

    /// <summary>The last non-empty line of a tool's stderr, for one-line messages.</summary>
    internal static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "no message";
}
