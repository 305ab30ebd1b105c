using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Common;

namespace ColorKernels.Engine.Color;

/// <summary>
/// Host side of the sRGB/CIELAB kernels: checks tensor shapes, then launches. Lab tensors are
/// [N, 3, H, W] float; packed 8-bit images are [N, H, W, 3] bytes; float sRGB is [N, 3, H, W] in [0, 1].
/// </summary>
public static class LabOps
{
    /// <summary>Packed 8-bit sRGB [N, H, W, 3] -> Lab [N, 3, H, W].</summary>
    public static void SrgbBytesToLab(Tensor<byte> rgb, Tensor<float> lab)
    {
        ImageBatchArgs args = PackedArgs(rgb, lab);
        ComputeDevice d = lab.Device;
        d.Launcher.Launch(d.Kernels.SrgbBytesToLab, d.Launcher.ForElements(args.TotalPixels), rgb.View, lab.View, args);
    }

    /// <summary>Float sRGB [N, 3, H, W] -> Lab [N, 3, H, W].</summary>
    public static void SrgbToLab(Tensor<float> srgb, Tensor<float> lab)
    {
        ImageBatchArgs args = PlanarArgs(srgb, lab);
        ComputeDevice d = lab.Device;
        d.Launcher.Launch(d.Kernels.SrgbToLab, d.Launcher.ForElements(args.TotalPixels), srgb.View, lab.View, args);
    }

    /// <summary>Lab [N, 3, H, W] -> float sRGB [N, 3, H, W], clamped to the sRGB cube.</summary>
    public static void LabToSrgb(Tensor<float> lab, Tensor<float> srgb)
    {
        ImageBatchArgs args = PlanarArgs(lab, srgb);
        ComputeDevice d = lab.Device;
        d.Launcher.Launch(d.Kernels.LabToSrgb, d.Launcher.ForElements(args.TotalPixels), lab.View, srgb.View, args);
    }

    /// <summary>Lab [N, 3, H, W] -> packed 8-bit sRGB [N, H, W, 3].</summary>
    public static void LabToSrgbBytes(Tensor<float> lab, Tensor<byte> rgb)
    {
        ImageBatchArgs args = PackedArgs(rgb, lab);
        ComputeDevice d = lab.Device;
        d.Launcher.Launch(d.Kernels.LabToSrgbBytes, d.Launcher.ForElements(args.TotalPixels), lab.View, rgb.View, args);
    }

    /// <summary>Sets a = b = 0 in a Lab tensor [N, 3, H, W], in place.</summary>
    public static void ClearChroma(Tensor<float> lab)
    {
        ImageBatchArgs args = LabArgs(lab);
        ComputeDevice d = lab.Device;
        d.Launcher.Launch(d.Kernels.ClearChroma, d.Launcher.ForElements(args.TotalPixels), lab.View, args);
    }

    private static ImageBatchArgs LabArgs(Tensor<float> lab)
    {
        Shape s = lab.Shape;
        if (s.Rank != 4 || s[1] != 3)
            throw new ArgumentException($"tensor '{lab.Name}' must be [N, 3, H, W]; it is {s}");
        return new ImageBatchArgs(s[0], s[2] * s[3]);
    }

    private static ImageBatchArgs PlanarArgs(Tensor<float> source, Tensor<float> destination)
    {
        ImageBatchArgs args = LabArgs(source);
        SameDevice(source.Device, destination.Device);
        if (!destination.Shape.Equals(source.Shape))
            throw new ArgumentException($"tensor '{destination.Name}' {destination.Shape} must have the shape of '{source.Name}' {source.Shape}");
        return args;
    }

    private static ImageBatchArgs PackedArgs(Tensor<byte> packed, Tensor<float> lab)
    {
        ImageBatchArgs args = LabArgs(lab);
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
