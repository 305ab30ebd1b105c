using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;

namespace ColorKernels.Engine.Video;

/// <summary>
/// A frame-pipeline stage that works on each frame's Lab: <see cref="Blend"/> in place on the device, or
/// <see cref="Apply"/> to an already coloured frame (to Lab and back). One per sequence, fed its frames in order.
/// </summary>
internal abstract class LabFrameStage : Frames.IFrameStage
{
    private readonly Tensor<byte> rgb;
    private readonly Tensor<float> lab;

    protected LabFrameStage(ComputeDevice device, int width, int height)
    {
        rgb = device.Allocate<byte>("video.rgb", new Shape(1, height, width, 3));
        lab = device.Allocate<float>("video.lab", Shape.Nchw(1, 3, height, width));
    }

    public abstract int Cuts { get; }

    public abstract void Blend(ImageData input, Tensor<float> frameLab);

    /// <summary>The stage applied to <paramref name="coloured"/>, given the greyscale <paramref name="input"/> it was coloured from.</summary>
    public ImageData Apply(ImageData input, ImageData coloured)
    {
        rgb.Upload(coloured.Rgb8!);
        LabOps.SrgbBytesToLab(rgb, lab);
        Blend(input, lab);
        LabOps.LabToSrgbBytes(lab, rgb);
        return coloured.WithRgb8(rgb.Download());
    }

    public virtual void Dispose()
    {
        rgb.Dispose();
        lab.Dispose();
    }
}

/// <summary>
/// Scene cuts in a sequence of input frames: a jump of the mean absolute grey difference between consecutive
/// frames (sampled on every fourth pixel: control logic, not picture work) above
/// <see cref="VideoOptions.CutThreshold"/>. A stabiliser carries nothing over a cut.
/// </summary>
internal sealed class SceneCuts(float threshold)
{
    private byte[]? last;

    /// <summary>Cuts seen so far (the first frame not counted).</summary>
    public int Count { get; private set; }

    /// <summary>Whether <paramref name="rgb"/> starts a scene: the first frame, or one after a cut.</summary>
    public bool Starts(byte[] rgb)
    {
        bool start = last is null || IsCut(last, rgb);
        if (start && last is not null)
            Count++;
        last = rgb;
        return start;
    }

    private bool IsCut(byte[] before, byte[] after)
    {
        long sum = 0, count = 0;
        for (int i = 0; i < before.Length; i += 12)
        {
            sum += Math.Abs(before[i] - after[i]);
            count++;
        }
        return sum > threshold * count;
    }
}

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

    /// <summary>Blends a frame's Lab (in place) with the previous output's, unless the frame starts a new scene.</summary>
    public override void Blend(ImageData input, Tensor<float> frameLab) =>
        TemporalOps.StabilizeAb(frameLab, previous, options.Strength, options.Threshold, cuts.Starts(input.Rgb8!));

    public override void Dispose()
    {
        base.Dispose();
        previous.Dispose();
    }
}
