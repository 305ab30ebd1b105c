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
    private int frames, cuts;
    private Tensor<float> previous, next;

    public MotionStabilizer(ComputeDevice device, int width, int height, VideoOptions options, FlowSettings? flowSettings = null) : base(device, width, height)
    {
        this.options = options;
        flow = new OpticalFlow(device, width, height, flowSettings);
        previous = device.Allocate<float>("video.previous", Shape.Nchw(1, 3, height, width));
        next = device.Allocate<float>("video.next", Shape.Nchw(1, 3, height, width));
    }

    public override int Cuts => cuts;

    /// <summary>
    /// The blend's L tolerance is this many times the frame's motion-compensated difference (<see cref="OpticalFlow.MotionCompensatedDifference"/>,
    /// the mean |dL| of the frame against the one before once motion and tone are taken out: grain, compression noise,
    /// what the flow missed), at most <see cref="ToleranceCap"/> of the release threshold. Chosen on the old-film clips
    /// (docs/motion.md): 2 and 0.6.
    /// </summary>
    internal const double ToleranceFactor = 2, ToleranceCap = 0.6;

    public override void Blend(ImageData input, Tensor<float> frameLab) => Step(frameLab, taken: false);

    /// <summary>A frame whose colours a person gave: kept as they are (nothing blended in), then carried at <see cref="VideoOptions.ColorFrameStrength"/> to the next cut.</summary>
    public override void Take(ImageData input, Tensor<float> frameLab) => Step(frameLab, taken: true);

    protected override Tensor<float> Running => previous;

    /// <summary>Whether the running colour comes from a person's colour keyframe (since the last cut).</summary>
    private bool keyed;

    private void Step(Tensor<float> frameLab, bool taken)
    {
        // A cut is judged after the motion is taken out: a fast pan changes every pixel's grey, but the frame
        // before, moved along the flow, still matches it. The threshold is VideoOptions.CutThreshold's grey
        // levels (0-255) in L units.
        bool cut = !flow.Next(frameLab) || flow.MotionCompensatedDifference() > options.CutThreshold * 100.0 / 255;
        if (cut && frames > 0)
            cuts++;
        frames++;
        bool reset = cut || taken;
        keyed = taken || keyed && !cut;
        float strength = keyed ? options.ColorFrameStrength : options.Strength;
        // Grain makes two samples of one point differ by a few L units on every frame: differences of the frame's own
        // noise level release nothing (issue #41: under grain sd 6 the plain test kept about 0.7 instead of 0.95).
        double difference = flow.MotionCompensatedDifference();
        float tolerance = reset || !double.IsFinite(difference) ? 0f : (float)Math.Min(ToleranceFactor * difference, ToleranceCap * options.Threshold);
        FlowOps.StabilizeAlongFlow(frameLab, flow.Comparison, previous, next, flow.Flow, strength, options.Threshold, reset, flow.Tone.Gain, flow.Tone.Offset, tolerance,
            keyed ? options.ColorFrameStillMargin : 0f);
        (previous, next) = (next, previous);
    }

    public override void Dispose()
    {
        base.Dispose();
        flow.Dispose();
        previous.Dispose();
        next.Dispose();
    }
}
