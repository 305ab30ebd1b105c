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

    public abstract void Take(ImageData input, Tensor<float> frameLab);

    /// <summary>Stages that line no pictures up blend the frame as any other.</summary>
    public virtual void BlendAligned(ImageData input, Tensor<float> frameLab, IReadOnlyList<ImageData> pictures) => Blend(input, frameLab);

    /// <summary>Frames that took a reference picture's colours.</summary>
    public virtual int Aligned => 0;

    /// <summary>The running colour [1, 3, H, W]: the last frame's output, which the next frame is blended with.</summary>
    protected abstract Tensor<float> Running { get; }

    public void BlendToward(ImageData input, Tensor<float> frameLab, CarriedColors carried)
    {
        Blend(input, frameLab);
        carried.BlendInto(frameLab.Device, frameLab);
        // The next frame goes on from what this one shows.
        Running.CopyFrom(frameLab, 0);
    }

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
