using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;

namespace ColorKernels.Engine.Video;

/// <summary>
/// Keeps colours steady along the motion (issue #29): the running colour (the previous output's Lab) is
/// warped along the dense optical flow from each frame back to the one before (<see cref="OpticalFlow"/>,
/// at a reduced resolution), and blended with the frame's new prediction where the point stayed visible:
/// inside the picture, and its warped L matching the frame's (FlowKernels.StabilizeAlongFlowKernel). Where
/// a point is new (uncovered, entering the picture) or the flow is wrong, the L test fails and the new
/// prediction is taken; nothing carries over a scene cut (judged on the frames with the motion taken out).
/// </summary>
internal sealed class MotionStabilizer : LabFrameStage
{
    private readonly VideoOptions options;
    private readonly OpticalFlow flow;
    private readonly ComputeDevice device;
    private readonly int width, height;
    private readonly bool startsFilm;
    private int frames, cuts;
    private Tensor<float> previous, next;

    /// <summary>A stabiliser for frames of <paramref name="width"/> x <paramref name="height"/>; <paramref name="startsFilm"/>: whether its first frame is the film's (false for a segment's lead-in), only then lined up with <see cref="VideoOptions.ReferencePictures"/>.</summary>
    public MotionStabilizer(ComputeDevice device, int width, int height, VideoOptions options, bool startsFilm = true) : base(device, width, height)
    {
        this.options = options;
        this.device = device;
        this.width = width;
        this.height = height;
        this.startsFilm = startsFilm;
        flow = new OpticalFlow(device, width, height, options.FlowSettings);
        previous = device.Allocate<float>("video.previous", Shape.Nchw(1, 3, height, width));
        next = device.Allocate<float>("video.next", Shape.Nchw(1, 3, height, width));
    }

    public override int Cuts => cuts;

    /// <summary>Frames that took a reference picture's colours, lined up with them (<see cref="Align"/>).</summary>
    public override int Aligned => aligned;

    private int aligned;

    /// <summary>
    /// The blend's L tolerance is this many times the frame's motion-compensated difference along the flow the blend
    /// reads, at the frame's resolution where the blend compares (<see cref="OpticalFlow.BlendNoise"/>, the mean |dL| of the
    /// frame against the one before once motion and tone are taken out: grain, compression noise, what the flow missed), at most <see cref="ToleranceCap"/> of the release threshold. Chosen on the old-film clips
    /// (docs/motion.md): 2 and 0.6.
    /// </summary>
    internal const double ToleranceFactor = 2, ToleranceCap = 0.6;

    /// <summary>The blend's L tolerance for a motion-compensated difference (0 when it is not finite: nothing to compare).</summary>
    private float Tolerance(double difference) =>
        double.IsFinite(difference) ? (float)Math.Min(ToleranceFactor * difference, ToleranceCap * options.Threshold) : 0f;

    public override void Blend(ImageData input, Tensor<float> frameLab) => Step(frameLab, taken: false, null);

    /// <summary>A frame whose colours a person gave: kept as they are (nothing blended in), then carried at <see cref="VideoOptions.ColorFrameStrength"/> to the next cut.</summary>
    public override void Take(ImageData input, Tensor<float> frameLab) => Step(frameLab, taken: true, null);

    /// <summary>A keyframe's reference pictures: the first that lines up with the frame gives its colours there (<see cref="Align"/>); else <see cref="Blend"/>.</summary>
    public override void BlendAligned(ImageData input, Tensor<float> frameLab, IReadOnlyList<ImageData> pictures) => Step(frameLab, taken: false, pictures);

    protected override Tensor<float> Running => previous;

    /// <summary>Whether the running colour comes from a person's colour keyframe (since the last cut).</summary>
    private bool keyed;

