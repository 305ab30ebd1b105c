using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Tensors;

namespace ColorKernels.Engine.Color;

/// <summary>
/// The greyscale input a colourizer receives: the picture converted to Lab on the device, a and b set to
/// 0, and converted back. 8-bit pictures stay on the packed-byte path; 16-bit ones on the float path.
/// </summary>
internal static class Desaturation
{
    public static ImageData Desaturate(ComputeDevice device, ImageData image)
    {
        using Tensor<float> lab = device.Allocate<float>("lab", Shape.Nchw(1, 3, image.Height, image.Width));
        LabOps.ImageToLab(device, image, lab);
        LabOps.ClearChroma(lab);
        return LabOps.LabToImage(device, image, lab);
    }
}
