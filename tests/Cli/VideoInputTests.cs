using ColorKernels.Tests.Support;
using CsCheck;
using Xunit;

namespace ColorKernels.Tests.Cli;

/// <summary>
/// ffmpeg reads only the file the user named (#27): the demuxer is forced by the extension, only the file
/// protocol is allowed and the path goes in as a file: URL. A concat list or an HLS playlist named .mp4 is
/// refused with one line instead of colouring the files it names; a file whose name looks like ffmpeg's
/// concat protocol is read as that file. And RGB videos (libx264rgb, FFV1 in RGB) encode.
/// </summary>
public class VideoInputTests : CliFolder
{
    public VideoInputTests() : base("ck-video-input") { }

    private void SmallClip(string path, string size = "64x48", params string[] codec)
    {
        VideoMetrics.RunFfmpeg(new[] { "-f", "lavfi", "-i", $"testsrc=size={size}:rate=10:duration=0.5", "-vf", "format=gray" }
            .Concat(codec.Length > 0 ? codec : new[] { "-c:v", "libx264", "-pix_fmt", "yuv420p" }).Append(path).ToArray());
    }

    [Theory]
    [InlineData("ffconcat version 1.0\nfile in1.mp4\n", "not a .mp4 video ffprobe can read")]
    [InlineData("#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\nin1.mp4\n#EXT-X-ENDLIST\n", "not a .mp4 video ffprobe can read")]
    public void A_list_or_playlist_named_mp4_is_refused_not_followed(string content, string message)
    {
        SmallClip(P("in1.mp4"));
        File.WriteAllText(P("c.mp4"), content);
        var r = CliRunner.Run(dir, "colorize", P("c.mp4"), "-o", P("out.mp4"));
        Assert.Equal(1, r.ExitCode);
        AssertNoStackTrace(r);
        Assert.Contains(message, r.Stderr);
        Assert.Contains("0 written", r.Stdout + r.Stderr);
        Assert.False(File.Exists(P("out.mp4")));
    }

    [Fact]
    public void A_file_named_like_the_concat_protocol_is_read_as_that_file()
    {
        SmallClip(P("in1.mp4"));
        SmallClip(P("concat:in1.mp4|in1.mp4"), "32x24");
        var r = CliRunner.Run(dir, "colorize", P("concat:in1.mp4|in1.mp4"), "-o", P("out.mp4"));
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        // The named file's frames (32 x 24, 5 of them), not the two 64 x 48 clips the protocol would join.
        Assert.Equal(5, VideoMetrics.DecodeFrames(P("out.mp4"), 32, 24).Count);
    }

    [Theory]
    [InlineData("libx264rgb", "rgb24", "out.mp4")]
    [InlineData("ffv1", "gbrp", "out.mkv")]
    public void An_rgb_video_encodes(string codec, string pixelFormat, string output)
    {
        SmallClip(P("rgb." + (codec == "ffv1" ? "mkv" : "mp4")), "64x48", "-c:v", codec, "-pix_fmt", pixelFormat);
        var r = CliRunner.Run(dir, "colorize", P("rgb." + (codec == "ffv1" ? "mkv" : "mp4")), "-o", P(output));
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Equal(5, VideoMetrics.DecodeFrames(P(output), 64, 48).Count);
    }

    // A faststart mp4 (its index, with the frame count, first) cut at half, and a Matroska file (its duration in
    // the header) cut at 90 %: each decodes part of its frames with no decoder error.

    /// <summary>The first <paramref name="share"/> of a file's bytes written to <paramref name="to"/> (a download or copy cut short).</summary>
    private static void Cut(string from, string to, double share)
    {
        byte[] bytes = File.ReadAllBytes(from);
        File.WriteAllBytes(to, bytes[..(int)(bytes.Length * share)]);
    }

