using System.Collections.Concurrent;
using System.Diagnostics;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using ColorKernels.Engine.Video;

namespace ColorKernels.Engine.Frames;

/// <summary>
/// Where a job's wall time went, in seconds, as the pipeline's thread saw it: waiting for the source's next
/// frame (a picture's or ffmpeg's decoding), colouring (device work and stages), and writing (encoding a
/// picture, or waiting for the encoding ffmpeg to take a frame). Reading runs ahead on its own thread and
/// ffmpeg in its own processes, so the stage the thread spends its time in is the one that sets the pace.
/// </summary>
/// <param name="ReadWait">Blocked waiting for the next frame.</param>
/// <param name="Colour">In the colourizer and the stages.</param>
/// <param name="WriteWait">In the sink.</param>
public sealed record FrameTimings(double ReadWait, double Colour, double WriteWait)
{
    /// <summary>"colouring 91%, waiting for decoding 4%, for encoding 2%" of <paramref name="seconds"/>.</summary>
    public string Describe(double seconds) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"colouring {100 * Colour / seconds:0}%, waiting for decoding {100 * ReadWait / seconds:0}%, for encoding {100 * WriteWait / seconds:0}%");
}

/// <summary>What one job of a <see cref="FramePipeline"/> run did.</summary>
/// <param name="Job">The job.</param>
/// <param name="Frames">Frames written.</param>
/// <param name="Seconds">Wall time from opening its source to committing its output (or failing).</param>
/// <param name="Cuts">Scene cuts its stabilisation found (0 without one).</param>
/// <param name="Timings">Where the time went.</param>
/// <param name="Error">Why it failed (one line naming the file), or null when its output was committed.</param>
public sealed record FrameJobReport(FrameJob Job, int Frames, double Seconds, int Cuts, FrameTimings Timings, string? Error = null)
{
    /// <summary>Whether its output was written whole.</summary>
    public bool Succeeded => Error is null;

    /// <summary>Frames that took a reference picture's colours, lined up with the frame (<see cref="Video.VideoOptions.ReferencePictures"/>, a keyframe's reference): 0 without.</summary>
    public int AlignedFrames { get; init; }

    /// <summary>Written, but from less than the input declared (a film cut short, read with <see cref="Video.VideoOptions.AllowPartial"/>): says how much; null when whole.</summary>
    public string? Warning { get; init; }
}

/// <summary>Hears about a <see cref="FramePipeline"/> run as it goes (on the pipeline's thread): for progress bars and logs.</summary>
public interface IFrameJobObserver
{
    /// <summary>A job's source is open: <paramref name="estimatedFrames"/> frames expected (0: unknown).</summary>
    void Started(FrameJob job, int estimatedFrames);

    /// <summary><paramref name="frames"/> of the job's frames are written so far.</summary>
    void Written(FrameJob job, int frames);

    /// <summary>A job is done or failed.</summary>
    void Finished(FrameJobReport report);
}

/// <summary>
/// The one frame pipeline of pictures, videos and frame folders: each job's source is read ahead on a
/// background thread (at most <see cref="Prefetch"/> frames), frames are coloured in batches (several
/// pictures, or consecutive frames of one sequence) by the colourizer to Lab, each frame's Lab goes
/// through its job's stage (the stabiliser) and to sRGB, and its job's sink writes it. A job that fails
/// (an unreadable file, a device error, a full disk) is reported with a one-line reason and the run goes
/// on; cancellation stops between batches, and every unfinished job's output is abandoned (nothing is left).
/// </summary>
public sealed class FramePipeline
{
    /// <summary>Whether a steered film's hint solve starts from its shot's frame before (true), or from zero as a picture's does (tests and measurements).</summary>
    internal bool WarmStart { get; init; } = true;

    /// <summary>Frames read ahead of the one being coloured.</summary>
    public const int Prefetch = 2;

    private readonly IColorizer? colorizer;
    private readonly Func<ImageData, ImageData>? perPicture;
    private readonly ComputeDevice device;

    /// <summary>A pipeline that colours with <paramref name="colorizer"/>, <paramref name="batch"/> frames per launch (default its <see cref="IColorizer.PreferredBatch"/>).</summary>
    public FramePipeline(IColorizer colorizer, int? batch = null)
    {
        ArgumentNullException.ThrowIfNull(colorizer);
        this.colorizer = colorizer;
        device = colorizer.Device;
        Batch = batch ?? Math.Max(1, colorizer.PreferredBatch);
        BatchSize.Check(Batch);
    }

