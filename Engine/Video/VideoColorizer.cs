using System.Diagnostics;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;

namespace ColorKernels.Engine.Video;

/// <summary>How a video is written.</summary>
public sealed record VideoOptions
{
    /// <summary>Constant rate factor of the encoder (H.264 and VP9: lower is better and larger; 18 to 28 are usual).</summary>
    public int Crf
    {
        get => crf;
        init => crf = value is >= 0 and <= 63 ? value : throw new UserErrorException($"--crf {value}: expected 0 to 63");
    }

    private readonly int crf = 20;

    /// <summary>Refuse videos whose frames are larger than this many pixels.</summary>
    public long MaxPixels { get; init; } = ImageIO.DefaultMaxPixels;

    /// <summary>Keep colours steady across frames (reset at scene cuts); false colours every frame on its own.</summary>
    public bool Stabilize { get; init; } = true;

    /// <summary>Stabilisation: the share of the previous frame's ab a still pixel keeps (0 to below 1).</summary>
    public float Strength { get; init; } = 0.95f;

    /// <summary>Stabilisation: the change of L (0-100) at which a pixel keeps none of the previous frame's colour.</summary>
    public float Threshold { get; init; } = 10f;

    /// <summary>Stabilisation: the mean absolute grey difference (0-255) between consecutive frames that counts as a scene cut.</summary>
    public float CutThreshold { get; init; } = 20f;

    /// <summary>Sees every output frame before it is encoded (tests measure flicker without the encoder's noise).</summary>
    internal Action<ImageData>? FrameSink { get; init; }
}

/// <summary>What colouring one video did.</summary>
/// <param name="Frames">Frames coloured (every frame of the first video stream).</param>
/// <param name="Seconds">Wall time, decoding and encoding included.</param>
/// <param name="Cuts">Scene cuts the stabilisation found (0 when it is off).</param>
public sealed record VideoReport(int Frames, double Seconds, int Cuts = 0)
{
    /// <summary>Where the time went (null for frame folders): which stage sets the pace.</summary>
    public VideoStages? Stages { get; init; }
}

/// <summary>
/// Where a video's wall time went, in seconds, as the colouring loop saw it: waiting for the decoder's next
/// frame, colouring (device work, stabilisation included), and waiting for the encoder to take a frame.
/// The three stages run at once, so the one the loop spends its time in is the one that sets the pace.
/// </summary>
/// <param name="DecodeWait">Blocked reading frames from the decoding ffmpeg.</param>
/// <param name="Colour">In the colourizer and the stabiliser.</param>
/// <param name="EncodeWait">Blocked handing frames to the encoding ffmpeg.</param>
public sealed record VideoStages(double DecodeWait, double Colour, double EncodeWait)
{
    /// <summary>"colouring 91%, waiting for decoding 4%, for encoding 2%" of <paramref name="seconds"/>.</summary>
    public string Describe(double seconds) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"colouring {100 * Colour / seconds:0}%, waiting for decoding {100 * DecodeWait / seconds:0}%, for encoding {100 * EncodeWait / seconds:0}%");
}

