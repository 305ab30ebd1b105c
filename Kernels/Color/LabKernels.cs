using ColorKernels.Kernels.Common;
using ILGPU;

namespace ColorKernels.Kernels.Color;

/// <summary>
/// sRGB <-> CIELAB over batches of images. Per-pixel and independent, so every kernel maps one thread
/// to one pixel with a grid-stride loop (see <see cref="GridStride"/>); memory traffic is 3 loads and
/// 3 stores per pixel and the arithmetic is ~3 pow() calls, so these are bandwidth-bound on a GPU.
/// Formulas: <see cref="ColorMath"/>; double-precision reference: <see cref="LabReference"/>.
/// </summary>
public static class LabKernels
{
    /// <summary>
    /// SrgbBytesToLabKernel: packed 8-bit sRGB [N, H, W, 3] (R, G, B per pixel, the layout images are
    /// decoded to) -> Lab [N, 3, H, W] float (L in [0, 100]). Thread: one pixel.
    /// </summary>
    public static void SrgbBytesToLabKernel(ArrayView<byte> rgb, ArrayView<float> lab, ImageBatchArgs args)
    {
        int total = args.TotalPixels;
        for (int p = GridStride.Start; p < total; p += GridStride.Step)
        {
            const float Scale = 1f / 255f;
            ColorMath.SrgbToLab(rgb[p * 3] * Scale, rgb[p * 3 + 1] * Scale, rgb[p * 3 + 2] * Scale,
                out float l, out float a, out float b);
            lab[args.PlanarIndex(p, 0, 3)] = l;
            lab[args.PlanarIndex(p, 1, 3)] = a;
            lab[args.PlanarIndex(p, 2, 3)] = b;
        }
    }

    /// <summary>
    /// SrgbToLabKernel: float sRGB [N, 3, H, W] in [0, 1] (16-bit images, network outputs) -> Lab
    /// [N, 3, H, W]. Thread: one pixel.
    /// </summary>
    public static void SrgbToLabKernel(ArrayView<float> srgb, ArrayView<float> lab, ImageBatchArgs args)
    {
        int total = args.TotalPixels;
        for (int p = GridStride.Start; p < total; p += GridStride.Step)
        {
            int i0 = args.PlanarIndex(p, 0, 3), i1 = args.PlanarIndex(p, 1, 3), i2 = args.PlanarIndex(p, 2, 3);
            ColorMath.SrgbToLab(srgb[i0], srgb[i1], srgb[i2], out float l, out float a, out float b);
            lab[i0] = l;
            lab[i1] = a;
            lab[i2] = b;
        }
    }

    /// <summary>
    /// LabToSrgbKernel: Lab [N, 3, H, W] -> float sRGB [N, 3, H, W] in [0, 1]; out-of-gamut colours are
    /// clamped to the sRGB cube in linear light. Thread: one pixel.
    /// </summary>
    public static void LabToSrgbKernel(ArrayView<float> lab, ArrayView<float> srgb, ImageBatchArgs args)
    {
        int total = args.TotalPixels;
        for (int p = GridStride.Start; p < total; p += GridStride.Step)
        {
            int i0 = args.PlanarIndex(p, 0, 3), i1 = args.PlanarIndex(p, 1, 3), i2 = args.PlanarIndex(p, 2, 3);
            ColorMath.LabToSrgb(lab[i0], lab[i1], lab[i2], out float r, out float g, out float b);
            srgb[i0] = r;
            srgb[i1] = g;
            srgb[i2] = b;
        }
    }

    /// <summary>
    /// LabToSrgbBytesKernel: Lab [N, 3, H, W] -> packed 8-bit sRGB [N, H, W, 3], rounded to nearest.
    /// Thread: one pixel.
    /// </summary>
    public static void LabToSrgbBytesKernel(ArrayView<float> lab, ArrayView<byte> rgb, ImageBatchArgs args)
    {
        int total = args.TotalPixels;
        for (int p = GridStride.Start; p < total; p += GridStride.Step)
        {
            ColorMath.LabToSrgb(lab[args.PlanarIndex(p, 0, 3)], lab[args.PlanarIndex(p, 1, 3)],
                lab[args.PlanarIndex(p, 2, 3)], out float r, out float g, out float b);
            rgb[p * 3] = ColorMath.ToByte(r);
            rgb[p * 3 + 1] = ColorMath.ToByte(g);
            rgb[p * 3 + 2] = ColorMath.ToByte(b);
        }
    }

    /// <summary>
    /// ClearChromaKernel: a = b = 0 in place on Lab [N, 3, H, W], keeping L: the greyscale picture a
    /// colourizer receives. Thread: one pixel.
    /// </summary>
    public static void ClearChromaKernel(ArrayView<float> lab, ImageBatchArgs args)
    {
        int total = args.TotalPixels;
        for (int p = GridStride.Start; p < total; p += GridStride.Step)
        {
            lab[args.PlanarIndex(p, 1, 3)] = 0f;
            lab[args.PlanarIndex(p, 2, 3)] = 0f;
        }
    }
}
