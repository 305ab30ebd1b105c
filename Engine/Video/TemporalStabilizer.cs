using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;

namespace ColorKernels.Engine.Video;

/// <summary>
/// The fixed-pixel stabiliser: each coloured frame's ab is blended with the previous output's at the same
/// pixel where L has not changed (TemporalKernels.StabilizeAbKernel: an exponential moving average per
/// pixel, released where L moves). It cannot follow a moving camera (a fixed pixel sees other things);
/// <see cref="MotionStabilizer"/> replaced it as the default, and it stays for measurements (docs/motion.md).
/// </summary>
internal sealed class TemporalStabilizer : LabFrameStage
{
    private readonly VideoOptions options;
    private readonly Tensor<float> previous;
    private readonly SceneCuts cuts;

    public TemporalStabilizer(ComputeDevice device, int width, int height, VideoOptions options) : base(device, width, height)
    {
        this.options = options;
        cuts = new SceneCuts(options.CutThreshold);
        previous = device.Allocate<float>("video.previous", Shape.Nchw(1, 3, height, width));
    }

    public override int Cuts => cuts.Count;

    private bool keyed;

    protected override Tensor<float> Running => previous;

    /// <summary>Blends a frame's Lab (in place) with the previous output's, unless the frame starts a new scene.</summary>
    public override void Blend(ImageData input, Tensor<float> frameLab)
    {
        bool reset = cuts.Starts(input.Rgb8!);
        keyed &= !reset;
        TemporalOps.StabilizeAb(frameLab, previous, keyed ? options.ColorFrameStrength : options.Strength, options.Threshold, reset);
    }

    /// <summary>A frame whose colours a person gave: kept as they are, and carried more strongly to the next cut.</summary>
    public override void Take(ImageData input, Tensor<float> frameLab)
    {
        cuts.Starts(input.Rgb8!);
        TemporalOps.StabilizeAb(frameLab, previous, options.Strength, options.Threshold, reset: true);
        keyed = true;
    }

    public override void Dispose()
    {
        base.Dispose();
        previous.Dispose();
    }
}