/// <summary>
/// Colours a video frame by frame through ffmpeg: one ffmpeg process decodes the first video stream to raw
/// RGB frames on a pipe (every decoded frame once, upright), the colourizer colours them in batches of its
/// <see cref="IColorizer.PreferredBatch"/>, and a second ffmpeg process encodes them from its stdin and
/// copies the input's audio and subtitle streams untouched. The three run at once, so the slowest sets the
/// pace. The output is written to a temporary file and renamed (nothing is left on failure or Ctrl-C).
/// Every frame keeps its timestamp (a variable frame rate stays variable; the last frame lasts the nominal
/// frame duration), so the frame count, timing and duration are kept. With <see cref="VideoOptions.Stabilize"/> (the default) colours are kept
/// steady across frames (<see cref="TemporalStabilizer"/>).
/// </summary>
public static class VideoColorizer
{
    /// <summary>Colours <paramref name="input"/> into <paramref name="output"/> (container and codec by its extension: H.264 for mp4, mkv, mov and avi, VP9 for webm).</summary>
    public static VideoReport Colorize(IColorizer colorizer, string input, string output, VideoOptions? options = null,
        IProgress<int>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(colorizer);
        options ??= new VideoOptions();
        var (format, codec, subtitles) = Container(output);
        VideoInfo info = Ffmpeg.Probe(input);
        if ((long)info.Width * info.Height > options.MaxPixels)
            throw new UserErrorException($"'{input}': {info.Width}x{info.Height} frames are {info.Width * (long)info.Height / 1e6:0.###} MP, over the limit of {options.MaxPixels / 1e6:0.###} MP (--max-megapixels)");
        var clock = Stopwatch.StartNew();
        int frames = 0;
        VideoStages? stages = null;
        using TemporalStabilizer? stabilizer = options.Stabilize ? new TemporalStabilizer(colorizer.Device, info.Width, info.Height, options) : null;
        AtomicFile.WriteByPath(output, temp =>
        {
            string ffmpeg = Ffmpeg.FfmpegPath;
            // showinfo logs each decoded frame's timestamp (DecoderLog reads them); frames come out as decoded, none dropped or repeated.
            using Process decoder = Ffmpeg.Start(ffmpeg, DecoderLog.Options.Concat(new[]
            {
                "-nostdin", "-i", input, "-map", "0:v:0", "-vf", "showinfo", "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "-",
            }), redirectInput: false);
            var log = new DecoderLog(decoder.StandardError);
            // Frames go in with their own timestamps (RawFrameMatroska) and keep them: a variable frame rate stays variable.
            var encode = new List<string> { "-v", "error", "-y", "-f", "matroska", "-i", "-", "-i", input, "-map", "0:v" };
            // An animated GIF has no audio or subtitles to carry.
            if (format != "gif")
            {
                encode.AddRange(new[] { "-map", "1:a?" });
                encode.AddRange(AudioCodecs(format, info.AudioCodecs));
            }
            if (info.HasSubtitles && subtitles is not null)
                encode.AddRange(new[] { "-map", "1:s?", "-c:s", subtitles });
            // The input's colour description (primaries, transfer, matrix, range) is carried over.
            encode.AddRange(info.ColourOptions);
            encode.AddRange(Timing(format, info.TimeBase));
            encode.AddRange(codec(options.Crf));
            encode.AddRange(new[] { "-f", format, temp });
            using Process encoder = Ffmpeg.Start(ffmpeg, encode, redirectInput: true);
            Task<string> encodeErrors = encoder.StandardError.ReadToEndAsync();
            Task<string> encodeOutput = encoder.StandardOutput.ReadToEndAsync();
            try
            {
                (frames, stages) = Pump(colorizer, stabilizer, options.FrameSink, info, decoder.StandardOutput.BaseStream, log,
                    new RawFrameMatroska(encoder.StandardInput.BaseStream, info.Width, info.Height, info.FrameMicroseconds), progress, cancel);
                encoder.StandardInput.Close();
                decoder.WaitForExit();
                encoder.WaitForExit();
            }
            catch (IOException) when (encoder.WaitForExit(5000) && encoder.ExitCode != 0)
            {
                // The encoder stopped reading (a codec or container it refuses): its message says why.
                Kill(decoder);
                throw new UserErrorException($"'{output}': ffmpeg could not encode it ({Ffmpeg.LastLine(encodeErrors.Result)})");
            }
            catch
            {
                Kill(decoder);
                Kill(encoder);
                throw;
            }
            if (decoder.ExitCode != 0)
                throw new UserErrorException($"'{input}': ffmpeg could not decode it ({log.LastError()})");
            if (encoder.ExitCode != 0)
                throw new UserErrorException($"'{output}': ffmpeg could not encode it ({Ffmpeg.LastLine(encodeErrors.Result)})");
            if (frames == 0)
                throw new UserErrorException($"'{input}': no frames decoded");
            _ = encodeOutput.Result;
        });
        return new VideoReport(frames, clock.Elapsed.TotalSeconds, stabilizer?.Cuts ?? 0) { Stages = stages };
    }

    /// <summary>ffmpeg's muxer, the video filters and encoder arguments, and the subtitle codec (null: none) for the output's extension.</summary>
    private static (string Format, Func<int, string[]> Codec, string? Subtitles) Container(string output)
    {
        // Odd sizes are padded by one pixel for H.264 and VP9: 4:2:0 chroma needs even ones.
        string[] Yuv420(params string[] codec) => new[] { "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-pix_fmt", "yuv420p" }.Concat(codec).ToArray();
        string Crf(int crf) => crf.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string[] H264(int crf) => Yuv420("-c:v", "libx264", "-preset", "medium", "-crf", Crf(crf));
        return Path.GetExtension(output).ToLowerInvariant() switch
        {
            ".mp4" => ("mp4", H264, "mov_text"),
            ".mov" => ("mov", H264, "mov_text"),
            ".mkv" => ("matroska", H264, "copy"),
            ".avi" => ("avi", H264, null),
            ".webm" => ("webm", crf => Yuv420("-c:v", "libvpx-vp9", "-b:v", "0", "-crf", Crf(crf), "-row-mt", "1"), "webvtt"),
            // One palette for the whole animation (from every frame), ordered dithering: steady colours, no crawling noise.
            ".gif" => ("gif", _ => new[] { "-vf", "split[a][b];[a]palettegen=stats_mode=full[p];[b][p]paletteuse=dither=bayer", "-c:v", "gif", "-loop", "0" }, null),
            var other => throw new UserErrorException($"'{output}': a video output must end in {string.Join(", ", Ffmpeg.Extensions)} or .gif (not '{other}')"),
        };
    }

