using ColorKernels.Kernels.Common;
using ILGPU;

namespace ColorKernels.Kernels.Color;

/// <summary>
/// sRGB <-> CIELAB over batches of images. Per-pixel and independent: every kernel maps threads to
/// pixels with <see cref="GridStride"/>'s loop. Memory traffic is 3 loads and 3 stores per pixel and
/// the arithmetic ~3 pow() calls, so these are bandwidth-bound on a GPU.
/// Formulas: <see cref="ColorMath"/>; double-precision reference: <see cref="LabReference"/>.
/// </summary>
public static class LabKernels
{
    /// <summary>
    /// SrgbBytesToLabKernel: packed 8-bit sRGB [N, H, W, 3] (R, G, B per pixel, the layout images are
    /// decoded to) -> Lab [N, 3, H, W] float (L in [0, 100]). Thread: runs of pixels.
    /// </summary>
    public static void SrgbBytesToLabKernel(ArrayView<byte> rgb, ArrayView<float> lab, ImageBatchArgs args)
    {
        int total = args.TotalPixels, run = args.RunLength, plane = args.PixelsPerImage;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int p = start, end = Math.Min(start + run, total); p < end; p++)
            {
                const float Scale = 1f / 255f;
                ColorMath.SrgbToLab(rgb[p * 3] * Scale, rgb[p * 3 + 1] * Scale, rgb[p * 3 + 2] * Scale,
                    out float l, out float a, out float b);
                int i = args.PlanarIndex(p, 3);
                lab[i] = l;
                lab[i + plane] = a;
                lab[i + 2 * plane] = b;
            }
    }

    /// <summary>
    /// SrgbToLabKernel: float sRGB [N, 3, H, W] in [0, 1] (16-bit images, network outputs) -> Lab
    /// [N, 3, H, W]. Thread: runs of pixels.
    /// </summary>
    public static void SrgbToLabKernel(ArrayView<float> srgb, ArrayView<float> lab, ImageBatchArgs args)
    {
        int total = args.TotalPixels, run = args.RunLength, plane = args.PixelsPerImage;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int p = start, end = Math.Min(start + run, total); p < end; p++)
            {
                int i = args.PlanarIndex(p, 3);
                ColorMath.SrgbToLab(srgb[i], srgb[i + plane], srgb[i + 2 * plane], out float l, out float a, out float b);
                lab[i] = l;
                lab[i + plane] = a;
                lab[i + 2 * plane] = b;
            }
    }

    /// <summary>
    /// LabToSrgbKernel: Lab [N, 3, H, W] -> float sRGB [N, 3, H, W] in [0, 1]; out-of-gamut colours are
    /// clamped to the sRGB cube in linear light. Thread: runs of pixels.
    /// </summary>
    public static void LabToSrgbKernel(ArrayView<float> lab, ArrayView<float> srgb, ImageBatchArgs args)
    {
        int total = args.TotalPixels, run = args.RunLength, plane = args.PixelsPerImage;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int p = start, end = Math.Min(start + run, total); p < end; p++)
            {
                int i = args.PlanarIndex(p, 3);
                ColorMath.LabToSrgb(lab[i], lab[i + plane], lab[i + 2 * plane], out float r, out float g, out float b);
                srgb[i] = r;
                srgb[i + plane] = g;
                srgb[i + 2 * plane] = b;
            }
    }

    /// <summary>
    /// LabToSrgbBytesKernel: Lab [N, 3, H, W] -> packed 8-bit sRGB [N, H, W, 3], rounded to nearest.
    /// Thread: runs of pixels.
    /// </summary>
    public static void LabToSrgbBytesKernel(ArrayView<float> lab, ArrayView<byte> rgb, ImageBatchArgs args)
    {
        int total = args.TotalPixels, run = args.RunLength, plane = args.PixelsPerImage;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int p = start, end = Math.Min(start + run, total); p < end; p++)
            {
                int i = args.PlanarIndex(p, 3);
                ColorMath.LabToSrgb(lab[i], lab[i + plane], lab[i + 2 * plane], out float r, out float g, out float b);
                rgb[p * 3] = ColorMath.ToByte(r);
                rgb[p * 3 + 1] = ColorMath.ToByte(g);
                rgb[p * 3 + 2] = ColorMath.ToByte(b);
            }
    }

    /// <summary>
    /// ClearChromaKernel: a = b = 0 in place on Lab [N, 3, H, W], keeping L: the greyscale picture a
    /// colourizer receives. Thread: runs of pixels.
    /// </summary>
    public static void ClearChromaKernel(ArrayView<float> lab, ImageBatchArgs args)
    {
        int total = args.TotalPixels, run = args.RunLength, plane = args.PixelsPerImage;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int p = start, end = Math.Min(start + run, total); p < end; p++)
            {
                int i = args.PlanarIndex(p, 3);
                lab[i + plane] = 0f;
                lab[i + 2 * plane] = 0f;
            }
    }
}