    /// <summary>A pipeline that turns each picture into another with <paramref name="perPicture"/> (desaturation, quantisation) on <paramref name="device"/>.</summary>
    public FramePipeline(ComputeDevice device, Func<ImageData, ImageData> perPicture)
    {
        ArgumentNullException.ThrowIfNull(perPicture);
        this.device = device;
        this.perPicture = perPicture;
        Batch = 1;
    }

    /// <summary>Frames per colouring launch.</summary>
    public int Batch { get; }

    /// <summary>Runs one job; its report, or a user error when it failed (<see cref="OperationCanceledException"/> when cancelled).</summary>
    public FrameJobReport Run(FrameJob job, IProgress<int>? progress = null, CancellationToken cancel = default)
    {
        IReadOnlyList<FrameJobReport> reports = Run(new[] { job }, progress is null ? null : new FrameCount(progress), cancel);
        cancel.ThrowIfCancellationRequested();
        FrameJobReport report = reports.Single();
        return report.Error is { } error ? throw new UserErrorException(error) : report;
    }

    /// <summary>
    /// Runs the jobs in order; the report of every job that finished (done or failed), in the order they
    /// finished. When <paramref name="cancel"/> is signalled the run stops between batches: jobs not
    /// finished then have no report and leave no output (frames of a frame folder already written stay:
    /// each is complete).
    /// </summary>
    public IReadOnlyList<FrameJobReport> Run(IEnumerable<FrameJob> jobs, IFrameJobObserver? observer = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        var reports = new List<FrameJobReport>();
        var open = new List<JobRun>();
        var batch = new List<(JobRun Run, SourceFrame Frame)>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        using var queue = new BlockingCollection<Item>();
        using var slots = new SemaphoreSlim(Prefetch);
        // A thread of its own, not the pool's: a pool thread blocked on the decoder's pipe made the colouring
        // of a video 2.5 times slower on the CPU accelerator (measured: 1.2 s -> 3.2 s for the fixture clip).
        var readerThread = new Thread(() => Read(jobs, queue, slots, stop.Token)) { IsBackground = true, Name = "frame reader" };
        readerThread.Start();

        void Finish(JobRun run, string? error)
        {
            run.Finished = true;
            open.Remove(run);
            if (error is not null)
            {
                run.Abort.Cancel();
                batch.RemoveAll(f => f.Run == run);
            }
            var report = new FrameJobReport(run.Job, run.Written, run.Clock.Elapsed.TotalSeconds, run.Stage?.Cuts ?? 0,
                new FrameTimings(run.ReadWait, run.Colour, run.WriteWait), error) { Warning = error is null ? run.Warning : null, AlignedFrames = run.Stage?.Aligned ?? 0 };
            run.Close();
            reports.Add(report);
            observer?.Finished(report);
        }

        void FinishIfDone(JobRun run)
        {
            if (run.Finished || !run.Ended || run.Pending > 0)
                return;
            try
            {
                run.Sink!.Complete();
            }
            catch (UserErrorException e)
            {
                Finish(run, e.Message);
                return;
            }
            Finish(run, null);
        }

        void Flush()
        {
            if (batch.Count == 0)
                return;
            var frames = batch.ToList();
            batch.Clear();
            var images = frames.Select(f => f.Frame.Image).ToList();
            var hints = frames.Select(f => f.Frame.Hints).ToList();
            var palettes = frames.Select(f => f.Frame.Palette).ToList();
            var colorizers = frames.Select(f => f.Frame.Colorizer ?? colorizer).ToList();
            var warm = frames.Select(f => WarmStart ? f.Frame.Warm : null).ToList();
            var reuse = frames.Select(f => f.Frame.Reuse).ToList();
            var colorFrames = frames.Select(f => (Given: f.Frame.ColorFrame, Carried: f.Frame.CarriedColors, AlignTo: f.Frame.AlignTo)).ToList();
            IReadOnlyList<ImageData> coloured;
            var clock = Stopwatch.StartNew();
            try
            {
                var stages = frames.Select(f => f.Run.StageFor(device, f.Frame.Image)).ToList();
                // A steered film's shot may have its own colourizer (a reference photo's): each run of frames with one
                // colourizer is coloured in order, so the stage still sees the frames in order.
                var all = new List<ImageData>(images.Count);
                for (int start = 0, end; start < images.Count; start = end)
                {
                    for (end = start + 1; end < images.Count && ReferenceEquals(colorizers[end], colorizers[start]); end++)
                    {
                    }
                    all.AddRange(Colour(colorizers[start], images.GetRange(start, end - start), hints.GetRange(start, end - start),
                        palettes.GetRange(start, end - start), stages.GetRange(start, end - start), warm.GetRange(start, end - start), reuse.GetRange(start, end - start),
                        colorFrames.GetRange(start, end - start)));
                }
                coloured = all;
            }
            catch (UserErrorException e)
            {
                // A device failure (out of memory, say) fails every job in the batch; each is named.
                foreach (JobRun run in frames.Select(f => f.Run).Distinct().ToList())
                    Finish(run, $"'{run.Job.Input}': {e.Message}");
                return;
            }
            double share = clock.Elapsed.TotalSeconds / frames.Count;
            for (int i = 0; i < frames.Count; i++)
            {
                JobRun run = frames[i].Run;
                run.Colour += share;
                if (run.Finished)
                    continue;
                if (frames[i].Frame.Lead)
                {
                    // A segment's lead frame: coloured for the stabiliser's state, not written.
                    run.Pending--;
                    continue;
                }
                var write = Stopwatch.StartNew();
                try
                {
                    // The batch's device work is done: its frames are written even after an interrupt
                    // (each write is atomic, and a second signal removes a half-written one).
                    run.Sink!.Write(coloured[i], frames[i].Frame);
                }
                catch (UserErrorException e)
                {
                    Finish(run, e.Message);
                    continue;
                }
                run.WriteWait += write.Elapsed.TotalSeconds;
                run.Written++;
                run.Pending--;
            }
            foreach (JobRun run in frames.Select(f => f.Run).Distinct())
            {
                if (run.Finished)
                    continue;
                observer?.Written(run.Job, run.Written);
                FinishIfDone(run);
            }
        }

        try
        {
            using IEnumerator<Item> items = queue.GetConsumingEnumerable().GetEnumerator();
            var wait = new Stopwatch();
            while (!cancel.IsCancellationRequested)
            {
                wait.Restart();
                if (!items.MoveNext())
                    break;
                Item item = items.Current;
                JobRun run = item.Run;
                if (item.Frame is not null)
                    slots.Release();
                // What is still queued of a job that failed is dropped.
                if (run.Finished)
                    continue;
                run.ReadWait += wait.Elapsed.TotalSeconds;
                if (item.Error is { } error)
                    Finish(run, error);
                else if (item.Source is { } source)
                {
                    // A sequence's frames are batched only with each other (its stage sees them in order).
                    if (run.Job.IsSequence || batch.Any(f => f.Run.Job.IsSequence))
                        Flush();
                    run.Clock.Restart();
                    open.Add(run);
                    observer?.Started(run.Job, source.EstimatedFrames);
                    // A steered film's keyframe hints are carried along its motion by a pass of their own over
                    // its frames (a second source) before the first frame is coloured; a keyframe past the frames
                    // read fails the job here, before anything is written.
                    try
                    {
                        run.Steering = run.Job.Steer(device, cancel);
                    }
                    catch (UserErrorException e)
                    {
                        Finish(run, $"'{run.Job.Input}': {e.Message}");
                        continue;
                    }
                    catch (OperationCanceledException) when (cancel.IsCancellationRequested)
                    {
                        break;
                    }
                    // The sink opens with its source: a video's encoder starts up (a process, probing the
                    // input for its sound) while the first frames are coloured, not after.
                    try
                    {
                        run.Sink = run.Job.OpenSink(source);
                    }
                    catch (UserErrorException e)
                    {
                        Finish(run, e.Message);
                    }
                }
                else if (item.Frame is { } frame)
                {
                    bool startsShot = run.Steering?.StartsShot(run.Read) ?? false;
                    if (run.Cadence is { } cadence)
                        frame = frame with { Reuse = cadence.Next(frame.Image, run.Job.FirstFrameIndex + run.Read, startsShot) };
                    if (run.Steering is { } steering)
                    {
                        // Each frame's hint solve starts from the frame before's, except across a cut.
                        if (startsShot)
                            run.Warm = new HintWarmStart();
                        frame = frame with
                        {
                            Hints = steering.HintsAt(run.Read), Palette = steering.PaletteAt(run.Read), Colorizer = steering.ColorizerAt(run.Read), Warm = run.Warm,
                            ColorFrame = steering.ColorFrameAt(run.Read), CarriedColors = steering.CarriedColorsAt(run.Read),
                            AlignTo = steering.AlignAt(run.Read),
                        };
                    }
                    run.Read++;
                    batch.Add((run, frame));
                    run.Pending++;
                    if (batch.Count == Batch)
                        Flush();
                }
                else
                {
                    run.Ended = true;
                    run.Warning = item.Warning;
                    // A picture whose frame is still in the batch finishes when the batch is written.
                    if (run.Job.IsSequence)
                        Flush();
                    FinishIfDone(run);
                }
            }
            // After an interrupt the read but uncoloured frames of a partial batch are abandoned.
            if (!cancel.IsCancellationRequested)
                Flush();
            else
            {
                // A picture whose frame was written before the interrupt, but whose end the loop had not reached yet,
                // is complete on disk: it is reported done (a run log must not miss a file that exists).
                foreach (JobRun run in open.Where(r => !r.Job.IsSequence && r.Written > 0 && r.Pending == 0).ToList())
                {
                    run.Ended = true;
                    FinishIfDone(run);
                }
            }
        }
        finally
        {
            stop.Cancel();
            readerThread.Join();
            foreach (JobRun run in open)
                run.Close();
        }
        return reports;
    }

