using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Tensors;
using ColorKernels.Engine.Video;

namespace ColorKernels.Engine.Frames;

/// <summary>What a <see cref="FrameJob"/> reads: one picture, a video, a folder of numbered frames, or frames in memory.</summary>
public enum FrameJobKind
{
    /// <summary>One picture file to one picture file.</summary>
    Picture,

    /// <summary>A video file, decoded and encoded by ffmpeg.</summary>
    Video,

    /// <summary>A folder of numbered frames (film scans) to a folder of the same names.</summary>
    FrameFolder,

    /// <summary>Frames given in memory, handed back one by one.</summary>
    Frames,
}

/// <summary>
/// One input of a <see cref="FramePipeline"/> run and where its frames go: a source (read ahead on a
/// background thread), optional stages on each frame's Lab (the stabiliser), and a sink that writes each
/// coloured frame and is committed when the job ends (an abandoned sink leaves nothing behind). A sequence
/// (a video, a frame folder) is read in order, all or nothing: a failing frame fails the job.
/// </summary>
public abstract class FrameJob
{
    private protected FrameJob(FrameJobKind kind, string input, string output, VideoOptions? sequence = null)
    {
        Kind = kind;
        Input = input;
        Output = output;
        Sequence = sequence;
    }

    /// <summary>How a sequence is read and coloured (size limit, the stabiliser's settings); null for a picture.</summary>
    private protected VideoOptions? Sequence { get; }

    /// <summary>What it reads.</summary>
    public FrameJobKind Kind { get; }

    /// <summary>The input as messages name it (a path).</summary>
    public string Input { get; }

    /// <summary>Where it writes (a file or folder path; the input's name for frames in memory).</summary>
    public string Output { get; }

    /// <summary>Whether its frames form one sequence (a film): read in order, stages carry state from frame to frame, one failure fails it all.</summary>
    public bool IsSequence => Kind != FrameJobKind.Picture;

    /// <summary>The keyframes that steer this film (issue #40), placed on their frames; null when none.</summary>
    private protected IReadOnlyList<PlacedKeyframe>? Placed { get; private set; }

    /// <summary>The keyframes given with <see cref="WithKeyframes"/>, in the order given; null when none.</summary>
    public IReadOnlyList<FilmKeyframe>? Keyframes { get; private set; }

    /// <summary>
    /// This film steered by <paramref name="keyframes"/> (hints carried along the motion, palettes per shot:
    /// <see cref="FilmKeyframe"/>): a new job. Checked now against what is known before decoding (a frame past
    /// a video's end, a time that falls between frames, a hint outside the frames), each problem a one-line
    /// <see cref="UserErrorException"/>; what only the frames tell (the end of frames in memory) is checked
    /// by the pass that carries the hints, which fails the job before anything is written.
    /// </summary>
    public FrameJob WithKeyframes(IReadOnlyList<FilmKeyframe> keyframes)
    {
        ArgumentNullException.ThrowIfNull(keyframes);
        if (!IsSequence)
            throw new UserErrorException($"'{Input}': a picture takes hints, not keyframes");
        if (Sequence?.Segment is { } segment)
            throw new UserErrorException($"'{Input}': --segment {segment} with keyframes: a segment is coloured without them (colour the whole film, or its parts without hints)");
        var (width, height, frames, estimated, rate) = Known();
        var copy = (FrameJob)MemberwiseClone();
        copy.Placed = KeyframePlacement.Place(keyframes, width, height, frames, estimated, rate);
        copy.Keyframes = keyframes.ToList().AsReadOnly();
        return copy;
    }

    /// <summary>What is known of a sequence before decoding: frame size (0 if not), frames (0 if not; estimated or exact), nominal rate (null: no times).</summary>
    private protected virtual (int Width, int Height, int Frames, bool Estimated, (double Num, double Den)? Rate) Known() => (0, 0, 0, false, null);

