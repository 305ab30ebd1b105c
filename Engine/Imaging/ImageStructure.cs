using System.Buffers.Binary;
using System.IO.Compression;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;

namespace ColorKernels.Engine.Imaging;

/// <summary>
/// Checks a picture file's container structure before any pixel is decoded, because ImageSharp 2.1 decodes
/// many cut-off files without complaint (missing rows become black or grey) and inflates compressed
/// metadata without a bound. What "complete" means, per format:
/// <list type="bullet">
/// <item>JPEG: an end-of-image marker (FFD9) within the last 64 KiB (cameras may append data after it).</item>
/// <item>PNG: every chunk lies inside the file and an IEND chunk is reached; compressed metadata (zTXt,
/// compressed iTXt, iCCP) inflates to at most the metadata limit in all.</item>
/// <item>GIF: the block structure is intact up to the end of the first image's data (the only frame read).</item>
/// <item>BMP: uncompressed pixel rows all lie inside the file; RLE data reaches its end-of-bitmap code.</item>
/// <item>WebP: the file is as long as its RIFF header says, every chunk lies inside it, and an image chunk
/// (VP8, VP8L or an animation frame) is present. VP8X's canvas size is returned for the size limit.</item>
/// <item>TIFF: the first IFD, every value it stores outside its entries, and every strip or tile it names
/// lie inside the file.</item>
/// </list>
/// Each failure is a <see cref="UserErrorException"/> naming the file.
/// </summary>
internal static class ImageStructure
{
    /// <summary>Checks <paramref name="bytes"/>; returns the canvas size a header declares where ImageSharp reads none (WebP VP8X), else null.</summary>
    public static (int Width, int Height)? Check(string path, IImageFormat format, byte[] bytes, long maxMetadataBytes)
    {
        switch (format)
        {
            case JpegFormat:
                if (!EndsWithin(bytes, new byte[] { 0xFF, 0xD9 }, 64 * 1024))
                    throw Truncated(path, "JPEG", "its end-of-image marker is missing");
                return null;
            case PngFormat:
                Png(path, bytes, maxMetadataBytes);
                return null;
            case GifFormat:
                Gif(path, bytes);
                return null;
            case BmpFormat:
                Bmp(path, bytes);
                return null;
            case WebpFormat:
                return Webp(path, bytes);
            case TiffFormat:
                Tiff(path, bytes);
                return null;
            default:
                return null;
        }
    }

    private static UserErrorException Truncated(string path, string format, string why) =>
        new($"'{path}': truncated {format} file ({why})");

    private static UserErrorException Corrupt(string path, string format, string why) =>
        new($"'{path}': corrupt {format} file ({why})");

    private static bool EndsWithin(byte[] bytes, byte[] marker, int window)
    {
        int from = Math.Max(0, bytes.Length - window - marker.Length);
        return bytes.AsSpan(from).LastIndexOf(marker) >= 0;
    }