    /// <summary>
    /// Colours a batch to sRGB. A palette colourizer hands each frame's Lab (its own L, the decoded ab) to the
    /// frame's stage before its one conversion to sRGB; any other colourizer's output goes through the stage
    /// by a round trip of its 8-bit pictures to Lab and back.
    /// </summary>
    private IReadOnlyList<ImageData> Colour(IColorizer? colorizer, IReadOnlyList<ImageData> images, IReadOnlyList<IReadOnlyList<ColorHint>?> hints, IReadOnlyList<ColorPalette?> palettes,
        IReadOnlyList<IFrameStage?> stages, IReadOnlyList<HintWarmStart?> warm, IReadOnlyList<FrameReuse?> reuse,
        IReadOnlyList<(ImageData? Given, CarriedColors? Carried, IReadOnlyList<ImageData>? AlignTo)> colorFrames)
    {
        bool staged = stages.Any(s => s is not null), hinted = hints.Any(h => h is { Count: > 0 }), steered = palettes.Any(p => p is not null),
            keyed = colorFrames.Any(c => c.Given is not null || c.Carried is not null || c.AlignTo is not null);
        if (colorizer is CodebookColorizer palette)
        {
            // A colour keyframe's frame takes the person's colours (its own L kept), and its stage goes on from them.
            void Step(int i, Tensor<float> lab)
            {
                if (colorFrames[i].Given is { } colors)
                {
                    LabOps.SetAbFrom(palette.Device, colors, lab);
                    stages[i]?.Take(images[i], lab);
                }
                else if (colorFrames[i].Carried is { } carried && stages[i] is { } stage)
                    stage.BlendToward(images[i], lab, carried);   // before a colour frame of its shot: its colours carried back
                else if (colorFrames[i].AlignTo is { } pictures && stages[i] is { } aligning)
                    aligning.BlendAligned(images[i], lab, pictures);   // a keyframe's reference pictures, lined up with it
                else
                    stages[i]?.Blend(images[i], lab);
            }
            return palette.ColorizeThroughLab(images, staged || keyed ? Step : (Action<int, Tensor<float>>?)null, hinted ? hints : null, steered ? palettes : null, hinted ? warm : null,
                reuse.Any(r => r is not null) ? reuse : null);
        }
        if (steered)
            throw new UserErrorException("a keyframe palette needs a colourizer whose model gives a distribution (eccv16 or som-mlp)");
        if (keyed)
            throw new UserErrorException("a colour keyframe needs a colourizer that colours through Lab (eccv16, som-mlp or none)");
        if (hinted && colorizer is null)
            throw new UserErrorException("colour hints need a colourizer (this run transforms pictures without one)");
        IReadOnlyList<ImageData> coloured = !hinted ? colorizer?.Colorize(images) ?? images.Select(perPicture!).ToList()
            : images.Select((image, i) => hints[i] is { Count: > 0 } h ? colorizer!.Colorize(image, h) : colorizer!.Colorize(image)).ToList();
        return staged ? coloured.Select((c, i) => stages[i] is { } s ? s.Apply(images[i], c) : c).ToList() : coloured;
    }