    /// <summary>
    /// The steering of each frame, from a pass over the frames that carries the keyframes' hints along the
    /// motion (<see cref="KeyframeCarrier"/>); null without keyframes. Runs on the pipeline's thread (it uses the device).
    /// </summary>
    internal FilmSteering? Steer(ComputeDevice device, CancellationToken cancel)
    {
        if (Placed is null)
            return null;
        using IFrameSource source = OpenSource(cancel);
        return KeyframeCarrier.Carry(device, source, Placed, Sequence!, cancel);
    }

    /// <summary>Opens the source (on the pipeline's reading thread).</summary>
    internal abstract IFrameSource OpenSource(CancellationToken cancel);

    /// <summary>Opens the sink for the frames of <paramref name="source"/> (on the pipeline's thread, before the first frame is written).</summary>
    internal abstract IFrameSink OpenSink(IFrameSource source);

    /// <summary>The stage for this job's frames of <paramref name="width"/> x <paramref name="height"/>: the stabiliser for a stabilised sequence, else none.</summary>
    internal IFrameStage? CreateStage(ComputeDevice device, int width, int height) => Sequence switch
    {
        { Stabilize: true, FixedPixel: true } options => new TemporalStabilizer(device, width, height, options),
        { Stabilize: true } options => new MotionStabilizer(device, width, height, options, startsFilm: FirstFrameIndex == 0),
        _ => null,
    };

    /// <summary>The index in the whole film of the first frame its source gives (a segment's first lead frame), else 0.</summary>
    internal virtual long FirstFrameIndex => 0;

    /// <summary>
    /// How often the model runs on this job's frames, with the film's kept output (null when it runs on every
    /// frame: a picture, an unstabilised film, <see cref="VideoOptions.PredictEvery"/> 1).
    /// </summary>
    internal PredictionCadence? CreateCadence() =>
        Sequence is { Stabilize: true, PredictEvery: > 1 } options ? new PredictionCadence(options.PredictEvery, options.CutThreshold) : null;

    /// <summary>
    /// A picture file coloured into <paramref name="output"/> (written atomically; its format by extension),
    /// steered by <paramref name="hints"/> when given (see <see cref="ColorHint"/>).
    /// </summary>
    public static FrameJob Picture(string input, string output, long maxPixels = ImageIO.DefaultMaxPixels, long maxMetadataBytes = ImageIO.DefaultMaxMetadataBytes,
        IReadOnlyList<ColorHint>? hints = null) =>
        new PictureJob(input, output, maxPixels, maxMetadataBytes, hints);

    /// <summary>
    /// A video coloured into <paramref name="output"/> (container and codec by extension); probed now, so a
    /// file that is not a video, or whose frames are over <see cref="VideoOptions.MaxPixels"/>, is refused here.
    /// </summary>
    public static FrameJob Video(string input, string output, VideoOptions? options = null) =>
        VideoJob.Create(input, output, options ?? new VideoOptions());

    /// <summary>
    /// A folder of numbered frames coloured as one sequence into <paramref name="outputFolder"/> (same names);
    /// refused here when the folder holds no frames, is the output, or an output exists and not <paramref name="overwrite"/>.
    /// </summary>
    public static FrameJob FrameFolder(string folder, string outputFolder, bool overwrite, VideoOptions? options = null) =>
        FrameFolderJob.Create(folder, outputFolder, overwrite, options ?? new VideoOptions());

    /// <summary>Frames in memory coloured as one sequence (one size), each coloured frame handed to <paramref name="write"/> in order.</summary>
    public static FrameJob Frames(string name, IEnumerable<ImageData> frames, Action<ImageData> write, VideoOptions? options = null) =>
        new MemoryFramesJob(name, frames, write, options ?? new VideoOptions());
}

