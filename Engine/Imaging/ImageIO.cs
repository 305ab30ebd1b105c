using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Metadata;
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

    /// <summary>
    /// Default limit on a picture's compressed metadata once inflated (PNG zTXt, iTXt, iCCP), in all: 16 MiB,
    /// far above real text and colour profiles (a few KiB to 1 MiB), far below a bomb's gigabytes.
    /// </summary>
    public const long DefaultMaxMetadataBytes = 16L * 1024 * 1024;

    /// <summary>The file extensions the reader and writer know (lower case, with the dot).</summary>
    public static readonly IReadOnlyList<string> Extensions =
        new[] { ".jpg", ".jpeg", ".jfif", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp" };

    /// <summary>Whether <paramref name="path"/> ends in one of <see cref="Extensions"/>.</summary>
    public static bool HasImageExtension(string path) =>
        Extensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    /// <summary>
    /// Decodes <paramref name="path"/>. The header is read first, and a picture above
    /// <paramref name="maxPixels"/> is refused before any pixel is decoded.
    /// </summary>
    public static ImageData Load(string path, long maxPixels = DefaultMaxPixels, long maxMetadataBytes = DefaultMaxMetadataBytes) =>
        Decode(path, ReadAll(path), maxPixels, maxMetadataBytes);

    /// <summary>
    /// The size <see cref="Load"/> would give <paramref name="path"/> (its EXIF orientation applied: a
    /// quarter turn swaps width and height), read from the header with the same checks, without decoding.
    /// </summary>
    public static (int Width, int Height) OrientedSize(string path, long maxPixels = DefaultMaxPixels, long maxMetadataBytes = DefaultMaxMetadataBytes)
    {
        (IImageInfo info, _, _) = Check(path, ReadAll(path), maxPixels, maxMetadataBytes);
        ushort orientation = 1;
        if (info.Metadata.ExifProfile?.GetValue(SixLabors.ImageSharp.Metadata.Profiles.Exif.ExifTag.Orientation) is { } tag)
            orientation = tag.Value;
        // EXIF orientations 5 to 8 are the transposed ones.
        return orientation is >= 5 and <= 8 ? (info.Height, info.Width) : (info.Width, info.Height);
    }

    /// <summary>Decodes a picture held in memory (an upload, say) with the same checks; <paramref name="name"/> names it in messages.</summary>
    public static ImageData Decode(string name, byte[] bytes, long maxPixels = DefaultMaxPixels, long maxMetadataBytes = DefaultMaxMetadataBytes)
    {
        (IImageInfo info, IImageFormat format, bytes) = Check(name, bytes, maxPixels, maxMetadataBytes);
        try
        {
            return IsSixteenBit(info, format) ? Decode16(bytes, format) : Decode8(bytes, format);
        }
        catch (Exception e) when (IsDecodeFailure(e))
        {
            throw Corrupt(name, e);
        }
    }

    /// <summary>
    /// Decodes <paramref name="path"/> (with the same checks as <see cref="Load"/>), applies its EXIF
    /// orientation and resizes it to <paramref name="width"/> x <paramref name="height"/> (bicubic, aspect
    /// ratio not kept): packed 8-bit RGB [H, W, 3]. The training data pipeline's reader.
    /// </summary>
    public static byte[] LoadRgb8Resized(string path, int width, int height, long maxPixels = DefaultMaxPixels)
    {
        byte[] bytes = ReadAll(path);
        (_, IImageFormat format, bytes) = Check(path, bytes, maxPixels, DefaultMaxMetadataBytes);
        try
        {
            using Image<Rgb24> image = Image.Load<Rgb24>(bytes, DecoderFor(format));
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

    /// <summary>Checks a file's header (format, size limit, structure and completeness, metadata size) before any pixel is decoded.</summary>
    /// <returns>The header, the format, and the bytes to decode (a bilevel TIFF's with its implied BitsPerSample added).</returns>
    private static (IImageInfo Info, IImageFormat Format, byte[] Bytes) Check(string path, byte[] bytes, long maxPixels, long maxMetadataBytes)
    {
        if (bytes.Length == 0)
            throw new UserErrorException($"'{path}': empty file (0 bytes)");

        // The container's structure is checked before ImageSharp reads the header: its Identify already
        // inflates PNG text chunks without a bound.
        IImageFormat? detected = Image.DetectFormat(bytes);
        (int Width, int Height)? canvas = detected is null ? null : ImageStructure.Check(path, detected, bytes, maxMetadataBytes);
        if (detected is TiffFormat)
            bytes = ImageStructure.TiffWithDefaultBitsPerSample(bytes);
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
        // WebP's extended header (VP8X) declares a canvas that ImageSharp 2.1 reports as 0x0 or ignores.
        // A conforming decoder allocates the canvas, so the larger of the two is held to the limit.
        (long width, long height) = canvas is { } c && (long)c.Width * c.Height > (long)info.Width * info.Height ? (c.Width, c.Height) : (info.Width, info.Height);
        long pixels = width * height;
        if (pixels > maxPixels)
            throw new UserErrorException(
                $"'{path}': {width}x{height} is {pixels:N0} pixels, above the limit of {maxPixels:N0} (--max-megapixels {maxPixels / 1e6:0.######})");
        if (pixels == 0)
            throw new UserErrorException($"'{path}': the header declares an empty {width}x{height} picture");
        return (info, format, bytes);
    }

    /// <summary>The decoder for <paramref name="format"/>: multi-frame formats read their first frame only (memory is bounded by one frame).</summary>
    private static IImageDecoder DecoderFor(IImageFormat format) => format switch
    {
        GifFormat => new GifDecoder { DecodingMode = FrameDecodingMode.First },
        TiffFormat => new TiffDecoder { DecodingMode = FrameDecodingMode.First },
        _ => Configuration.Default.ImageFormatsManager.FindDecoder(format),
    };

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

    internal static IImageEncoder EncoderFor(string path, ImageData image)
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
        // A FIFO or device would block the read or never end.
        Files.FileStatus status = Files.FileStatus.Of(path);
        if (status.Kind is Files.FileKind.Directory)
            throw new UserErrorException($"'{path}': is a folder, not a picture file");
        if (status.Kind is not (Files.FileKind.Regular or Files.FileKind.Missing))
            throw new UserErrorException($"'{path}': {status.KindName}, not a regular file");
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

    /// <summary>
    /// The decoder is a black box fed untrusted bytes: whatever it throws (format errors, and on crafted
    /// input also NullReferenceException or IndexOutOfRangeException from inside ImageSharp, found by the
    /// property test) means this file cannot be read. Only running out of memory is not the file's fault.
    /// </summary>
    private static bool IsDecodeFailure(Exception e) => e is not (OutOfMemoryException or UserErrorException);

    /// <summary>
    /// ImageSharp's own format errors say what is wrong and are kept; anything else the decoder throws
    /// ("Index was outside the bounds of the array") says nothing to a user and is not shown.
    /// </summary>
    private static UserErrorException Corrupt(string path, Exception e) => e is ImageFormatException or InvalidImageContentException
        ? new($"'{path}': corrupt or truncated image ({OneLine(e.Message)})", e)
        : new($"'{path}': corrupt or truncated image (the decoder failed on its data)", e);

    private static string OneLine(string text) =>
        string.Join(' ', text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static bool IsSixteenBit(IImageInfo info, IImageFormat format) => format switch
    {
        PngFormat => info.Metadata.GetPngMetadata().BitDepth == PngBitDepth.Bit16,
        TiffFormat => info.PixelType.BitsPerPixel is 16 or >= 48,
        _ => false,
    };

    private static ImageData Decode8(byte[] bytes, IImageFormat format)
    {
        using Image<Rgba32> image = Image.Load<Rgba32>(bytes, DecoderFor(format));
        image.Mutate(x => x.AutoOrient());
        return From8(image);
    }

    private static ImageData From8(Image<Rgba32> image)
    {
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

    private static ImageData Decode16(byte[] bytes, IImageFormat format)
    {
        using Image<Rgba64> image = Image.Load<Rgba64>(bytes, DecoderFor(format));
        image.Mutate(x => x.AutoOrient());
        return From16(image);
    }

    private static ImageData From16(Image<Rgba64> image)
    {
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

    /// <summary>
    /// The pixels of an ImageSharp image, as it is (no EXIF rotation): 16-bit when its pixel type has more
    /// than 8 bits a channel (Rgb48, Rgba64, L16 ...), else 8-bit; alpha kept when some pixel is not opaque.
    /// </summary>
    public static ImageData FromImage(Image image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.PixelType.BitsPerPixel > 32 || image is Image<L16> or Image<La32>)
        {
            using Image<Rgba64> wide = image.CloneAs<Rgba64>();
            return From16(wide);
        }
        using Image<Rgba32> narrow = image.CloneAs<Rgba32>();
        return From8(narrow);
    }

    /// <summary>An ImageSharp image of <paramref name="image"/>: Rgba64 for 16-bit data, else Rgba32 (the caller disposes it).</summary>
    public static Image ToImage(ImageData image)
    {
        ArgumentNullException.ThrowIfNull(image);
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

    /// <summary>
    /// <paramref name="image"/> resized to <paramref name="width"/> x <paramref name="height"/> (bicubic; 8-bit, alpha
    /// dropped): a reference picture brought to a film's frame size.
    /// </summary>
    public static ImageData Resized(ImageData image, int width, int height)
    {
        using Image picture = ToImage(image);
        using Image<Rgb24> resized = picture.CloneAs<Rgb24>();
        resized.Mutate(x => x.Resize(width, height, KnownResamplers.Bicubic));
        var rgb = new byte[width * height * 3];
        resized.CopyPixelDataTo(rgb);
        return ImageData.FromRgb8(width, height, rgb);
    }

    private static ushort To16(float v) => (ushort)Math.Clamp(MathF.Round(v * 65535f), 0f, 65535f);
}