    private void Step(Tensor<float> frameLab, bool taken, IReadOnlyList<ImageData>? pictures)
    {
        // A cut is judged after the motion is taken out: a fast pan changes every pixel's grey, but the frame
        // before, moved along the flow, still matches it. The threshold is VideoOptions.CutThreshold's grey
        // levels (0-255) in L units.
        bool cut = !flow.Next(frameLab) || flow.MotionCompensatedDifference() > options.CutThreshold * 100.0 / 255;
        if (cut && frames > 0)
            cuts++;
        // The film's reference pictures are tried on each shot's first frame (not on a segment's lead-in, which
        // starts inside a shot); a keyframe's, on the frame its span starts (FilmSteering.AlignAt). One that lines
        // up is taken as a colour frame is.
        pictures ??= options.ReferencePictures is { Count: > 0 } all && cut && (frames > 0 || startsFilm) ? all : null;
        if (!taken && pictures is not null && Align(frameLab, pictures))
        {
            taken = true;
            aligned++;
        }
        frames++;
        bool reset = cut || taken;
        keyed = taken || keyed && !cut;
        float strength = keyed ? options.ColorFrameStrength : options.Strength;
        // Grain makes two samples of one point differ by a few L units on every frame: differences of the frame's own
        // noise level release nothing (issue #41: under grain sd 6 the plain test kept about 0.7 instead of 0.95). The
        // tone and the noise level are those along the flow the colour is carried along (OpticalFlow.BlendTone), the
        // noise level measured where the blend compares, at the frame's resolution (OpticalFlow.BlendNoise).
        var (tone, _) = flow.BlendTone;
        float tolerance = reset ? 0f : Tolerance(flow.BlendNoise);
        FlowOps.StabilizeAlongFlow(frameLab, flow.Comparison, previous, next, flow.Flow, strength, options.Threshold, reset, tone.Gain, tone.Offset, tolerance,
            keyed ? options.ColorFrameStillMargin : 0f);
        (previous, next) = (next, previous);
    }

    /// <summary>
    /// How far a reference picture, lined up along the flow and toned, may be from the frame and still be taken:
    /// <see cref="OpticalFlow.RelativeDifference"/> at most this. Chosen on the film-steering bench's pan, zoom and
    /// moving object (perf --filter film-aligned, docs/hints.md): frames of the same shot up to 8 frames on 0.003-0.072;
    /// the four photos resized to the frame 0.70-1.72, but for the whole parrot photo against the zoom into it 0.299.
    /// On three clips it was not chosen on: 0.004-0.104 to 4 frames on, 0.089-0.381 at 8 (the fast pan, 43 pixels
    /// away), the photos 0.59-1.23.
    /// </summary>
    internal const double MaxAlignDifference = 0.2;

    private OpticalFlow? aligner;
    private Tensor<float>? pictureLab, alignedLab;
    private readonly Dictionary<ImageData, ImageData> sized = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// Lines each of <paramref name="pictures"/> (resized to the frame) up with the frame by the same optical flow
    /// as between frames (the frame's backward flow to the picture) and, for the first whose
    /// <see cref="OpticalFlow.RelativeDifference"/> is within <see cref="MaxAlignDifference"/>, blends the frame's
    /// ab toward the picture's along that flow as the stabiliser blends toward the frame before, at
    /// <see cref="VideoOptions.ColorFrameStrength"/>: where the picture's L (toned) matches the frame's, its colours,
    /// elsewhere (what the picture does not show, what moved) the frame's own prediction. Returns whether one was taken.
    /// The exemplar methods' dense correspondence (Deep Exemplar, CVPR 2019), for pictures of the shot itself.
    /// </summary>
    private bool Align(Tensor<float> frameLab, IReadOnlyList<ImageData> pictures)
    {
        // A picture's tone differs from the frame's as a rule: lined up with the flow as it was measured (docs/hints.md), not solved again at the frame's tone.
        aligner ??= new OpticalFlow(device, width, height, (options.FlowSettings ?? new FlowSettings()) with { MatchToneBeforeFlow = false, FrameMotionOnGrain = false, NoiseAtFrame = false });
        pictureLab ??= device.Allocate<float>("video.picture", Shape.Nchw(1, 3, height, width));
        alignedLab ??= device.Allocate<float>("video.aligned", Shape.Nchw(1, 3, height, width));
        foreach (ImageData picture in pictures.Take(VideoOptions.MaxReferencePictures))
        {
            if (!sized.TryGetValue(picture, out ImageData? fitted))
                sized[picture] = fitted = picture.Width == width && picture.Height == height ? picture : ImageIO.Resized(picture, width, height);
            LabOps.ImageToLab(device, fitted, pictureLab);
            aligner.Restart();
            aligner.Next(pictureLab);
            // The picture's L plane as the flow compares it (its comparison L), as a frame before holds it.
            aligner.Comparison.CopyInto(pictureLab, 0);
            if (!aligner.Next(frameLab) || !(aligner.RelativeDifference() <= MaxAlignDifference))
                continue;
            FlowOps.StabilizeAlongFlow(frameLab, aligner.Comparison, pictureLab, alignedLab, aligner.Flow, options.ColorFrameStrength, options.Threshold, reset: false,
                aligner.Tone.Gain, aligner.Tone.Offset, Tolerance(aligner.MotionCompensatedDifference()), options.ColorFrameStillMargin);
            return true;
        }
        return false;
    }

    public override void Dispose()
    {
        base.Dispose();
        aligner?.Dispose();
        pictureLab?.Dispose();
        alignedLab?.Dispose();
        flow.Dispose();
        previous.Dispose();
        next.Dispose();
    }
}