/// <summary>A frame as its source read it.</summary>
/// <param name="Image">The picture.</param>
/// <param name="Name">What messages call it (the file of a frame folder; the job's input otherwise).</param>
/// <param name="Microseconds">Its presentation time from the first frame (videos), else null.</param>
/// <param name="Hints">A person's colour hints for it, or null.</param>
/// <param name="Palette">A palette for it (a film keyframe's, for its shot), or null: the run's own.</param>
/// <param name="Colorizer">A colourizer for it (fitted to a film keyframe's reference photos, for its shot), or null: the run's own.</param>
/// <param name="Lead">Coloured only to bring the stabiliser's state to a segment's first frame (<see cref="Video.FilmSegment.LeadFrames"/>): not written.</param>
/// <param name="Warm">Where its hint solve starts: the last solve of its shot (a steered film), or null: from zero.</param>
/// <param name="ColorFrame">The colours a person gave this frame (a film's colour keyframe: <see cref="FilmKeyframe.ColorFrame"/>), or null.</param>
/// <param name="CarriedColors">A later colour frame's colours carried back to it along the motion (<see cref="FilmKeyframe.ColorFrame"/>), or null.</param>
/// <param name="AlignTo">Reference pictures to line up with this frame (a film keyframe's, on the frame its reference's span starts), or null.</param>
/// <param name="Reuse">Its film's kept model output and whether it may decode that instead of running the model (<see cref="VideoOptions.PredictEvery"/>), or null: the model runs.</param>
internal sealed record SourceFrame(ImageData Image, string Name, long? Microseconds = null, IReadOnlyList<ColorHint>? Hints = null, ColorPalette? Palette = null,
    IColorizer? Colorizer = null, Models.HintWarmStart? Warm = null, bool Lead = false, FrameReuse? Reuse = null, ImageData? ColorFrame = null,
    Video.CarriedColors? CarriedColors = null, IReadOnlyList<ImageData>? AlignTo = null);

/// <summary>Where a job's frames come from, read in order on the pipeline's reading thread.</summary>
internal interface IFrameSource : IDisposable
{
    /// <summary>Frames it expects (a progress bar's length): 0 when unknown.</summary>
    int EstimatedFrames { get; }

    /// <summary>The next frame, or null at the end; a user error (naming the input) when it cannot be read.</summary>
    SourceFrame? Next(CancellationToken cancel);

    /// <summary>After the end: what was read short of what the input declared, when that was allowed (null: all of it).</summary>
    string? Warning => null;
}

/// <summary>Where a job's coloured frames go. Disposing it without <see cref="Complete"/> abandons what it wrote.</summary>
internal interface IFrameSink : IDisposable
{
    /// <summary>Writes one coloured frame, in order.</summary>
    void Write(ImageData coloured, SourceFrame from);

    /// <summary>All frames are written: commits the output (renames the temporary file, waits for the encoder).</summary>
    void Complete();
}

/// <summary>
/// A step on each frame's Lab between colouring and sRGB, in order across the job's frames (state carries
/// from frame to frame: stages are per job). <see cref="Blend"/> works on the colourizer's own Lab;
/// <see cref="Apply"/> on a coloured 8-bit picture (for colourizers that offer no Lab).
/// </summary>
internal interface IFrameStage : IDisposable
{
    /// <summary>Works on a frame's Lab [1, 3, H, W] in place, given the greyscale <paramref name="input"/> it was coloured from.</summary>
    void Blend(ImageData input, Tensor<float> lab);

    /// <summary>
    /// For a frame whose colours a person gave (<see cref="FilmKeyframe.ColorFrame"/>: the Lab's ab are already
    /// those): keeps them as they are and goes on from them, carrying them on more strongly than a model's colours
    /// to the next cut (<see cref="VideoOptions.ColorFrameStrength"/>).
    /// </summary>
    void Take(ImageData input, Tensor<float> lab);

    /// <summary>
    /// For a frame before a colour frame of its shot: <see cref="Blend"/>, then the result blended toward the colours
    /// carried back to it (<paramref name="carried"/>), and the stage goes on from that result.
    /// </summary>
    void BlendToward(ImageData input, Tensor<float> lab, Video.CarriedColors carried);

