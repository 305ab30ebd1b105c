using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Launch;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Color;
using ColorKernels.Kernels.Common;
using ILGPU;
using ILGPU.Runtime;

namespace ColorKernels.Engine.Ops;

/// <summary>
/// Host side of the sRGB/CIELAB kernels: checks tensor shapes, then launches. Lab tensors are
/// [N, 3, H, W] float; packed 8-bit images are [N, H, W, 3] bytes; float sRGB is [N, 3, H, W] in [0, 1].
/// </summary>
internal static class LabOps
{
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Bytes, Floats, ImageBatchArgs>> SrgbBytesToLabKernel = new(LabKernels.SrgbBytesToLabKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ImageBatchArgs>> SrgbToLabKernel = new(LabKernels.SrgbToLabKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ImageBatchArgs>> LabToSrgbKernel = new(LabKernels.LabToSrgbKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Bytes, ImageBatchArgs>> LabToSrgbBytesKernel = new(LabKernels.LabToSrgbBytesKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, ImageBatchArgs>> ClearChromaKernel = new(LabKernels.ClearChromaKernel);

    /// <summary>
    /// Sets <paramref name="lab"/>'s a and b planes ([1, 3, H, W]) to those of <paramref name="colors"/> (a picture of the
    /// same size), leaving its L: a film's colour keyframe on the frame's own lightness.
    /// </summary>
    public static void SetAbFrom(ComputeDevice device, Imaging.ImageData colors, Tensor<float> lab)
    {
        if (lab.Shape[2] != colors.Height || lab.Shape[3] != colors.Width)
            throw new ArgumentException($"a {colors.Width}x{colors.Height} colour frame for a {lab.Shape} Lab");
        using Tensor<float> given = device.Allocate<float>("colour-frame.lab", lab.Shape);
        ImageToLab(device, colors, given);
        int plane = colors.Width * colors.Height;
        given.Range(plane, 2 * plane).CopyTo(device.Stream, lab.Range(plane, 2 * plane));
    }

    /// <summary>Uploads a decoded picture and converts it to Lab [1, 3, H, W] (8-bit or 16-bit path as the picture is).</summary>
    public static void ImageToLab(ComputeDevice device, Imaging.ImageData image, Tensor<float> lab)
    {
        if (image.Rgb8 is { } rgb)
        {
            using Tensor<byte> packed = device.Upload("rgb", new Shape(1, image.Height, image.Width, 3), rgb);
            SrgbBytesToLab(packed, lab);
        }
        else
        {
            using Tensor<float> srgb = device.Upload("srgb", Shape.Nchw(1, 3, image.Height, image.Width), image.RgbPlanar!);
            SrgbToLab(srgb, lab);
        }
    }

    /// <summary>Converts Lab [1, 3, H, W] back to a picture like <paramref name="image"/> (same bit depth, its alpha) and reads it back.</summary>
    public static Imaging.ImageData LabToImage(ComputeDevice device, Imaging.ImageData image, Tensor<float> lab)
    {
        if (image.Rgb8 is not null)
        {
            using Tensor<byte> packed = device.Allocate<byte>("rgb-out", new Shape(1, image.Height, image.Width, 3));
            LabToSrgbBytes(lab, packed);
            return image.WithRgb8(packed.Download());
        }
        using Tensor<float> srgb = device.Allocate<float>("srgb-out", Shape.Nchw(1, 3, image.Height, image.Width));
        LabToSrgb(lab, srgb);
        return image.WithPlanar16(srgb.Download());
    }

    /// <summary>Packed 8-bit sRGB [N, H, W, 3] -> Lab [N, 3, H, W].</summary>
    public static void SrgbBytesToLab(Tensor<byte> rgb, Tensor<float> lab)
    {
        var (d, launch, args) = PackedArgs(rgb, lab);
        using (d.Launcher.Time(SrgbBytesToLabKernel, 0, 15.0 * args.TotalPixels))
            d.Kernels.Load(SrgbBytesToLabKernel)(d.Stream, launch.Config, rgb.View, lab.View, args);
    }

    /// <summary>Float sRGB [N, 3, H, W] -> Lab [N, 3, H, W].</summary>
    public static void SrgbToLab(Tensor<float> srgb, Tensor<float> lab)
    {
        var (d, launch, args) = PlanarArgs(srgb, lab);
        using (d.Launcher.Time(SrgbToLabKernel, 0, 24.0 * args.TotalPixels))
            d.Kernels.Load(SrgbToLabKernel)(d.Stream, launch.Config, srgb.View, lab.View, args);
    }

    /// <summary>Lab [N, 3, H, W] -> float sRGB [N, 3, H, W], clamped to the sRGB cube.</summary>
    public static void LabToSrgb(Tensor<float> lab, Tensor<float> srgb)
    {
        var (d, launch, args) = PlanarArgs(lab, srgb);
        using (d.Launcher.Time(LabToSrgbKernel, 0, 24.0 * args.TotalPixels))
            d.Kernels.Load(LabToSrgbKernel)(d.Stream, launch.Config, lab.View, srgb.View, args);
    }

    /// <summary>Lab [N, 3, H, W] -> packed 8-bit sRGB [N, H, W, 3].</summary>
    public static void LabToSrgbBytes(Tensor<float> lab, Tensor<byte> rgb)
    {
        var (d, launch, args) = PackedArgs(rgb, lab);
        using (d.Launcher.Time(LabToSrgbBytesKernel, 0, 15.0 * args.TotalPixels))
            d.Kernels.Load(LabToSrgbBytesKernel)(d.Stream, launch.Config, lab.View, rgb.View, args);
    }

    /// <summary>Sets a = b = 0 in a Lab tensor [N, 3, H, W], in place.</summary>
    public static void ClearChroma(Tensor<float> lab)
    {
        var (d, launch, args) = LabArgs(lab);
        using (d.Launcher.Time(ClearChromaKernel, 0, 8.0 * args.TotalPixels))
            d.Kernels.Load(ClearChromaKernel)(d.Stream, launch.Config, lab.View, args);
    }

    private static (ComputeDevice, ElementLaunch, ImageBatchArgs) LabArgs(Tensor<float> lab)
    {
        Shape s = lab.Shape;
        if (s.Rank != 4 || s[1] != 3)
            throw new ArgumentException($"tensor '{lab.Name}' must be [N, 3, H, W]; it is {s}");
        ElementLaunch launch = lab.Device.Launcher.ForElements(s[0] * s[2] * s[3]);
        return (lab.Device, launch, new ImageBatchArgs(s[0], s[2] * s[3], launch.RunLength));
    }

    private static (ComputeDevice, ElementLaunch, ImageBatchArgs) PlanarArgs(Tensor<float> source, Tensor<float> destination)
    {
        var args = LabArgs(source);
        SameDevice(source.Device, destination.Device);
        if (!destination.Shape.Equals(source.Shape))
            throw new ArgumentException($"tensor '{destination.Name}' {destination.Shape} must have the shape of '{source.Name}' {source.Shape}");
        return args;
    }

    private static (ComputeDevice, ElementLaunch, ImageBatchArgs) PackedArgs(Tensor<byte> packed, Tensor<float> lab)
    {
        var args = LabArgs(lab);
        SameDevice(packed.Device, lab.Device);
        Shape p = packed.Shape, l = lab.Shape;
        if (p.Rank != 4 || p[0] != l[0] || p[1] != l[2] || p[2] != l[3] || p[3] != 3)
            throw new ArgumentException($"tensor '{packed.Name}' {p} must be [N, H, W, 3] matching '{lab.Name}' {l}");
        return args;
    }

    private static void SameDevice(ComputeDevice a, ComputeDevice b)
    {
        if (!ReferenceEquals(a, b))
            throw new ArgumentException($"tensors live on different devices ({a}, {b})");
    }
}
