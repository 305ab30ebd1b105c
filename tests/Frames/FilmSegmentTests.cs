using ColorKernels.Engine;
using ColorKernels.Engine.Video;
using Xunit;

namespace ColorKernels.Tests.Frames;

/// <summary>
/// Where a <c>--segment</c> falls in a film (issue #41 item 3): frames (END not included), times (the first frame
/// starting at or after each, so adjacent ranges meet), I/N parts that meet and cover the film whatever its count,
/// and one-line refusals for a segment past a film's known end.
/// </summary>
public class FilmSegmentTests
{
    private static (int, int?) At(string text, int frames, bool estimated = false, (double, double)? rate = null) =>
        FilmSegment.Parse(text).Resolve("film.mp4", frames, estimated, rate ?? (24, 1));

    [Theory]
    [InlineData("0-1000", 0, 1000)]
    [InlineData("1000-", 1000, null)]
    [InlineData("00:00:10-00:00:20", 240, 480)]
    [InlineData("10-20.5", 240, 492)]
    [InlineData("00:00:00.020-", 1, null)]    // 20 ms is between frames 0 (0 ms) and 1 (41.7 ms): the first starting after it
    [InlineData("0:0:0.042-", 1, null)]       // 41.7 ms written to the millisecond names frame 1 itself
    public void A_segment_names_its_first_frame_and_the_first_it_leaves_out(string text, int start, int? end) =>
        Assert.Equal((start, end), At(text, 5000));

    [Fact]
    public void Times_at_ntsc_rates_place_adjacent_ranges_so_they_meet()
    {
        var ntsc = (30000.0, 1001.0);
        var (_, end) = At("00:00:00-00:10:00", 100_000, rate: ntsc);
        var (start, _) = At("00:10:00-00:20:00", 100_000, rate: ntsc);
        Assert.Equal(end, start);
        Assert.Equal(17983, start);   // 600 s x 29.97 = 17982.02: frame 17983 is the first to start at or after it
    }

    [Theory]
    [InlineData(4, 100)]
    [InlineData(3, 100)]
    [InlineData(7, 31)]
    [InlineData(1, 5)]
    public void I_of_n_parts_meet_end_to_start_and_the_last_runs_to_the_end(int count, int frames)
    {
        var parts = Enumerable.Range(0, count).Select(i => At($"{i}/{count}", frames, estimated: true)).ToList();
        Assert.Equal(0, parts[0].Item1);
        for (int i = 1; i < count; i++)
            Assert.Equal(parts[i - 1].Item2, parts[i].Item1);
        Assert.Null(parts[^1].Item2);
        Assert.All(parts.SkipLast(1), p => Assert.InRange(p.Item2!.Value - p.Item1, frames / count, frames / count + 1));
    }

    [Theory]
    [InlineData("100-", 100, "'film.mp4': --segment 100-: starts at frame 100, past the film's end (it has 100 frames, 0 to 99)")]
    [InlineData("50-101", 100, "'film.mp4': --segment 50-101: ends at frame 101, past the film's end (it has 100 frames; leave END off to colour to the end)")]
    [InlineData("0/4", 2, "'film.mp4': --segment 0/4: 4 parts of 2 frames leave this one empty")]
    [InlineData("0/2", 0, "'film.mp4': --segment 0/2: the film's frame count is not known, so it cannot be split in equal parts; give START-END")]
    [InlineData("00:00:00.010-00:00:00.020", 100, "'film.mp4': --segment 00:00:00.010-00:00:00.020: no frame starts between START and END")]
    public void A_segment_outside_the_film_is_refused_in_one_line(string text, int frames, string message) =>
        Assert.Equal(message, Assert.Throws<UserErrorException>(() => At(text, frames)).Message);

    [Fact]
    public void Past_an_estimated_end_is_left_to_the_decoder_and_times_need_a_rate()
    {
        Assert.Equal((120, 130), At("120-130", 100, estimated: true));
        var e = Assert.Throws<UserErrorException>(() => FilmSegment.Parse("00:00:01-").Resolve("film.mp4", 100, false, null));
        Assert.Equal("'film.mp4': --segment 00:00:01-: the film has no frame rate to place times by; give frames", e.Message);
    }
}