    /// <summary>
    /// Audio streams are copied untouched where the output container takes their codec; otherwise (AAC into
    /// WebM, PCM into MP4) they are encoded to the container's usual codec, since a video without its sound
    /// would be worse than re-encoded sound.
    /// </summary>
    private static IEnumerable<string> AudioCodecs(string format, IReadOnlyList<string> codecs)
    {
        (string[] Copied, string Encoder, string Bitrate)? rule = format switch
        {
            "mp4" => (new[] { "aac", "mp3", "ac3", "eac3", "opus", "flac", "alac" }, "aac", "192k"),
            "mov" => (new[] { "aac", "mp3", "ac3", "eac3", "alac", "pcm_s16le", "pcm_s24le", "pcm_f32le" }, "aac", "192k"),
            "webm" => (new[] { "opus", "vorbis" }, "libopus", "128k"),
            "avi" => (new[] { "mp3", "ac3", "pcm_s16le", "pcm_u8" }, "libmp3lame", "192k"),
            _ => null, // Matroska takes any codec.
        };
        var options = new List<string>();
        for (int i = 0; i < codecs.Count; i++)
        {
            string stream = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (rule is { } r && !r.Copied.Contains(codecs[i]))
                options.AddRange(new[] { $"-c:a:{stream}", r.Encoder, $"-b:a:{stream}", r.Bitrate });
            else
                options.AddRange(new[] { $"-c:a:{stream}", "copy" });
        }
        return options;
    }

    /// <summary>
    /// The encoder's timing options: frames keep the timestamps they come with, in the input stream's time
    /// base (mp4 and mov tracks take it as their timescale), so the ticks come out as they went in. AVI has
    /// no timestamps, only a rate: it gets the nominal one.
    /// </summary>
    private static IEnumerable<string> Timing(string format, string timeBase)
    {
        if (format == "avi")
            return Array.Empty<string>();
        var options = new List<string> { "-fps_mode", "passthrough", "-enc_time_base", timeBase.Replace('/', ':') };
        if (format is "mp4" or "mov" && timeBase.StartsWith("1/", StringComparison.Ordinal))
            options.AddRange(new[] { "-video_track_timescale", timeBase[2..] });
        return options;
    }

    /// <summary>Reads raw frames, colours them in batches, writes them on with their timestamps; returns the frame count and where the time went.</summary>
    private static (int Frames, VideoStages Stages) Pump(IColorizer colorizer, TemporalStabilizer? stabilizer, Action<ImageData>? sink, VideoInfo info, Stream frames,
        DecoderLog log, RawFrameMatroska encoder, IProgress<int>? progress, CancellationToken cancel)
    {
        int size = info.Width * info.Height * 3, done = 0, batchSize = Math.Max(1, colorizer.PreferredBatch);
        long? first = null;
        long previous = -info.FrameMicroseconds;
        var batch = new List<ImageData>(batchSize);
        var decodeWait = new Stopwatch();
        var colour = new Stopwatch();
        var encodeWait = new Stopwatch();
        while (true)
        {
            cancel.ThrowIfCancellationRequested();
            decodeWait.Start();
            byte[]? frame = ReadFrame(frames, size);
            decodeWait.Stop();
            if (frame is not null)
                batch.Add(ImageData.FromRgb8(info.Width, info.Height, frame));
            if (batch.Count == batchSize || (frame is null && batch.Count > 0))
            {
                colour.Start();
                IReadOnlyList<ImageData> coloured = stabilizer?.Colorize(colorizer, batch) ?? colorizer.Colorize(batch);
                colour.Stop();
                for (int i = 0; i < coloured.Count; i++)
                {
                    ImageData output = coloured[i];
                    sink?.Invoke(output);
                    // Times count from the first frame (ffmpeg starts each input at zero anyway); a frame without one follows the last at the nominal rate.
                    long time = log.NextMicroseconds(cancel) is { } decoded ? decoded - (first ??= decoded) : previous + info.FrameMicroseconds;
                    encodeWait.Start();
                    encoder.Write(output.Rgb8!, time);
                    encodeWait.Stop();
                    previous = time;
                }
                done += batch.Count;
                batch.Clear();
                progress?.Report(done);
            }
            if (frame is null)
                return (done, new VideoStages(decodeWait.Elapsed.TotalSeconds, colour.Elapsed.TotalSeconds, encodeWait.Elapsed.TotalSeconds));
        }
    }

    /// <summary>One frame of <paramref name="size"/> bytes, or null at the end of the stream (a cut-off last frame is dropped).</summary>
    internal static byte[]? ReadFrame(Stream stream, int size)
    {
        var frame = new byte[size];
        int read = 0;
        while (read < size)
        {
            int n = stream.Read(frame, read, size - read);
            if (n == 0)
                return null;
            read += n;
        }
        return frame;
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It ended in the meantime.
        }
    }
}
