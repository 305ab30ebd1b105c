using System.Diagnostics;
using ColorKernels.Engine.Frames;
using ColorKernels.Engine.Imaging;

namespace ColorKernels.Engine.Video;

/// <summary>
/// A video through ffmpeg as a frame-pipeline job. One ffmpeg process decodes the first video stream to raw
/// RGB frames on a pipe (every decoded frame once, upright, with its timestamp from the <c>showinfo</c>
/// log); a second encodes the coloured frames from its stdin into a temporary file and copies the input's
/// audio and subtitle streams; the file is renamed when the encoder is done (nothing is left on failure
/// or Ctrl-C). Every frame keeps its timestamp (a variable frame rate stays variable; the last frame lasts
/// the nominal frame duration), so the frame count, timing and duration are kept.
/// </summary>
internal sealed class VideoJob : FrameJob
{
    private readonly VideoInfo info;
    private readonly (string Format, string? Filter, Func<int, string[]> Codec, string? Subtitles) container;
    private readonly (int Start, int? End, int Lead)? segment;

    private VideoJob(string input, string output, VideoInfo info, VideoOptions options, (string, string?, Func<int, string[]>, string?) container)
        : base(FrameJobKind.Video, input, output, options)
    {
        this.info = info;
        this.container = container;
        // A segment is placed before decoding (one line, nothing written, for a start or end past the film's end).
        if (options.Segment is { } part)
        {
            var (_, _, frames, estimated, rate) = Known();
            var (start, end) = part.Resolve(input, frames, estimated, rate);
            segment = (start, end, Math.Min(FilmSegment.LeadFrames, start));
        }
    }

    internal override long FirstFrameIndex => segment is { } s ? s.Start - s.Lead : 0;

    /// <summary>The frames the output gets: the segment's (its end, or the film's estimated end, less its start), else the film's.</summary>
    private int OutputFrames => segment is { } s ? Math.Max(0, (s.End ?? info.EstimatedFrames) - s.Start) : info.EstimatedFrames;

    /// <summary>The segment's start in seconds at the nominal rate (where its audio starts), and its length (null: to the end).</summary>
    private (double Start, double? Length) SegmentSeconds()
    {
        var (start, end, _) = segment!.Value;
        double step = info.Rate is { } r ? r.Den / r.Num : info.FrameMicroseconds / 1e6;
        return (start * step, end is { } e ? (e - start) * step : null);
    }

    public static VideoJob Create(string input, string output, VideoOptions options)
    {
        var container = Container(output);
        VideoInfo info = Ffmpeg.Probe(input);
        if ((long)info.Width * info.Height > options.MaxPixels)
            throw new UserErrorException($"'{input}': {info.Width}x{info.Height} frames are {info.Width * (long)info.Height / 1e6:0.###} MP, over the limit of {options.MaxPixels / 1e6:0.###} MP (--max-megapixels)");
        try
        {
            RawFrameMatroska.Bands(info.Width, info.Height);
        }
        catch (UserErrorException e)
        {
            throw new UserErrorException($"'{input}': {e.Message}");
        }
        return new VideoJob(input, output, info, options, container);
    }

    internal override IFrameSource OpenSource(CancellationToken cancel) => new Decoder(this, cancel);

    // The container's count when it declares one, else its estimate (a frame or two either way: the carrying pass finds the true end).
    private protected override (int, int, int, bool, (double, double)?) Known() =>
        (info.Width, info.Height, info.DeclaredFrames > 0 ? info.DeclaredFrames : info.EstimatedFrames, info.DeclaredFrames == 0, info.Rate);

    internal override IFrameSink OpenSink(IFrameSource source) => new Encoder(this);

    /// <summary>The decoding ffmpeg: raw frames from its stdout, their times from its log.</summary>
    private sealed class Decoder : IFrameSource
    {
        private readonly VideoJob job;
        private readonly Process decoder;
        private readonly DecoderLog log;
        private readonly CancellationTokenRegistration stop;
        private long? first;
        private long previous;
        private int frames;

