using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Tensors;

namespace ColorKernels.Engine.Color;

/// <summary>
/// The greyscale input a colourizer receives: the picture converted to Lab on the device, a and b set to
/// 0, and converted back. 8-bit pictures stay on the packed-byte path; 16-bit ones on the float path.
/// </summary>
public static class Desaturation
{
    public static ImageData Desaturate(ComputeDevice device, ImageData image)
    {
        int h = image.Height, w = image.Width;
        using Tensor<float> lab = device.Allocate<float>("lab", Shape.Nchw(1, 3, h, w));
        if (image.Rgb8 is { } rgb)
        {
            using Tensor<byte> packed = device.Upload("rgb", new Shape(1, h, w, 3), rgb);
            LabOps.SrgbBytesToLab(packed, lab);
            LabOps.ClearChroma(lab);
            LabOps.LabToSrgbBytes(lab, packed);
            return image.WithRgb8(packed.Download());
        }
        using Tensor<float> srgb = device.Upload("srgb", Shape.Nchw(1, 3, h, w), image.RgbPlanar!);
        LabOps.SrgbToLab(srgb, lab);
        LabOps.ClearChroma(lab);
        LabOps.LabToSrgb(lab, srgb);
        return image.WithPlanar16(srgb.Download());
    }
}