    /// <summary>
    /// The reading thread: opens each job's source in turn and queues a start, its frames (at most
    /// <see cref="Prefetch"/> ahead of the pipeline) and an end, or a failure. It stops reading a job the
    /// pipeline has failed, and everything when the run stops.
    /// </summary>
    private static void Read(IEnumerable<FrameJob> jobs, BlockingCollection<Item> queue, SemaphoreSlim slots, CancellationToken stop)
    {
        try
        {
            foreach (FrameJob job in jobs)
            {
                if (stop.IsCancellationRequested)
                    break;
                var run = new JobRun(job);
                using var reading = CancellationTokenSource.CreateLinkedTokenSource(stop, run.Abort.Token);
                IFrameSource? source = null;
                try
                {
                    source = job.OpenSource(reading.Token);
                    queue.Add(new Item(run) { Source = source });
                    while (true)
                    {
                        slots.Wait(reading.Token);
                        SourceFrame? frame;
                        try
                        {
                            frame = source.Next(reading.Token);
                        }
                        catch
                        {
                            slots.Release();
                            throw;
                        }
                        if (frame is null)
                        {
                            slots.Release();
                            break;
                        }
                        queue.Add(new Item(run) { Frame = frame });
                    }
                    queue.Add(new Item(run) { Warning = source.Warning });
                }
                catch (OperationCanceledException) when (reading.IsCancellationRequested)
                {
                    // The pipeline failed this job, or the run stopped.
                }
                catch (Exception e) when (e is not OutOfMemoryException && !reading.IsCancellationRequested)
                {
                    queue.Add(new Item(run) { Error = e is UserErrorException ? e.Message : $"'{job.Input}': {e.Message}" });
                }
                catch (Exception) when (reading.IsCancellationRequested)
                {
                    // A source stopped by the cancellation (a killed decoder) says so in its own way.
                }
                finally
                {
                    source?.Dispose();
                }
            }
        }
        finally
        {
            queue.CompleteAdding();
        }
    }