        public Decoder(VideoJob job, CancellationToken cancel)
        {
            this.job = job;
            previous = -job.info.FrameMicroseconds;
            // showinfo logs each decoded frame's timestamp (DecoderLog reads them); frames come out as decoded, none dropped or repeated.
            // A segment's frames (its lead first) are selected by their decoded index, so they are counted as a whole run counts them;
            // the frames before are decoded and dropped inside ffmpeg, and the decoder is stopped at the segment's end.
            string filter = job.segment is { } s
                ? FormattableString.Invariant($"select='gte(n,{s.Start - s.Lead}){(s.End is { } e ? $"*lt(n,{e})" : "")}',showinfo")
                : "showinfo";
            decoder = Ffmpeg.Start(Ffmpeg.FfmpegPath, DecoderLog.Options.Append("-nostdin").Concat(Ffmpeg.Input(job.Input))
                .Concat(new[] { "-map", "0:v:0", "-vf", filter, "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "-" }), redirectInput: false);
            log = new DecoderLog(decoder.StandardError);
            // A stopped run (or a failed job) ends the decoder, which ends a read blocked on its pipe.
            stop = cancel.Register(() => Kill(decoder));
        }

        public int EstimatedFrames => job.OutputFrames;

        public SourceFrame? Next(CancellationToken cancel)
        {
            int lead = job.segment?.Lead ?? 0;
            // A segment ends at its end frame: the rest of the film is not decoded (the decoder is stopped on Dispose).
            if (job.segment is { End: { } end } s && frames == end - s.Start + lead)
                return null;
            byte[]? frame = VideoColorizer.ReadFrame(decoder.StandardOutput.BaseStream, job.info.Width * job.info.Height * 3);
            if (frame is null)
            {
                decoder.WaitForExit();
                cancel.ThrowIfCancellationRequested();
                if (decoder.ExitCode != 0)
                    throw new UserErrorException($"'{job.Input}': ffmpeg could not decode it ({log.LastError()})");
                if (job.segment is { } part && frames <= lead)
                    throw new UserErrorException($"'{job.Input}': --segment {job.Sequence!.Segment}: the film ends at frame {part.Start - lead + frames}, before the segment's start ({part.Start})");
                if (job.segment is { End: { } last } cut)
                    throw new UserErrorException($"'{job.Input}': --segment {job.Sequence!.Segment}: the film ends at frame {cut.Start - lead + frames}, before the segment's end ({last}); leave END off to colour to the end");
                if (frames == 0)
                    throw new UserErrorException($"'{job.Input}': no frames decoded");
                if (Shortfall() is { } shortfall)
                {
                    if (!job.Sequence!.AllowPartial)
                        throw new UserErrorException($"'{job.Input}': {shortfall}: the file looks cut short; nothing written (--allow-partial writes what could be read)");
                    Warning = $"'{job.Input}': {shortfall}: written from what could be read (--allow-partial)";
                }
                return null;
            }
            // Times count from the first frame written (ffmpeg starts each input at zero anyway; a segment's parts
            // each start at zero, to be joined); a frame without one follows the last at the nominal rate.
            bool isLead = frames < lead;
            long? decoded = log.NextMicroseconds(cancel);
            if (isLead)
            {
                frames++;
                return new SourceFrame(ImageData.FromRgb8(job.info.Width, job.info.Height, frame), job.Input, null, Lead: true);
            }
            long time = decoded is { } d ? d - (first ??= d) : previous + job.info.FrameMicroseconds;
            previous = time;
            frames++;
            return new SourceFrame(ImageData.FromRgb8(job.info.Width, job.info.Height, frame), job.Input, time);
        }

        public string? Warning { get; private set; }

        /// <summary>
        /// How far the decoded frames fall short of what the container declares: fewer frames than its count,
        /// or (without a count) a duration shorter than its duration by more than two frames and 5 %; null when they do not.
        /// </summary>
        private string? Shortfall()
        {
            VideoInfo info = job.info;
            // A segment to the film's end: its frames counted from the film's start (the frames before it at the nominal rate).
            int before = job.segment is { } s ? s.Start : 0, lead = job.segment?.Lead ?? 0;
            if (info.DeclaredFrames > 0)
                return before + frames - lead < info.DeclaredFrames ? $"{before + frames - lead} of {info.DeclaredFrames} frames could be decoded" : null;
            double decoded = (previous + info.FrameMicroseconds) / 1e6 + before * info.FrameMicroseconds / 1e6;
            // The last frame's own length is not known (it lasts the nominal frame here): a long last frame of a
            // variable-rate film must not look like a loss, so the margin is two frames or 5 %, whichever is more.
            return info.DeclaredDuration > 0 && decoded < info.DeclaredDuration - Math.Max(2 * info.FrameMicroseconds / 1e6, 0.05 * info.DeclaredDuration)
                ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{frames} frames ({decoded:0.00} s) of {info.DeclaredDuration:0.00} s could be decoded")
                : null;
        }

        public void Dispose()
        {
            stop.Dispose();
            Kill(decoder);
            decoder.Dispose();
        }
    }

    /// <summary>The encoding ffmpeg, writing the output's temporary file.</summary>
    private sealed class Encoder : IFrameSink
    {
        private readonly VideoJob job;
        private readonly AtomicFile.Pending file;
        private readonly Process encoder;
        private readonly Task<string> errors, output;
        private readonly RawFrameMatroska frames;

        public Encoder(VideoJob job)
        {
            this.job = job;
            var (format, filter, codec, subtitles) = job.container;
            int bands = RawFrameMatroska.Bands(job.info.Width, job.info.Height).Length;
            VideoInfo info = job.info;
            file = AtomicFile.Begin(job.Output);
            try
            {
                // Frames go in with their own timestamps (RawFrameMatroska) and keep them: a variable frame rate stays variable.
                var encode = new List<string> { "-v", "error", "-y", "-protocol_whitelist", "pipe", "-f", "matroska", "-i", "-" };
                // A segment's audio and subtitles are the film's from its start (at the nominal rate) for its length;
                // its file says which frames it holds (a comment tag FilmJoin checks: the parts meet, none missing).
                if (job.segment is { } part)
                {
                    var (from, length) = job.SegmentSeconds();
                    encode.AddRange(new[] { "-ss", FormattableString.Invariant($"{from:0.######}") });
                    if (length is { } l)
                        encode.AddRange(new[] { "-t", FormattableString.Invariant($"{l:0.######}") });
                }
                encode.AddRange(Ffmpeg.Input(job.Input));
                encode.AddRange(VideoGraph(bands, filter));
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
                encode.AddRange(codec(job.Sequence!.Crf));
                if (job.segment is { } written)
                    encode.AddRange(new[] { "-metadata", FilmJoin.SegmentTag(written.Start, written.End, job.Input) });
                encode.AddRange(new[] { "-f", format, file.Temporary });
                encoder = Ffmpeg.Start(Ffmpeg.FfmpegPath, encode, redirectInput: true);
            }
            catch
            {
                file.Dispose();
                throw;
            }
            errors = encoder.StandardError.ReadToEndAsync();
            output = encoder.StandardOutput.ReadToEndAsync();
            frames = new RawFrameMatroska(encoder.StandardInput.BaseStream, info.Width, info.Height, info.FrameMicroseconds);
        }

        public void Write(ImageData coloured, SourceFrame from)
        {
            job.Sequence!.FrameSink?.Invoke(coloured);
            Refused(() => frames.Write(coloured.Rgb8!, from.Microseconds!.Value));
        }

        public void Complete()
        {
            Refused(() => encoder.StandardInput.Close());
            encoder.WaitForExit();
            if (encoder.ExitCode != 0)
                throw Failure();
            _ = output.Result;
            CheckWritten();
            file.Commit();
        }

        /// <summary>
        /// The encoder's file holds a video stream with every frame written (where its container counts them):
        /// an encoder that exits 0 having written no stream, or fewer frames, is a failure, never "written".
        /// </summary>
        private void CheckWritten()
        {
            VideoInfo written;
            try
            {
                // The temporary file's name has no video extension: it is read as the output's.
                written = Ffmpeg.Probe(file.Temporary, Ffmpeg.Demuxer(job.Output));
            }
            catch (UserErrorException e)
            {
                throw new UserErrorException($"'{job.Output}': ffmpeg exited without writing a video ({e.Message.Split(": ", 2)[^1]})");
            }
            if (written.DeclaredFrames > 0 && written.DeclaredFrames != frames.Written)
                throw new UserErrorException($"'{job.Output}': ffmpeg wrote {written.DeclaredFrames} of the {frames.Written} frames it was given");
        }

        /// <summary>A write to the encoder; when the encoder stopped reading (a codec or container it refuses), its message says why.</summary>
        private void Refused(Action write)
        {
            try
            {
                write();
            }
            catch (IOException) when (encoder.WaitForExit(5000) && encoder.ExitCode != 0)
            {
                throw Failure();
            }
        }

        private UserErrorException Failure() => new($"'{job.Output}': ffmpeg could not encode it ({Ffmpeg.LastLine(errors.Result)})");

        public void Dispose()
        {
            Kill(encoder);
            encoder.WaitForExit(5000);
            encoder.Dispose();
            file.Dispose();
        }
    }

    /// <summary>ffmpeg's muxer, the video filter graph (null: none), the encoder's arguments, and the subtitle codec (null: none) for the output's extension.</summary>
    internal static (string Format, string? Filter, Func<int, string[]> Codec, string? Subtitles) Container(string output)
    {
        // Odd sizes are padded by one pixel for H.264 and VP9: 4:2:0 chroma needs even ones.
        const string Pad = "pad=ceil(iw/2)*2:ceil(ih/2)*2";
        string[] Yuv420(params string[] codec) => new[] { "-pix_fmt", "yuv420p" }.Concat(codec).ToArray();
        string Crf(int crf) => crf.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string[] H264(int crf) => Yuv420("-c:v", "libx264", "-preset", "medium", "-crf", Crf(crf));
        return Path.GetExtension(output).ToLowerInvariant() switch
        {
            ".mp4" => ("mp4", Pad, H264, "mov_text"),
            ".mov" => ("mov", Pad, H264, "mov_text"),
            ".mkv" => ("matroska", Pad, H264, "copy"),
            ".avi" => ("avi", Pad, H264, null),
            ".webm" => ("webm", Pad, crf => Yuv420("-c:v", "libvpx-vp9", "-b:v", "0", "-crf", Crf(crf), "-row-mt", "1"), "webvtt"),
            // One palette for the whole animation (from every frame), ordered dithering: steady colours, no crawling noise.
            ".gif" => ("gif", "split[a][b];[a]palettegen=stats_mode=full[p];[b][p]paletteuse=dither=bayer", _ => new[] { "-c:v", "gif", "-loop", "0" }, null),
            var other => throw new UserErrorException($"'{output}': a video output must end in {string.Join(", ", Ffmpeg.Extensions)} or .gif (not '{other}')"),
        };
    }

    /// <summary>
    /// The encoder's video mapping and filtering for frames from input 0 sent as <paramref name="bands"/>
    /// tracks (<see cref="RawFrameMatroska"/>): one band is mapped and filtered as it is; several are stacked
    /// into whole frames first, in one filter graph whose output is mapped.
    /// </summary>
    internal static string[] VideoGraph(int bands, string? filter)
    {
        if (RawFrameMatroska.StackFilter(0, bands) is not { } stack)
            return filter is null ? new[] { "-map", "0:v:0" } : new[] { "-map", "0:v:0", "-vf", filter };
        return new[] { "-filter_complex", stack + (filter is null ? "" : "," + filter) + "[video]", "-map", "[video]" };
    }

    /// <summary>
    /// Audio streams are copied untouched where the output container takes their codec; otherwise (AAC into
    /// WebM, PCM into MP4) they are encoded to the container's usual codec, since a video without its sound
    /// would be worse than re-encoded sound.
    /// </summary>
    internal static IEnumerable<string> AudioCodecs(string format, IReadOnlyList<string> codecs)
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

    /// <summary>Stops an ffmpeg process and its children (nothing when it has ended).</summary>
    internal static void Kill(Process process)
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