    /// <summary>The stage applied to an already coloured frame, through Lab and back.</summary>
    ImageData Apply(ImageData input, ImageData coloured);

    /// <summary>
    /// For a frame with reference pictures to line up with it (a keyframe's): the first that lines up gives its
    /// colours where its L matches, taken as a colour frame's are; if none does, <see cref="Blend"/>.
    /// </summary>
    void BlendAligned(ImageData input, Tensor<float> lab, IReadOnlyList<ImageData> pictures);

    /// <summary>Scene cuts it found (0 for stages that look for none).</summary>
    int Cuts { get; }

    /// <summary>Frames that took a reference picture's colours, lined up with them (0 for stages that line none up).</summary>
    int Aligned { get; }
}

/// <summary>One picture file to one picture file.</summary>
internal sealed class PictureJob : FrameJob
{
    private readonly long maxPixels, maxMetadataBytes;
    private readonly IReadOnlyList<ColorHint>? hints;

    public PictureJob(string input, string output, long maxPixels, long maxMetadataBytes, IReadOnlyList<ColorHint>? hints) : base(FrameJobKind.Picture, input, output)
    {
        this.maxPixels = maxPixels;
        this.maxMetadataBytes = maxMetadataBytes;
        this.hints = hints;
    }

    // Decoded when read, so the reading thread holds at most the pipeline's prefetch of pictures.
    internal override IFrameSource OpenSource(CancellationToken cancel) => new OneFrame(() => new SourceFrame(ImageIO.Load(Input, maxPixels, maxMetadataBytes), Input, Hints: hints));

    internal override IFrameSink OpenSink(IFrameSource source) => new EachFrameSink((coloured, _) => ImageIO.Save(Output, coloured));

    private sealed class OneFrame(Func<SourceFrame> load) : IFrameSource
    {
        private bool read;

        public int EstimatedFrames => 1;

        public SourceFrame? Next(CancellationToken cancel)
        {
            if (read)
                return null;
            read = true;
            return load();
        }

        public void Dispose()
        {
        }
    }
}

/// <summary>
/// Hands each frame on as it comes (its own file, written atomically; a caller's callback), with nothing to
/// commit at the end: an abandoned job keeps the frames already handed on (each file is complete).
/// </summary>
internal sealed class EachFrameSink(Action<ImageData, SourceFrame> write) : IFrameSink
{
    public void Write(ImageData coloured, SourceFrame from) => write(coloured, from);

    public void Complete()
    {
    }

    public void Dispose()
    {
    }
}

/// <summary>A folder of numbered frames (frame_0001.png ...) in natural order, of one size, into a folder of the same names.</summary>
internal sealed class FrameFolderJob : FrameJob
{
    private readonly IReadOnlyList<string> frames;

    private FrameFolderJob(string folder, string outputFolder, IReadOnlyList<string> frames, VideoOptions options)
        : base(FrameJobKind.FrameFolder, folder, outputFolder, options) => this.frames = frames;

    public static FrameFolderJob Create(string folder, string outputFolder, bool overwrite, VideoOptions options)
    {
        IReadOnlyList<string> frames = FrameFiles(folder);
        if (Path.GetFullPath(outputFolder) == Path.GetFullPath(folder))
            throw new UserErrorException($"'{outputFolder}': the output folder must not be the sequence's own (inputs are never overwritten)");
        if (!overwrite && frames.Select(f => Path.Combine(outputFolder, Path.GetFileName(f))).FirstOrDefault(File.Exists) is { } existing)
            throw new UserErrorException($"'{existing}' exists; add --overwrite to replace the sequence's outputs");
        return new FrameFolderJob(folder, outputFolder, frames, options);
    }

