namespace ColorKernels.Kernels.Common;

/// <summary>
/// Shape of a batch of images for the per-pixel kernels: <see cref="Images"/> images of
/// <see cref="PixelsPerImage"/> = H x W pixels each. Planar tensors are NCHW; packed 8-bit pixels are
/// NHWC with C = 3.
/// </summary>
public readonly struct ImageBatchArgs
{
    public ImageBatchArgs(int images, int pixelsPerImage, int runLength)
    {
        Images = images;
        PixelsPerImage = pixelsPerImage;
        RunLength = runLength;
    }

    public int Images { get; }
    public int PixelsPerImage { get; }

    /// <summary>Consecutive pixels per thread per step (see <see cref="GridStride"/>); chosen by the launcher.</summary>
    public int RunLength { get; }

    /// <summary>All pixels of the batch: the index space of a per-pixel kernel.</summary>
    public int TotalPixels => Images * PixelsPerImage;

    /// <summary>
    /// Offset of channel 0 of pixel <paramref name="pixel"/> (counted over the whole batch) in an NCHW tensor
    /// with <paramref name="channels"/> channels; channel c is <c>c * PixelsPerImage</c> further on.
    /// </summary>
    public int PlanarIndex(int pixel, int channels)
    {
        int image = pixel / PixelsPerImage;
        return image * (channels - 1) * PixelsPerImage + pixel;
    }
}
