namespace ColorKernels.Kernels.Common;

/// <summary>
/// Shape of a batch of images for the per-pixel kernels: <see cref="Images"/> images of
/// <see cref="PixelsPerImage"/> = H x W pixels each. Planar tensors are NCHW; packed 8-bit pixels are
/// NHWC with C = 3.
/// </summary>
public readonly struct ImageBatchArgs
{
    public ImageBatchArgs(int images, int pixelsPerImage)
    {
        Images = images;
        PixelsPerImage = pixelsPerImage;
    }

    public int Images { get; }
    public int PixelsPerImage { get; }

    /// <summary>All pixels of the batch: the index space of a per-pixel kernel.</summary>
    public int TotalPixels => Images * PixelsPerImage;

    /// <summary>Offset of channel <paramref name="channel"/> of pixel <paramref name="pixel"/> in an NCHW tensor with <paramref name="channels"/> channels.</summary>
    public int PlanarIndex(int pixel, int channel, int channels)
    {
        int image = pixel / PixelsPerImage;
        int within = pixel - image * PixelsPerImage;
        return (image * channels + channel) * PixelsPerImage + within;
    }
}