    [Theory]
    [InlineData("mp4", 0.5, "5 of 20 frames could be decoded")]
    [InlineData("mkv", 0.9, "(1.50 s) of 2.00 s could be decoded")]
    public void A_film_cut_short_fails_unless_allowed_partial_and_then_says_so(string extension, double share, string message)
    {
        string[] container = extension == "mp4" ? new[] { "-movflags", "+faststart" } : Array.Empty<string>();
        VideoMetrics.RunFfmpeg(new[] { "-f", "lavfi", "-i", "testsrc=size=320x240:rate=10:duration=2", "-vf", "format=gray", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "5" }
            .Concat(container).Append(P("whole." + extension)).ToArray());
        Cut(P("whole." + extension), P("cut." + extension), share);
        var whole = CliRunner.Run(dir, "colorize", P("whole." + extension), "-o", P("whole-out." + extension));
        Assert.True(whole.ExitCode == 0, whole.Stdout + whole.Stderr);
        Assert.DoesNotContain("warning", whole.Stderr);

        var refused = CliRunner.Run(dir, "colorize", P("cut." + extension), "-o", P("out." + extension));
        Assert.Equal(1, refused.ExitCode);
        AssertNoStackTrace(refused);
        Assert.Contains(message, refused.Stderr);
        Assert.Contains("--allow-partial", refused.Stderr);
        Assert.False(File.Exists(P("out." + extension)));

        var partial = CliRunner.Run(dir, "colorize", P("cut." + extension), "-o", P("out." + extension), "--allow-partial");
        Assert.True(partial.ExitCode == 0, partial.Stdout + partial.Stderr);
        Assert.Contains("warning: ", partial.Stderr);
        Assert.Contains(message, partial.Stderr);
        Assert.Contains("1 written (1 partial", partial.Stdout);
        int frames = VideoMetrics.DecodeFrames(P("out." + extension), 320, 240).Count;
        Assert.InRange(frames, 1, 19);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void An_encoder_that_exits_0_without_writing_a_video_is_a_failure_not_written()
    {
        SmallClip(P("in.mp4"));
        // An ffmpeg that encodes nothing: it reads the frames and leaves an empty file, exit 0 (as the real one
        // did with a frame over its Matroska element limit); decoding and probing are the real ffmpeg's.
        string tools = Directory.CreateDirectory(P("tools")).FullName;
        string real = ColorKernels.Engine.Video.Ffmpeg.FfmpegPath, probe = ColorKernels.Engine.Video.Ffmpeg.FfprobePath;
        File.WriteAllText(Path.Combine(tools, "ffmpeg"), $$"""
            #!/bin/sh
            case " $* " in
              *" -f matroska -i - "*) for last; do :; done; cat > /dev/null; : > "$last"; exit 0 ;;
            esac
            exec '{{real}}' "$@"
            """.Replace("\r", ""));
        File.CreateSymbolicLink(Path.Combine(tools, "ffprobe"), probe);
        File.SetUnixFileMode(Path.Combine(tools, "ffmpeg"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var r = CliRunner.RunWith(new Dictionary<string, string> { ["COLORKERNELS_FFMPEG"] = Path.Combine(tools, "ffmpeg") }, dir,
            "colorize", P("in.mp4"), "-o", P("out.mp4"));
        Assert.Equal(1, r.ExitCode);
        AssertNoStackTrace(r);
        Assert.Contains("ffmpeg exited without writing a video", r.Stderr);
        Assert.Contains("0 written", r.Stdout);
        Assert.False(File.Exists(P("out.mp4")));
        Assert.Empty(Directory.GetFiles(dir, ".out.mp4.*"));
    }

    [Fact]
    public void Any_path_becomes_one_file_url_after_a_forced_demuxer_and_the_file_protocol_alone()
    {
        // The ffmpeg argument builder under random names: protocol-like, option-like, with separators and quotes.
        var names = CsCheck.Gen.Select(CsCheck.Gen.OneOfConst("concat:a.mp4|b.mp4", "-x.mp4", "http://h/v.mp4", "a b.mkv", "x'.webm", "subfile,,start,0,end,0,,:f.avi", "anim.GIF", "-f.mov"),
            CsCheck.Gen.String[CsCheck.Gen.Char["abc:|-/ .'\"%?#"], 0, 12], (name, prefix) => prefix.Replace("/", "") + name);
        names.Sample(name =>
        {
            IReadOnlyList<string> args = ColorKernels.Engine.Video.Ffmpeg.Input(name);
            Assert.Equal(new[] { "-protocol_whitelist", "file", "-f" }, args.Take(3));
            Assert.Contains(args[3], new[] { "mov", "matroska", "avi", "gif" });
            Assert.Equal("-i", args[4]);
            Assert.Equal("file:" + Path.GetFullPath(name), args[5]);
            Assert.Equal(6, args.Count);
        }, iter: 500, seed: "0N0XIzNsQ0O2");
        Assert.Throws<ColorKernels.Engine.UserErrorException>(() => ColorKernels.Engine.Video.Ffmpeg.Input("playlist.m3u8"));
    }
}