    /// <summary>One entry of the reading queue: a job's open source, a frame, a failure, or (none of them) its end.</summary>
    private sealed class Item(JobRun run)
    {
        public JobRun Run { get; } = run;

        public IFrameSource? Source { get; init; }

        public SourceFrame? Frame { get; init; }

        public string? Error { get; init; }

        /// <summary>On a job's end: what its source read short of what the input declared (<see cref="IFrameSource.Warning"/>).</summary>
        public string? Warning { get; init; }
    }

    /// <summary>A job as the run goes: its source, sink and stage, frames in flight, and time spent.</summary>
    private sealed class JobRun(FrameJob job)
    {
        private bool stageMade;

        public FrameJob Job { get; } = job;

        /// <summary>Signalled when the pipeline fails the job: the reading thread stops reading it.</summary>
        public CancellationTokenSource Abort { get; } = new();

        public IFrameSink? Sink { get; set; }

        public IFrameStage? Stage { get; private set; }

        /// <summary>A steered film's hints, palettes and colourizers per frame (null: none).</summary>
        public Video.FilmSteering? Steering { get; set; }

        /// <summary>A steered film's hint propagation, carried from frame to frame within a shot (each solve starts from the last).</summary>
        public HintWarmStart Warm { get; set; } = new();

        /// <summary>Which frames run the model and the film's kept output (null: the model runs on every frame).</summary>
        public PredictionCadence? Cadence { get; } = job.CreateCadence();

        /// <summary>Frames taken from the queue so far: the index of the next.</summary>
        public int Read { get; set; }

        public Stopwatch Clock { get; } = new();

        public int Pending { get; set; }

        public int Written { get; set; }

        public bool Ended { get; set; }

        public bool Finished { get; set; }

        public string? Warning { get; set; }

        public double ReadWait { get; set; }

        public double Colour { get; set; }

        public double WriteWait { get; set; }

        /// <summary>The job's stage, made for the size of its first frame.</summary>
        public IFrameStage? StageFor(ComputeDevice device, ImageData frame)
        {
            if (!stageMade)
            {
                Stage = Job.CreateStage(device, frame.Width, frame.Height);
                stageMade = true;
            }
            return Stage;
        }

        /// <summary>Frees the sink (abandoning its output unless committed), the stage and the steering's fitted colourizers.</summary>
        public void Close()
        {
            // Abort is not disposed: the reading thread may still hold a token linked to it.
            Sink?.Dispose();
            Stage?.Dispose();
            Steering?.Dispose();
            Cadence?.Dispose();
        }
    }

    /// <summary>One job's frames written, as a plain progress.</summary>
    private sealed class FrameCount(IProgress<int> progress) : IFrameJobObserver
    {
        public void Started(FrameJob job, int estimatedFrames)
        {
        }

        public void Written(FrameJob job, int frames) => progress.Report(frames);

        public void Finished(FrameJobReport report)
        {
        }
    }
}
