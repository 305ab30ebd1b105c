namespace ColorKernels.Engine.Imaging;

/// <summary>
/// A decoded picture in the layouts the kernels take. 8-bit sources keep packed bytes
/// (<see cref="Rgb8"/>, [H, W, 3]); 16-bit sources keep full precision as planar floats in [0, 1]
/// (<see cref="RgbPlanar"/>, [3, H, W]). Alpha, when the source has a non-opaque pixel, rides along
/// untouched and is written back where the output format can hold it.
/// </summary>
public sealed class ImageData
{
    private ImageData(int width, int height, byte[]? rgb8, float[]? rgbPlanar, ushort[]? alpha16)
    {
        Width = width;
        Height = height;
        Rgb8 = rgb8;
        RgbPlanar = rgbPlanar;
        Alpha16 = alpha16;
    }

    /// <summary>An 8-bit picture: packed RGB [H, W, 3], optional 16-bit alpha [H, W].</summary>
    public static ImageData FromRgb8(int width, int height, byte[] rgb, ushort[]? alpha16 = null)
    {
        if (rgb.Length != width * height * 3)
            throw new ArgumentException($"{width}x{height} RGB needs {width * height * 3} bytes; {rgb.Length} given");
        return new ImageData(width, height, rgb, null, alpha16);
    }

    /// <summary>A 16-bit picture: planar RGB [3, H, W] in [0, 1], optional 16-bit alpha [H, W].</summary>
    public static ImageData FromPlanar16(int width, int height, float[] planar, ushort[]? alpha16 = null)
    {
        if (planar.Length != width * height * 3)
            throw new ArgumentException($"{width}x{height} planar RGB needs {width * height * 3} values; {planar.Length} given");
        return new ImageData(width, height, null, planar, alpha16);
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }
    /// <summary>Height in pixels.</summary>
    public int Height { get; }
    /// <summary>Width x height.</summary>
    public int Pixels => Width * Height;

    /// <summary>True when the source had more than 8 bits per channel.</summary>
    public bool SixteenBit => RgbPlanar is not null;

    /// <summary>Packed 8-bit RGB [H, W, 3] (null for a 16-bit picture).</summary>
    public byte[]? Rgb8 { get; }
    /// <summary>Planar RGB [3, H, W] in [0, 1] (null for an 8-bit picture).</summary>
    public float[]? RgbPlanar { get; }

    /// <summary>Alpha scaled to 0..65535, or null when every source pixel was opaque.</summary>
    public ushort[]? Alpha16 { get; }

    /// <summary>Whether some pixel is not opaque.</summary>
    public bool HasAlpha => Alpha16 is not null;

    /// <summary>The same picture with new colour values and this image's alpha.</summary>
    public ImageData WithRgb8(byte[] rgb) => FromRgb8(Width, Height, rgb, Alpha16);

    /// <summary>The same picture (size, alpha) with other 16-bit colours.</summary>
    public ImageData WithPlanar16(float[] planar) => FromPlanar16(Width, Height, planar, Alpha16);
}
