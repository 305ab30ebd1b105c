using ColorKernels.Engine;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Frames;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Video;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Frames;

/// <summary>
/// The one frame pipeline's own rules, with a colourizer that records its batches (no model): how frames
/// are batched (pictures together, a sequence's frames only with each other), how far reading runs
/// ahead, what a failure takes down (one picture, a whole sequence, a device batch) and that the run
/// goes on, and that cancelling stops between batches and leaves no output of an unfinished job.
/// </summary>
public sealed class FramePipelineTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("ck-pipeline").FullName;
    private readonly ComputeDevice device = TestDevices.Get("cpu:0");

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string P(params string[] parts) => Path.Combine(new[] { dir }.Concat(parts).ToArray());

    private static ImageData Grey(int width, int height, byte level) =>
        ImageData.FromRgb8(width, height, Enumerable.Repeat(level, width * height * 3).ToArray());

    /// <summary>Inverts each picture; records each batch's size; fails the batch whose index is <see cref="FailBatch"/>.</summary>
    private sealed class Recording(ComputeDevice device) : IColorizer
    {
        public List<int> Batches { get; } = new();

        public int? FailBatch { get; init; }

        public Action<int>? OnBatch { get; init; }

        public ColorizationMethod Method => ColorizationMethod.Eccv16;

        public ComputeDevice Device => device;

        public int PreferredBatch => 1;

        public float Temperature => 1f;

        public IReadOnlyList<float> Palette => Array.Empty<float>();

        public IReadOnlyList<ImageData> Colorize(IReadOnlyList<ImageData> images)
        {
            Batches.Add(images.Count);
            OnBatch?.Invoke(Batches.Count - 1);
            if (FailBatch == Batches.Count - 1)
                throw new UserErrorException("out of device memory (a test's)");
            return images.Select(i => i.WithRgb8(i.Rgb8!.Select(v => (byte)(255 - v)).ToArray())).ToList();
        }

        public IReadOnlyList<Prediction> Predict(IReadOnlyList<ImageData> images) => throw new NotSupportedException();

        public ImageData Decode(Prediction prediction, float? temperature = null, IReadOnlyList<ColorHint>? hints = null, ColorPalette? colorPalette = null) => throw new NotSupportedException();

        public PixelDistribution Distribution(Prediction prediction, int x, int y, float? temperature = null) => throw new NotSupportedException();

        public void Dispose()
        {
        }
    }

    private List<FrameJob> Pictures(int count, string prefix = "p")
    {
        Directory.CreateDirectory(P("in"));
        return Enumerable.Range(0, count).Select(i =>
        {
            string input = P("in", $"{prefix}{i}.png");
            ImageIO.Save(input, Grey(5 + i, 3, (byte)(10 * i)));
            return FrameJob.Picture(input, P("out", $"{prefix}{i}.png"));
        }).ToList();
    }

    [Fact]
    public void Pictures_are_batched_together_and_a_sequences_frames_only_with_each_other()
    {
        var colorizer = new Recording(device);
        var written = new List<ImageData>();
        var jobs = Pictures(3, "a")
            .Append(FrameJob.Frames("seq", Enumerable.Range(0, 5).Select(i => Grey(4, 4, (byte)i)).ToList(), written.Add, new VideoOptions { Stabilize = false }))
            .Concat(Pictures(1, "b")).ToList();
        var reports = new FramePipeline(colorizer, batch: 4).Run(jobs);
        // Three pictures; the sequence's 5 frames in batches of 4 and 1 (flushed at its end); the last picture.
        Assert.Equal(new[] { 3, 4, 1, 1 }, colorizer.Batches);
        Assert.All(reports, r => Assert.True(r.Succeeded, r.Error));
        Assert.Equal(5, reports.Count);
        Assert.Equal(5, written.Count);
        Assert.Equal(new byte[] { 255, 254, 253, 252, 251 }, written.Select(w => w.Rgb8![0]));
        Assert.Equal(5, reports.Single(r => r.Job.Kind == FrameJobKind.Frames).Frames);
        // Each picture written inverted, at its own size.
        ImageData b0 = ImageIO.Load(P("out", "b0.png"));
        Assert.Equal((5, 3), (b0.Width, b0.Height));
        Assert.Equal(255, b0.Rgb8![0]);
    }

    [Fact]
    public void Reading_runs_at_most_the_prefetch_ahead_of_the_batch_being_coloured()
    {
        int pulled = 0, worst = 0;
        IEnumerable<ImageData> Frames()
        {
            for (int i = 0; i < 40; i++)
            {
                Interlocked.Increment(ref pulled);
                yield return Grey(4, 4, (byte)i);
            }
        }
        int written = 0;
        var colorizer = new Recording(device) { OnBatch = _ => worst = Math.Max(worst, Volatile.Read(ref pulled) - written) };
        // Slow writes give the reader every chance to run ahead.
        new FramePipeline(colorizer, batch: 3).Run(FrameJob.Frames("seq", Frames(), _ => { Thread.Sleep(2); written++; }, new VideoOptions { Stabilize = false }));
        Assert.Equal(40, written);
        // While a batch is coloured: its own frames, and at most Prefetch more read ahead.
        Assert.InRange(worst, 1, 3 + FramePipeline.Prefetch);
    }

    [Fact]
    public async Task An_unreadable_picture_fails_alone_and_the_others_are_written()
    {
        var jobs = Pictures(3);
        // More bad ones in a row than the reader may hold ahead: each failure gives its place back.
        for (int i = 0; i < 2 * FramePipeline.Prefetch + 1; i++)
        {
            File.WriteAllText(P("in", $"bad{i}.png"), "not a picture");
            jobs.Insert(1, FrameJob.Picture(P("in", $"bad{i}.png"), P("out", $"bad{i}.png")));
        }
        // A reader that kept the places of failed reads would wait for ever: the run is given a minute.
        IReadOnlyList<FrameJobReport> reports = await Task.Run(() => new FramePipeline(new Recording(device), batch: 2).Run(jobs)).WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(jobs.Count, reports.Count);
        FrameJobReport[] bad = reports.Where(r => !r.Succeeded).ToArray();
        Assert.Equal(2 * FramePipeline.Prefetch + 1, bad.Length);
        Assert.All(bad, b => Assert.Matches("bad[0-9].png'", b.Error));
        Assert.All(bad, b => Assert.Equal(0, b.Frames));
        Assert.Equal(new[] { "p0.png", "p1.png", "p2.png" }, Directory.GetFiles(P("out")).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void A_frame_that_cannot_be_read_fails_its_whole_sequence_and_the_next_job_goes_on()
    {
        // A folder whose sixth frame is not a picture, then a good folder.
        foreach (string folder in new[] { "broken", "good" })
        {
            Directory.CreateDirectory(P(folder));
            for (int i = 1; i <= 8; i++)
                ImageIO.Save(P(folder, $"f{i}.png"), Grey(6, 4, (byte)(20 * i)));
        }
        File.WriteAllText(P("broken", "f6.png"), "cut short");
        var jobs = new[] { FrameJob.FrameFolder(P("broken"), P("out-broken"), false), FrameJob.FrameFolder(P("good"), P("out-good"), false) };
        var reports = new FramePipeline(new Recording(device), batch: 2).Run(jobs);
        Assert.Equal(2, reports.Count);
        Assert.Contains("f6.png'", reports[0].Error);
        Assert.True(reports[1].Succeeded, reports[1].Error);
        Assert.Equal(8, Directory.GetFiles(P("out-good")).Length);
        // The broken folder's frames before the bad one were written (each complete); none after it.
        Assert.DoesNotContain(Directory.GetFiles(P("out-broken")).Select(Path.GetFileName), n => n is "f6.png" or "f7.png" or "f8.png");
        Assert.Empty(Directory.GetFiles(dir, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void Frames_of_another_size_fail_a_sequence_with_a_one_line_error()
    {
        var frames = new[] { Grey(4, 4, 1), Grey(4, 4, 2), Grey(5, 4, 3) };
        var report = new FramePipeline(new Recording(device)).Run(new[] { FrameJob.Frames("reel", frames, _ => { }) }).Single();
        Assert.Equal("'reel': a 5x4 frame, but the sequence's frames are 4x4", report.Error);
        Assert.Throws<UserErrorException>(() => new FramePipeline(new Recording(device)).Run(FrameJob.Frames("reel", frames, _ => { })));
    }

    [Fact]
    public void A_device_failure_fails_every_job_in_its_batch_and_names_each()
    {
        var jobs = Pictures(5);
        var reports = new FramePipeline(new Recording(device) { FailBatch = 1 }, batch: 2).Run(jobs);
        Assert.Equal(5, reports.Count);
        string[] failed = reports.Where(r => !r.Succeeded).Select(r => r.Error!).ToArray();
        Assert.Equal(2, failed.Length);
        Assert.All(failed, e => Assert.EndsWith("out of device memory (a test's)", e));
        Assert.Contains(failed, e => e.Contains("p2.png'", StringComparison.Ordinal));
        Assert.Contains(failed, e => e.Contains("p3.png'", StringComparison.Ordinal));
        Assert.Equal(new[] { "p0.png", "p1.png", "p4.png" }, Directory.GetFiles(P("out")).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Cancelling_stops_between_batches_and_an_unfinished_job_has_no_report()
    {
        using var cancel = new CancellationTokenSource();
        int written = 0;
        IEnumerable<ImageData> Endless()
        {
            for (byte i = 0; ; i++)
                yield return Grey(4, 4, i);
        }
        var jobs = Pictures(2).Append(FrameJob.Frames("endless", Endless(), _ =>
        {
            if (++written == 7)
                cancel.Cancel();
        }, new VideoOptions { Stabilize = false }));
        var reports = new FramePipeline(new Recording(device), batch: 2).Run(jobs, null, cancel.Token);
        // The two pictures finished; the endless sequence stopped after the batch that wrote its 7th frame.
        Assert.Equal(2, reports.Count);
        Assert.Equal(8, written);
        Assert.Throws<OperationCanceledException>(() => new FramePipeline(new Recording(device)).Run(FrameJob.Frames("endless", Endless(), _ => { }), null, cancel.Token));
    }

    [Fact]
    public void The_per_picture_pipeline_goes_through_the_same_loop()
    {
        var jobs = Pictures(3);
        var seen = new List<int>();
        var reports = new FramePipeline(device, image =>
        {
            seen.Add(image.Width);
            return ColorKernels.Engine.Color.Desaturation.Desaturate(device, image);
        }).Run(jobs);
        Assert.All(reports, r => Assert.True(r.Succeeded, r.Error));
        Assert.Equal(new[] { 5, 6, 7 }, seen);
        Assert.Equal(3, Directory.GetFiles(P("out")).Length);
    }
}
