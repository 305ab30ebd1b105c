using ColorKernels.Engine.Video;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Cli;

/// <summary>
/// Frames over ffmpeg's 256 MiB limit on a Matroska block reach the encoder whole (#27 item 2): they are
/// cut into horizontal bands, a track each, and stacked again by the encoder's filter graph. Checked with
/// the limit set low, so small frames are cut: the real ffmpeg must give back exactly the frames and
/// timestamps that one band gives, through the filters each output format uses.
/// </summary>
public class RawFrameBandsTests : CliFolder
{
    public RawFrameBandsTests() : base("ck-raw-bands") { }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(64, 48, 1)]
    [InlineData(64, 1000, 1)]
    [InlineData(9440, 9440, 1)] // 89.1 MP: still one band
    [InlineData(9472, 9472, 2)] // 89.7 MP: the empty output
    [InlineData(10_000, 10_000, 2)] // 100 MP, the default limit
    [InlineData(20_000, 15_000, 4)] // 300 MP
    public void Frames_are_cut_into_as_few_bands_as_keep_each_block_under_256_MiB(int width, int height, int expected)
    {
        int[] bands = RawFrameMatroska.Bands(width, height);
        Assert.Equal(expected, bands.Length);
        Assert.Equal(height, bands.Sum());
        Assert.All(bands, rows => Assert.InRange(3L * width * rows, 1, RawFrameMatroska.MaxBlockBytes));
        Assert.True(bands.Max() - bands.Min() <= 1);
    }

    [Fact]
    public void A_frame_too_wide_for_one_block_row_is_a_user_error()
    {
        Assert.Throws<ColorKernels.Engine.UserErrorException>(() => RawFrameMatroska.Bands(100_000_000, 1));
    }

    [Theory]
    [InlineData("out.mp4", 63, 47, 3)]
    [InlineData("out.webm", 64, 48, 2)]
    [InlineData("out.gif", 33, 31, 5)]
    [InlineData("out.mkv", 31, 33, 33)] // a band a row
    public void Banded_frames_come_out_of_the_encoder_graph_as_the_unbanded_ones(string output, int width, int height, int bands)
    {
        var (_, filter, _, _) = VideoJob.Container(output);
        // Three frames at uneven times (a variable rate), each a different gradient.
        var frames = Enumerable.Range(0, 3).Select(f => Enumerable.Range(0, width * height * 3).Select(i => (byte)(i * (f + 3) % 251)).ToArray()).ToArray();
        long[] times = { 0, 40_000, 130_000 };
        string Crc(int count)
        {
            string mkv = P($"in{count}.mkv"), crc = P($"out{count}.crc");
            long rowBytes = 3L * width, limit = count == 1 ? RawFrameMatroska.MaxBlockBytes : rowBytes * (long)Math.Ceiling((double)height / count);
            using (var file = File.Create(mkv))
            {
                var writer = new RawFrameMatroska(file, width, height, 40_000, limit);
                for (int f = 0; f < frames.Length; f++)
                    writer.Write(frames[f], times[f]);
            }
            Assert.Equal(count, RawFrameMatroska.Bands(width, height, limit).Length);
            VideoMetrics.RunFfmpeg(new[] { "-i", mkv }.Concat(VideoJob.VideoGraph(count, filter))
                .Concat(new[] { "-fps_mode", "passthrough", "-pix_fmt", output.EndsWith(".gif") ? "pal8" : "yuv420p", "-f", "framecrc", crc }).ToArray());
            return File.ReadAllText(crc);
        }
        string whole = Crc(1), banded = Crc(bands);
        Assert.Equal(3, whole.Split('\n').Count(line => line.StartsWith("0,", StringComparison.Ordinal)));
        Assert.Equal(whole, banded);
    }
}
