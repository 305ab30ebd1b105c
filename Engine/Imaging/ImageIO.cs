using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace ColorKernels.Engine.Imaging;

/// <summary>
/// Reading and writing pictures with ImageSharp: JPEG (incl. CMYK), PNG, BMP, GIF (first frame), TIFF,
/// WebP; 8- and 16-bit; grey, RGB, RGBA. EXIF orientation is applied on load. Every failure is a
/// <see cref="UserErrorException"/> whose one-line message names the file.
/// </summary>
public static class ImageIO
{
    /// <summary>Default limit on decoded size: 100 megapixels.</summary>
    public const long DefaultMaxPixels = 100_000_000;

    public static readonly IReadOnlyList<string> Extensions =
        new[] { ".jpg", ".jpeg", ".jfif", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp" };

    public static bool HasImageExtension(string path) =>
        Extensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    /// <summary>
    /// Decodes <paramref name="path"/>. The header is read first, and a picture above
    /// <paramref name="maxPixels"/> is refused before any pixel is decoded.
    /// </summary>
    public static ImageData Load(string path, long maxPixels = DefaultMaxPixels)
    {
        var (bytes, info, format) = ReadChecked(path, maxPixels);
        try
        {
            return IsSixteenBit(info, format) ? Decode16(bytes) : Decode8(bytes);
        }
        catch (Exception e) when (IsDecodeFailure(e))
        {
            throw Corrupt(path, e);
        }
    }

    /// <summary>
    /// Decodes <paramref name="path"/> (with the same checks as <see cref="Load"/>), applies its EXIF
    /// orientation and resizes it to <paramref name="width"/> x <paramref name="height"/> (bicubic, aspect
    /// ratio not kept): packed 8-bit RGB [H, W, 3]. The training data pipeline's reader.
    /// </summary>
    public static byte[] LoadRgb8Resized(string path, int width, int height, long maxPixels = DefaultMaxPixels)
    {
        var (bytes, _, _) = ReadChecked(path, maxPixels);
        try
        {
            using Image<Rgb24> image = Image.Load<Rgb24>(bytes);
            image.Mutate(x => x.AutoOrient().Resize(width, height, KnownResamplers.Bicubic));
            var rgb = new byte[width * height * 3];
            image.CopyPixelDataTo(rgb);
            return rgb;
        }
        catch (Exception e) when (IsDecodeFailure(e))
        {
            throw Corrupt(path, e);
        }
    }

    /// <summary>Reads the file and checks its header (format, size limit, completeness) before any pixel is decoded.</summary>
    private static (byte[] Bytes, IImageInfo Info, IImageFormat Format) ReadChecked(string path, long maxPixels)
    {
        byte[] bytes = ReadAll(path);
        if (bytes.Length == 0)
            throw new UserErrorException($"'{path}': empty file (0 bytes)");

        IImageInfo? info;
        IImageFormat? format;
        try
        {
            info = Image.Identify(bytes, out format);
        }
        catch (Exception e) when (IsDecodeFailure(e))
        {
            throw Corrupt(path, e);
        }
        if (info is null || format is null)
            throw new UserErrorException($"'{path}': not a supported image (JPEG, PNG, BMP, GIF, TIFF or WebP expected)");
        long pixels = (long)info.Width * info.Height;
        if (pixels > maxPixels)
            throw new UserErrorException(
                $"'{path}': {info.Width}x{info.Height} is {pixels / 1e6:0.#} megapixels, above the limit of {maxPixels / 1e6:0.#} (--max-megapixels)");
        if (pixels == 0)
            throw new UserErrorException($"'{path}': the header declares an empty {info.Width}x{info.Height} picture");
        CheckComplete(path, format, bytes);
        return (bytes, info, format);
    }

    /// <summary>
    /// Encodes <paramref name="image"/> in the format its extension names and writes it atomically
    /// (temporary file, then rename). 16-bit data is kept where the format holds it (PNG), alpha where
    /// the format has it (PNG, BMP, GIF, TIFF, WebP).
    /// </summary>
    public static void Save(string path, ImageData image)
    {
        IImageEncoder encoder = EncoderFor(path, image);
        using Image picture = ToImage(image);
        AtomicFile.Write(path, stream => picture.Save(stream, encoder));
    }

    public static IImageEncoder EncoderFor(string path, ImageData image)
    {
        string ext = Path.GetExtension(path).ToLowerInvariant();
        return ext switch
        {
            ".png" => new PngEncoder
            {
                ColorType = image.HasAlpha ? PngColorType.RgbWithAlpha : PngColorType.Rgb,
                BitDepth = image.SixteenBit ? PngBitDepth.Bit16 : PngBitDepth.Bit8,
            },
            ".jpg" or ".jpeg" or ".jfif" => new JpegEncoder { Quality = 95 },
            ".bmp" => new BmpEncoder
            {
                BitsPerPixel = image.HasAlpha ? BmpBitsPerPixel.Pixel32 : BmpBitsPerPixel.Pixel24,
                SupportTransparency = image.HasAlpha,
            },
            ".gif" => new GifEncoder(),
            ".tif" or ".tiff" => new TiffEncoder(),
            ".webp" => new WebpEncoder { Quality = 95 },
            _ => throw new UserErrorException(
                $"'{path}': cannot tell the output format from the extension '{ext}' (use .png, .jpg, .bmp, .gif, .tif or .webp)"),
        };
    }

    private static byte[] ReadAll(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            throw new UserErrorException($"'{path}': no such file");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserErrorException($"'{path}': cannot read: {AtomicFile.Describe(e)}", e);
        }
    }

