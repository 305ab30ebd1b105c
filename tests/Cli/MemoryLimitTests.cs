using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace ColorKernels.Tests.Cli;

/// <summary>
/// Memory stays within what the user allowed (#27 item 3), measured as the process's peak resident memory:
/// the CLI prints it in its summary, the server's is read from /proc while it runs. The bounds are the
/// documented ones (README, "How much memory"): about 30 bytes a pixel above ~100 MB for a picture, a few
/// bytes a pixel more for a film's frames in flight and for the server's upload and answer, with a margin
/// for the runtime's heap growth; a refused picture costs nothing near its pixels.
/// </summary>
public class MemoryLimitTests : CliFolder
{
    public MemoryLimitTests() : base("ck-memory") { }

    private static long PeakMegabytes(CliRunner.Result r)
    {
        Match m = Regex.Match(r.Stdout + r.Stderr, @"peak memory (\d+) MB");
        Assert.True(m.Success, r.Stdout + r.Stderr);
        return long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>A 1-bit greyscale PNG of a pattern: a few KB that decode to width x height pixels.</summary>
    private static byte[] OneBitPng(int width, int height)
    {
        using var image = new Image<L8>(width, height);
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                Span<L8> row = rows.GetRowSpan(y);
                for (int x = 0; x < row.Length; x++)
                    row[x] = new L8((byte)(((x >> 6) + (y >> 6)) % 2 * 255));
            }
        });
        using var stream = new MemoryStream();
        image.Save(stream, new PngEncoder { BitDepth = PngBitDepth.Bit1, ColorType = PngColorType.Grayscale });
        return stream.ToArray();
    }

    [Fact]
    public void A_frame_at_the_default_limit_is_written_whole_within_the_documented_memory()
    {
        // 9472 x 9472 (89.7 MP): its raw RGB frame is over ffmpeg's 256 MiB block limit, so it reaches the encoder in two bands.
        Support.VideoMetrics.RunFfmpeg("-f", "lavfi", "-i", "testsrc=size=9472x9472:rate=25,format=gray", "-frames:v", "1",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", P("big.mp4"));
        var r = CliRunner.Run(dir, "colorize", P("big.mp4"), "-o", P("out.mp4"));
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        var info = ColorKernels.Engine.Video.Ffmpeg.Probe(P("out.mp4"));
        Assert.Equal((9472, 9472), (info.Width, info.Height));
        Support.VideoMetrics.RunFfmpeg("-i", P("out.mp4"), "-vf", "scale=256:256", "-f", "rawvideo", "-pix_fmt", "rgb24", P("frame.rgb"));
        byte[] frame = File.ReadAllBytes(P("frame.rgb"));
        Assert.Equal(256 * 256 * 3, frame.Length); // one frame
        Assert.True(Support.VideoMetrics.ColouredShare(frame) > 0.05, "the frame came back without colour");
        // A film keeps a frame in flight at each stage (decoder, colourizer, encoder): 40 bytes a pixel is the documented bound.
        Assert.InRange(PeakMegabytes(r), 100, 100 + 40 * 89.7);
    }

    [Fact]
    public void A_picture_over_the_limit_is_refused_before_it_is_decoded()
    {
        File.WriteAllBytes(P("bomb.png"), OneBitPng(9999, 9999));
        Assert.True(new FileInfo(P("bomb.png")).Length < 200_000);
        var r = CliRunner.Run(dir, "colorize", P("bomb.png"), "-o", P("out.png"), "--max-megapixels", "16");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("above", r.Stderr);
        AssertNoStackTrace(r);
        // The 100 MP it declares would take 3 GB; refusing it takes the runtime and the model.
        Assert.InRange(PeakMegabytes(r), 10, 400);
    }

    [Fact]
    public async Task The_server_refuses_bombs_cheaply_and_returns_a_large_pictures_memory_after_answering()
    {
        if (!OperatingSystem.IsLinux())
            return; // /proc/PID/status is Linux's.
        using Process process = CliRunner.Start(dir, "serve", "--port", "0", "--device", "cpu");
        try
        {
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            string first = await process.StandardOutput.ReadLineAsync(wait.Token) ?? "";
            Match url = Regex.Match(first, @"http://127\.0\.0\.1:\d+/");
            Assert.True(url.Success, first);
            long Status(string field) => long.Parse(Regex.Match(File.ReadAllText($"/proc/{process.Id}/status"), field + @":\s+(\d+) kB").Groups[1].Value, CultureInfo.InvariantCulture) / 1024;
            using var client = new HttpClient { BaseAddress = new Uri(url.Value), Timeout = TimeSpan.FromMinutes(2) };

            var bomb = await client.PostAsync("/api/colorize", new ByteArrayContent(OneBitPng(9999, 9999)));
            Assert.Equal(HttpStatusCode.BadRequest, bomb.StatusCode);
            Assert.InRange(Status("VmHWM"), 10, 400);

            // 16 MP, the server's default limit: about 45 bytes a pixel at the peak (the upload, the picture, its
            // Lab, the answer's encoding) above the runtime.
            var photo = await client.PostAsync("/api/colorize", new ByteArrayContent(OneBitPng(4000, 4000)));
            Assert.Equal(HttpStatusCode.OK, photo.StatusCode);
            await photo.Content.ReadAsByteArrayAsync();
            Assert.InRange(Status("VmHWM"), 100, 150 + 50 * 16);
            // Once answered, what is left is the kept picture (3 bytes a pixel), its Lab (12) and the runtime.
            long rss = long.MaxValue;
            for (int i = 0; i < 50 && rss > 150 + 20 * 16; i++)
            {
                await Task.Delay(200);
                rss = Status("VmRSS");
            }
            Assert.InRange(rss, 10, 150 + 20 * 16);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
    }
}
