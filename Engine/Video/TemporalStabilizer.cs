using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;

namespace ColorKernels.Engine.Video;

/// <summary>
/// Keeps colours steady from frame to frame: each coloured frame's ab is blended with the previous output's
/// where L has not changed (TemporalKernels.StabilizeAbKernel: an exponential moving average per pixel,
/// released where L moves, so colour does not trail moving edges), and nothing carries over a scene cut.
/// A cut is a jump of the mean absolute grey difference between consecutive input frames (sampled on every
/// fourth pixel: control logic, not picture work) above <see cref="VideoOptions.CutThreshold"/>.
/// A stage of the frame pipeline: one per sequence, fed its frames in order.
/// </summary>
internal sealed class TemporalStabilizer : Frames.IFrameStage
{
    private readonly VideoOptions options;
    private readonly Tensor<byte> rgb;
    private readonly Tensor<float> lab, previous;
    private byte[]? lastInput;

    public TemporalStabilizer(ComputeDevice device, int width, int height, VideoOptions options)
    {
        this.options = options;
        rgb = device.Allocate<byte>("video.rgb", new Shape(1, height, width, 3));
        lab = device.Allocate<float>("video.lab", Shape.Nchw(1, 3, height, width));
        previous = device.Allocate<float>("video.previous", Shape.Nchw(1, 3, height, width));
    }

    /// <summary>Scene cuts seen so far (the first frame not counted).</summary>
    public int Cuts { get; private set; }

    /// <summary>The stabilised <paramref name="coloured"/> frame, given the greyscale <paramref name="input"/> it was coloured from.</summary>
    public ImageData Apply(ImageData input, ImageData coloured)
    {
        rgb.Upload(coloured.Rgb8!);
        LabOps.SrgbBytesToLab(rgb, lab);
        Blend(input, lab);
        LabOps.LabToSrgbBytes(lab, rgb);
        return coloured.WithRgb8(rgb.Download());
    }

    /// <summary>Blends a frame's Lab (in place) with the previous output's, unless the frame starts a new scene.</summary>
    public void Blend(ImageData input, Tensor<float> frameLab)
    {
        bool reset = lastInput is null || IsCut(lastInput, input.Rgb8!);
        if (reset && lastInput is not null)
            Cuts++;
        lastInput = input.Rgb8;
        TemporalOps.StabilizeAb(frameLab, previous, options.Strength, options.Threshold, reset);
    }

    private bool IsCut(byte[] before, byte[] after)
    {
        long sum = 0, count = 0;
        for (int i = 0; i < before.Length; i += 12)
        {
            sum += Math.Abs(before[i] - after[i]);
            count++;
        }
        return sum > options.CutThreshold * count;
    }

    public void Dispose()
    {
        rgb.Dispose();
        lab.Dispose();
        previous.Dispose();
    }
}