    private static void Png(string path, byte[] bytes, long maxMetadataBytes)
    {
        long pos = 8, inflated = 0;
        while (true)
        {
            if (pos + 8 > bytes.Length)
                throw Truncated(path, "PNG", "it ends before its IEND chunk");
            uint length = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan((int)pos));
            string type = ChunkType(bytes, pos + 4);
            if (length > int.MaxValue || pos + 12 + length > bytes.Length)
                throw Truncated(path, "PNG", $"its {type} chunk runs past the end of the file");
            ReadOnlySpan<byte> data = bytes.AsSpan((int)pos + 8, (int)length);
            if (type == "IEND")
                return;
            int compressedAt = type switch
            {
                // keyword\0 method compressed-text
                "zTXt" => data.IndexOf((byte)0) is int k and >= 0 ? k + 2 : -1,
                // keyword\0 profile-name is the keyword; then method and the compressed profile
                "iCCP" => data.IndexOf((byte)0) is int k and >= 0 ? k + 2 : -1,
                "iTXt" => ITxtCompressedAt(data),
                _ => -1,
            };
            if (compressedAt >= 0 && compressedAt <= data.Length)
            {
                inflated += InflatedSize(data[compressedAt..], maxMetadataBytes - inflated + 1);
                if (inflated > maxMetadataBytes)
                    throw new UserErrorException($"'{path}': its metadata ({type} chunk) inflates to more than the " +
                        $"{maxMetadataBytes / (1024.0 * 1024.0):0.##} MiB limit (--max-metadata-mb): refused as a decompression bomb");
            }
            pos += 12 + length;
        }
    }

    /// <summary>Where a compressed iTXt chunk's text starts (keyword\0 flag method language\0 translated\0 text), or -1 when uncompressed.</summary>
    private static int ITxtCompressedAt(ReadOnlySpan<byte> data)
    {
        int keyword = data.IndexOf((byte)0);
        if (keyword < 0 || keyword + 3 > data.Length || data[keyword + 1] != 1)
            return -1;
        int at = keyword + 3;
        for (int field = 0; field < 2; field++)
        {
            int end = data[at..].IndexOf((byte)0);
            if (end < 0)
                return -1;
            at += end + 1;
        }
        return at;
    }

    /// <summary>How many bytes a zlib stream inflates to, counting at most to <paramref name="cap"/> (so a bomb costs nothing). A corrupt stream counts what it gave.</summary>
    private static long InflatedSize(ReadOnlySpan<byte> compressed, long cap)
    {
        using var stream = new ZLibStream(new MemoryStream(compressed.ToArray()), CompressionMode.Decompress);
        var buffer = new byte[64 * 1024];
        long total = 0;
        try
        {
            int read;
            while (total < cap && (read = stream.Read(buffer)) > 0)
                total += read;
        }
        catch (InvalidDataException)
        {
            // The decoder ignores a corrupt text chunk; only its size matters here.
        }
        return total;
    }

    private static void Gif(string path, byte[] bytes)
    {
        if (bytes.Length < 13)
            throw Truncated(path, "GIF", "it ends inside its header");
        int pos = 13;
        if ((bytes[10] & 0x80) != 0)
            pos += 3 << ((bytes[10] & 7) + 1);
        while (true)
        {
            if (pos >= bytes.Length)
                throw Truncated(path, "GIF", "it ends before its first image");
            switch (bytes[pos])
            {
                case 0x21:   // extension: label, then data sub-blocks
                    pos = SkipSubBlocks(path, bytes, pos + 2);
                    break;
                case 0x2C:   // image descriptor, optional local colour table, LZW code size, data sub-blocks
                    if (pos + 10 > bytes.Length)
                        throw Truncated(path, "GIF", "it ends inside its first image's descriptor");
                    int flags = bytes[pos + 9];
                    pos += 10 + ((flags & 0x80) != 0 ? 3 << ((flags & 7) + 1) : 0) + 1;
                    SkipSubBlocks(path, bytes, pos);
                    return;   // the first image is complete: the only frame read
                case 0x3B:
                    throw Corrupt(path, "GIF", "it ends before any image");
                default:
                    throw Corrupt(path, "GIF", $"unknown block 0x{bytes[pos]:X2} at byte {pos}");
            }
        }
    }

    private static int SkipSubBlocks(string path, byte[] bytes, int pos)
    {
        while (true)
        {
            if (pos >= bytes.Length)
                throw Truncated(path, "GIF", "it ends inside a block of image data");
            int size = bytes[pos];
            pos += 1 + size;
            if (size == 0)
                return pos;
        }
    }

    private static void Bmp(string path, byte[] bytes)
    {
        if (bytes.Length < 26)
            throw Truncated(path, "BMP", "it ends inside its header");
        long offset = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(10));
        int headerSize = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(14));
        long width, height;
        int bits, compression = 0;
        if (headerSize == 12)
        {
            width = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(18));
            height = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(20));
            bits = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(24));
        }
        else
        {
            if (bytes.Length < 34)
                throw Truncated(path, "BMP", "it ends inside its header");
            width = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(18));
            height = Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(22)));
            bits = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(28));
            compression = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(30));
        }
        if (offset > bytes.Length)
            throw Truncated(path, "BMP", "its pixel data would start past the end of the file");
        switch (compression)
        {
            case 0 or 3 or 6:   // BI_RGB, BI_BITFIELDS, BI_ALPHABITFIELDS: rows padded to 4 bytes
                long stride = (width * bits + 31) / 32 * 4;
                if (width > 0 && offset + stride * height > bytes.Length)
                    throw Truncated(path, "BMP", $"{width}x{height} at {bits} bits needs {offset + stride * height:N0} bytes, the file has {bytes.Length:N0}");
                break;
            case 1 or 2:   // BI_RLE8, BI_RLE4
                if (!RleReachesEnd(bytes, (int)offset, compression == 2))
                    throw Truncated(path, "BMP", "its RLE data ends before the end-of-bitmap code");
                break;
        }
    }

    private static bool RleReachesEnd(byte[] bytes, int pos, bool fourBit)
    {
        while (pos + 1 < bytes.Length)
        {
            int count = bytes[pos], value = bytes[pos + 1];
            pos += 2;
            if (count != 0)
                continue;           // an encoded run
            if (value == 1)
                return true;        // end of bitmap
            if (value == 0)
                continue;           // end of line
            if (value == 2)
            {
                pos += 2;           // delta
                continue;
            }
            int literal = fourBit ? (value + 1) / 2 : value;
            pos += literal + (literal & 1);   // absolute run, padded to a 16-bit boundary
        }
        return false;
    }

    private static (int Width, int Height)? Webp(string path, byte[] bytes)
    {
        if (bytes.Length < 12)
            throw Truncated(path, "WebP", "it ends inside its RIFF header");
        long end = 8L + BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4));
        if (end > bytes.Length)
            throw Truncated(path, "WebP", $"its RIFF header says {end:N0} bytes, the file has {bytes.Length:N0}");
        (int, int)? canvas = null;
        bool image = false;
        long pos = 12;
        while (pos + 8 <= end)
        {
            string type = ChunkType(bytes, pos);
            long size = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan((int)pos + 4));
            if (pos + 8 + size > end)
                throw Truncated(path, "WebP", $"its {type.Trim()} chunk runs past the end of the file");
            if (type == "VP8X" && size >= 10)
            {
                int at = (int)pos + 8;
                int w = 1 + (bytes[at + 4] | bytes[at + 5] << 8 | bytes[at + 6] << 16);
                int h = 1 + (bytes[at + 7] | bytes[at + 8] << 8 | bytes[at + 9] << 16);
                canvas = (w, h);
            }
            image |= type is "VP8 " or "VP8L" or "ANMF";
            pos += 8 + size + (size & 1);
        }
        if (!image)
            throw Truncated(path, "WebP", "it has no image data");
        return canvas;
    }

    /// <summary>
    /// A TIFF whose first directory lacks BitsPerSample (258), which the TIFF 6.0 specification defaults to
    /// 1 (bilevel) and writers such as Pillow leave out, but ImageSharp 2.1 requires: returns a copy with the
    /// directory rewritten at the end of the file with BitsPerSample = 1 added (every other offset is
    /// absolute and stays valid); otherwise <paramref name="bytes"/> itself.
    /// </summary>
    public static byte[] TiffWithDefaultBitsPerSample(byte[] bytes)
    {
        if (bytes.Length < 8 || (bytes[0] != (byte)'I' && bytes[0] != (byte)'M'))
            return bytes;
        bool little = bytes[0] == (byte)'I';
        ushort U16(long at) => little ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan((int)at)) : BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan((int)at));
        uint U32(long at) => little ? BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan((int)at)) : BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan((int)at));
        if (U16(2) != 42)
            return bytes;
        long ifd = U32(4);
        if (ifd + 2 > bytes.Length)
            return bytes;
        int count = U16(ifd);
        if (ifd + 2 + 12L * count > bytes.Length)
            return bytes;
        var entries = new List<byte[]>();
        for (int i = 0; i < count; i++)
        {
            if (U16(ifd + 2 + 12L * i) == 258)
                return bytes;
            entries.Add(bytes.AsSpan((int)(ifd + 2 + 12L * i), 12).ToArray());
        }
        var added = new byte[12];
        void Put16(byte[] b, int at, ushort v) { if (little) BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(at), v); else BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(at), v); }
        void Put32(byte[] b, int at, uint v) { if (little) BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at), v); else BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(at), v); }
        Put16(added, 0, 258);   // BitsPerSample
        Put16(added, 2, 3);     // SHORT
        Put32(added, 4, 1);     // one value
        Put16(added, 8, 1);     // 1 bit, inline
        entries.Add(added);
        entries.Sort((a, b) => (little ? BinaryPrimitives.ReadUInt16LittleEndian(a) : BinaryPrimitives.ReadUInt16BigEndian(a))
            .CompareTo(little ? BinaryPrimitives.ReadUInt16LittleEndian(b) : BinaryPrimitives.ReadUInt16BigEndian(b)));
        int at = (bytes.Length + 1) & ~1;   // directories start on a word boundary
        var patched = new byte[at + 2 + 12 * entries.Count + 4];
        bytes.CopyTo(patched, 0);
        Put32(patched, 4, (uint)at);
        Put16(patched, at, (ushort)entries.Count);
        for (int i = 0; i < entries.Count; i++)
            entries[i].CopyTo(patched, at + 2 + 12 * i);
        return patched;   // next-directory offset 0: the first frame is the only one read
    }

    private static void Tiff(string path, byte[] bytes)
    {
        if (bytes.Length < 8)
            throw Truncated(path, "TIFF", "it ends inside its header");
        bool little = bytes[0] == (byte)'I';
        ushort U16(long at) => little ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan((int)at)) : BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan((int)at));
        uint U32(long at) => little ? BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan((int)at)) : BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan((int)at));
        if (U16(2) != 42)
            return;   // BigTIFF (43): left to the decoder
        long ifd = U32(4);
        if (ifd + 2 > bytes.Length)
            throw Truncated(path, "TIFF", "its first directory lies past the end of the file");
        int entries = U16(ifd);
        if (ifd + 2 + 12L * entries + 4 > bytes.Length)
            throw Truncated(path, "TIFF", "it ends inside its first directory");
        var tags = new Dictionary<int, long[]>();
        for (int i = 0; i < entries; i++)
        {
            long at = ifd + 2 + 12L * i;
            int tag = U16(at), type = U16(at + 2);
            long count = U32(at + 4);
            // Every value stored outside its entry must lie inside the file (a cut-off file loses them).
            long valueSize = type switch { 1 or 2 or 6 or 7 => 1, 3 or 8 => 2, 4 or 9 or 11 or 13 => 4, 5 or 10 or 12 => 8, _ => 0 };
            if (count * valueSize > 4 && U32(at + 8) + count * valueSize > bytes.Length)
                throw Truncated(path, "TIFF", $"the value of its tag {tag} lies past the end of the file");
            if (tag is not (273 or 279 or 324 or 325) || type is not (3 or 4))
                continue;
            int size = type == 3 ? 2 : 4;
            long values = count * size <= 4 ? at + 8 : U32(at + 8);
            if (values + count * size > bytes.Length)
                throw Truncated(path, "TIFF", "its strip or tile table lies past the end of the file");
            var read = new long[count];
            for (long j = 0; j < count; j++)
                read[j] = size == 2 ? U16(values + j * 2) : U32(values + j * 4);
            tags[tag] = read;
        }
        foreach ((int offsets, int counts) in new[] { (273, 279), (324, 325) })
            if (tags.TryGetValue(offsets, out long[]? o) && tags.TryGetValue(counts, out long[]? c))
                for (int j = 0; j < Math.Min(o.Length, c.Length); j++)
                    if (o[j] + c[j] > bytes.Length)
                        throw Truncated(path, "TIFF", $"{(offsets == 273 ? "strip" : "tile")} {j} lies past the end of the file");
    }

    /// <summary>
    /// A chunk's 4-character type as messages may show it: valid types are printable ASCII; in a damaged file
    /// any other byte (a newline, say) shows as '?', so an error stays one line.
    /// </summary>
    private static string ChunkType(byte[] bytes, long at) =>
        new(bytes.AsSpan((int)at, 4).ToArray().Select(b => b is >= 0x20 and <= 0x7E ? (char)b : '?').ToArray());
}