    private static bool IsDecodeFailure(Exception e) =>
        e is ImageFormatException or NotSupportedException or InvalidDataException or IndexOutOfRangeException
            or ArgumentException or EndOfStreamException or InvalidOperationException;

    private static UserErrorException Corrupt(string path, Exception e) =>
        new($"'{path}': corrupt or truncated image ({OneLine(e.Message)})", e);

    private static string OneLine(string text) =>
        string.Join(' ', text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>
    /// ImageSharp decodes a cut-off JPEG or PNG without complaint, filling the missing rows with grey; a
    /// truncated file must be an error instead, so the format's end marker is checked (JPEG EOI, PNG IEND).
    /// JPEGs may carry trailing bytes after EOI (some cameras append data), so EOI is looked for near the end.
    /// </summary>
    private static void CheckComplete(string path, IImageFormat format, byte[] bytes)
    {
        bool complete = format switch
        {
            JpegFormat => EndsWithin(bytes, new byte[] { 0xFF, 0xD9 }, 64 * 1024),
            PngFormat => EndsWithin(bytes, new byte[] { 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82 }, 64),
            _ => true,
        };
        if (!complete)
            throw new UserErrorException($"'{path}': truncated {format.Name} file (its end marker is missing)");
    }

    private static bool EndsWithin(byte[] bytes, byte[] marker, int window)
    {
        int from = Math.Max(0, bytes.Length - window - marker.Length);
        return bytes.AsSpan(from).LastIndexOf(marker) >= 0;
    }

    private static bool IsSixteenBit(IImageInfo info, IImageFormat format) => format switch
    {
        PngFormat => info.Metadata.GetPngMetadata().BitDepth == PngBitDepth.Bit16,
        TiffFormat => info.PixelType.BitsPerPixel is 16 or >= 48,
        _ => false,
    };

    private static ImageData Decode8(byte[] bytes)
    {
        using Image<Rgba32> image = Image.Load<Rgba32>(bytes);
        image.Mutate(x => x.AutoOrient());
        int w = image.Width, h = image.Height;
        var pixels = new Rgba32[w * h];
        image.CopyPixelDataTo(pixels);
        var rgb = new byte[w * h * 3];
        bool opaque = true;
        for (int i = 0; i < pixels.Length; i++)
        {
            rgb[i * 3] = pixels[i].R;
            rgb[i * 3 + 1] = pixels[i].G;
            rgb[i * 3 + 2] = pixels[i].B;
            opaque &= pixels[i].A == 255;
        }
        ushort[]? alpha = opaque ? null : pixels.Select(p => (ushort)(p.A * 257)).ToArray();
        return ImageData.FromRgb8(w, h, rgb, alpha);
    }

    private static ImageData Decode16(byte[] bytes)
    {
        using Image<Rgba64> image = Image.Load<Rgba64>(bytes);
        image.Mutate(x => x.AutoOrient());
        int w = image.Width, h = image.Height, plane = w * h;
        var pixels = new Rgba64[plane];
        image.CopyPixelDataTo(pixels);
        var planar = new float[plane * 3];
        bool opaque = true;
        for (int i = 0; i < plane; i++)
        {
            planar[i] = pixels[i].R / 65535f;
            planar[plane + i] = pixels[i].G / 65535f;
            planar[2 * plane + i] = pixels[i].B / 65535f;
            opaque &= pixels[i].A == ushort.MaxValue;
        }
        ushort[]? alpha = opaque ? null : pixels.Select(p => p.A).ToArray();
        return ImageData.FromPlanar16(w, h, planar, alpha);
    }

    private static Image ToImage(ImageData image)
    {
        int plane = image.Pixels;
        if (image.RgbPlanar is { } planar)
        {
            var pixels = new Rgba64[plane];
            for (int i = 0; i < plane; i++)
                pixels[i] = new Rgba64(To16(planar[i]), To16(planar[plane + i]), To16(planar[2 * plane + i]),
                    image.Alpha16?[i] ?? ushort.MaxValue);
            return Image.LoadPixelData(pixels, image.Width, image.Height);
        }
        byte[] rgb = image.Rgb8!;
        var pixels8 = new Rgba32[plane];
        for (int i = 0; i < plane; i++)
            pixels8[i] = new Rgba32(rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2],
                image.Alpha16 is { } a ? (byte)((a[i] + 128) / 257) : (byte)255);
        return Image.LoadPixelData(pixels8, image.Width, image.Height);
    }

    private static ushort To16(float v) => (ushort)Math.Clamp(MathF.Round(v * 65535f), 0f, 65535f);
}
