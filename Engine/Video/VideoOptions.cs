using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Frames;
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

    /// <summary>
    /// Stabilisation by the fixed-pixel filter (each pixel averaged with itself in the frame before) instead of
    /// following the motion: kept for measurements (docs/motion.md), where it loses on moving cameras.
    /// </summary>
    internal bool FixedPixel { get; init; }

    /// <summary>
    /// Stabilised films: the model runs on every <c>PredictEvery</c>-th frame of a shot (and always on a shot's first
    /// frame); the frames between decode its last output with their own L, and the stabiliser carries the colour
    /// along the motion as on every frame. 1 runs the model on every frame. From 1 to 8, 2 by default: on clips of
    /// known motion (docs/motion.md) 2 and 3 gave the warping errors and rebalanced AuC of 1 to within their noise,
    /// while 2 colours a 720p film a quarter faster on 2 CPU cores and a 640 x 360 one nearly half as fast again
    /// (perf/NOTES.md). Ignored when each frame is coloured on its own (<see cref="Stabilize"/> false) and for the
    /// hint network (its output depends on each frame's hints).
    /// </summary>
    public int PredictEvery
    {
        get => predictEvery;
        init => predictEvery = value is >= 1 and <= MaxPredictEvery ? value : throw new UserErrorException($"--predict-every {value}: expected 1 (the model on every frame) to {MaxPredictEvery}");
    }
    private readonly int predictEvery = 2;

    /// <summary>The largest <see cref="PredictEvery"/>.</summary>
    public const int MaxPredictEvery = 8;

    /// <summary>
    /// MLP training steps of the SOM + MLP models a film's keyframes fit: a keyframe's reference photos, and a colour
    /// frame's model for what its colours do not reach (1 or more; by default <see cref="Som.ReferenceColorizer.FilmSteps"/>:
    /// fitted once for a shot's frames, where a picture's 400 underfit).
    /// </summary>
    public int ReferenceSteps
    {
        get => referenceSteps;
        init => referenceSteps = value >= 1 ? value : throw new UserErrorException($"--reference-steps {value}: must be at least 1");
    }
    private readonly int referenceSteps = Som.ReferenceColorizer.FilmSteps;

    /// <summary>
    /// The hidden layers' width of the SOM + MLP models a film's keyframes fit (<see cref="Som.ReferenceColorizer.FilmHidden"/>;
    /// the web page's previews take a picture's, <see cref="Som.ReferenceColorizer.DefaultHidden"/>, to be quick). Internal:
    /// measured, not a user's setting.
    /// </summary>
    internal int ReferenceHidden { get; init; } = Som.ReferenceColorizer.FilmHidden;

    /// <summary>
    /// Colour pictures of the film's shots (the reference photos its colourizer was fitted to, <c>--reference</c>):
    /// with the stabiliser, each shot's first frame (the film's first, and each after a cut) is lined up with them
    /// along the optical flow, and the first that matches it (a still of that very shot, the camera moved a few
    /// pixels at most) gives its colours where its lightness matches the frame's, carried through the shot as a
    /// colour frame's are (<see cref="ColorFrameStrength"/>); pictures of anything else change nothing. The first
    /// <see cref="MaxReferencePictures"/> are tried. Null: none.
    /// </summary>
    public IReadOnlyList<ImageData>? ReferencePictures { get; init; }

    /// <summary>
    /// The most reference pictures tried on one frame (<see cref="ReferencePictures"/>, a keyframe's reference photos;
    /// each costs an optical flow and a Lab conversion): of more, the first are tried.
    /// </summary>
    public const int MaxReferencePictures = 8;

    /// <summary>Stabilisation: the share of the previous frame's ab a point that stayed visible keeps (0 to below 1).</summary>
    public float Strength { get; init; } = 0.95f;

    /// <summary>
    /// Stabilisation: the share of the previous frame's ab a point that stayed visible keeps from a film's colour
    /// keyframe (<see cref="FilmKeyframe.ColorFrame"/>, colours a person gave) to the next cut: higher than
    /// <see cref="Strength"/>, since those colours are known, where a model's are a guess (0 to below 1; 0.999 measured
    /// better than 0.99 and 0.95 on clips of known motion, docs/hints.md).
    /// </summary>
    public float ColorFrameStrength { get; init; } = 0.999f;

    /// <summary>
    /// Stabilisation in a colour keyframe's shot: a point's colour is taken from where the flow says it was unless
    /// the same pixel of the frame before matches its L better by more than this many L units (0 for a model's
    /// colours: the nearer wins). The still place exists for a moving object's smeared background; in a zoom its
    /// near-ties pinned the carried colours to the screen (docs/hints.md: 1 measured +0.05 to +0.8 dB mean PSNR on the
    /// colour-frame clips). Internal: measured, not a user's setting.
    /// </summary>
    internal float ColorFrameStillMargin { get; init; } = 1f;

    /// <summary>The stabiliser's optical flow's settings (null: <see cref="ColorKernels.Engine.Video.FlowSettings"/>' defaults). Internal: for benches comparing them in one run.</summary>
    internal FlowSettings? FlowSettings { get; init; }

    /// <summary>Stabilisation: the change of L (0-100) at which a pixel keeps none of the previous frame's colour.</summary>
    public float Threshold { get; init; } = 10f;

    /// <summary>Stabilisation: the mean absolute grey difference (0-255) between consecutive frames that counts as a scene cut.</summary>
    public float CutThreshold { get; init; } = 20f;

    /// <summary>
    /// Write a film whose decoded frames fall short of what its container declares (a file cut short) from
    /// the frames that could be read, with a warning; false (the default) fails it, nothing written.
    /// </summary>
    public bool AllowPartial { get; init; }

    /// <summary>
    /// Colour only this part of the film (frames or times; <see cref="FilmSegment"/>), its timestamps from 0 and
    /// its audio from the part's start, for joining parts coloured apart (<see cref="FilmJoin"/>); null: the whole film.
    /// </summary>
    public FilmSegment? Segment { get; init; }

    /// <summary>Sees every output frame before it is encoded (tests measure flicker without the encoder's noise).</summary>
    internal Action<ImageData>? FrameSink { get; init; }
}