    /// <summary>The pictures of <paramref name="folder"/> (not its subfolders) in natural order (frame_2 before frame_10).</summary>
    public static IReadOnlyList<string> FrameFiles(string folder)
    {
        if (!Directory.Exists(folder))
            throw new UserErrorException($"'{folder}': --sequence needs a folder of numbered frames");
        var frames = Directory.GetFiles(folder).Where(ImageIO.HasImageExtension).OrderBy(f => NaturalKey(Path.GetFileName(f)), StringComparer.Ordinal).ToList();
        if (frames.Count == 0)
            throw new UserErrorException($"'{folder}': holds no frames ({string.Join(", ", ImageIO.Extensions)})");
        return frames;
    }

    /// <summary>The name with every run of digits zero-padded to 12, so that ordinal order is natural order.</summary>
    private static string NaturalKey(string name) => System.Text.RegularExpressions.Regex.Replace(name, "[0-9]+", m => m.Value.PadLeft(12, '0'));

    internal override IFrameSource OpenSource(CancellationToken cancel) => new Source(this);

    // Numbered frames have no times; the first frame's header gives their size.
    private protected override (int, int, int, bool, (double, double)?) Known()
    {
        var (width, height) = ImageIO.OrientedSize(frames[0], Sequence!.MaxPixels, ImageIO.DefaultMaxMetadataBytes);
        return (width, height, frames.Count, false, null);
    }

    internal override IFrameSink OpenSink(IFrameSource source) =>
        new EachFrameSink((coloured, frame) => ImageIO.Save(Path.Combine(Output, Path.GetFileName(frame.Name)), coloured));

    private sealed class Source(FrameFolderJob job) : IFrameSource
    {
        private int next;
        private (int Width, int Height)? size;

        public int EstimatedFrames => job.frames.Count;

        public SourceFrame? Next(CancellationToken cancel)
        {
            if (next == job.frames.Count)
                return null;
            string path = job.frames[next++];
            ImageData frame = ImageIO.Load(path, job.Sequence!.MaxPixels);
            if (size is { } s && (frame.Width, frame.Height) != s)
                throw new UserErrorException($"'{path}': {frame.Width}x{frame.Height}, but the sequence's frames are {s.Width}x{s.Height}");
            size = (frame.Width, frame.Height);
            // The stabiliser compares 8-bit greys between frames for cuts.
            if (job.Sequence.Stabilize && frame.SixteenBit)
                throw new UserErrorException($"'{path}': 16-bit frames are coloured one by one: add --per-frame");
            return new SourceFrame(frame, path);
        }

        public void Dispose()
        {
        }
    }
}

/// <summary>Frames in memory as one sequence, handed back one by one.</summary>
internal sealed class MemoryFramesJob(string name, IEnumerable<ImageData> frames, Action<ImageData> write, VideoOptions options)
    : FrameJob(FrameJobKind.Frames, name, name, options)
{
    internal override IFrameSource OpenSource(CancellationToken cancel) => new Source(Input, frames, Sequence!);

    internal override IFrameSink OpenSink(IFrameSource source) => new EachFrameSink((coloured, _) => write(coloured));

    private sealed class Source(string name, IEnumerable<ImageData> all, VideoOptions options) : IFrameSource
    {
        private readonly IEnumerator<ImageData> frames = all.GetEnumerator();
        private (int Width, int Height)? size;

        public int EstimatedFrames => all is IReadOnlyCollection<ImageData> c ? c.Count : 0;

        public SourceFrame? Next(CancellationToken cancel)
        {
            if (!frames.MoveNext())
                return null;
            ImageData frame = frames.Current;
            if (size is { } s && (frame.Width, frame.Height) != s)
                throw new UserErrorException($"'{name}': a {frame.Width}x{frame.Height} frame, but the sequence's frames are {s.Width}x{s.Height}");
            size = (frame.Width, frame.Height);
            if (options.Stabilize && frame.SixteenBit)
                throw new UserErrorException($"'{name}': 16-bit frames are coloured one by one: set Stabilize = false");
            return new SourceFrame(frame, name);
        }

        public void Dispose() => frames.Dispose();
    }
}
