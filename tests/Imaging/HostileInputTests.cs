using System.Buffers.Binary;
using System.IO.Compression;
using ColorKernels.Engine;
using ColorKernels.Engine.Imaging;
using CsCheck;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace ColorKernels.Tests.Imaging;

/// <summary>
/// The picture reader against damaged and hostile files: truncations of every format at many points,
/// random mutations (property-based, CsCheck), decompression bombs, headers that lie about their size.
/// Every failure must be a <see cref="UserErrorException"/> with a one-line message; never a flat picture.
/// </summary>
public class HostileInputTests
{
    /// <summary>A 40x30 noisy picture in each format, made by ImageSharp's own encoders.</summary>
    public static readonly IReadOnlyDictionary<string, byte[]> Valid = MakeValid();

    private static Dictionary<string, byte[]> MakeValid()
    {
        using var image = new Image<Rgb24>(40, 30);
        var random = new Random(7);
        for (int y = 0; y < 30; y++)
            for (int x = 0; x < 40; x++)
                image[x, y] = new Rgb24((byte)random.Next(256), (byte)(x * 6), (byte)(y * 8));
        byte[] Encode(IImageEncoder encoder)
        {
            using var stream = new MemoryStream();
            image.Save(stream, encoder);
            return stream.ToArray();
        }
        return new Dictionary<string, byte[]>
        {
            ["jpg"] = Encode(new JpegEncoder { Quality = 90 }),
            ["png"] = Encode(new PngEncoder()),
            ["gif"] = Encode(new GifEncoder()),
            ["bmp"] = Encode(new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel24 }),
            ["webp"] = Encode(new WebpEncoder { FileFormat = WebpFileFormatType.Lossless }),
            ["webp-lossy"] = Encode(new WebpEncoder { FileFormat = WebpFileFormatType.Lossy }),
            ["tif"] = Encode(new TiffEncoder()),
        };
    }

    public static IEnumerable<object[]> Formats => Valid.Keys.Select(k => new object[] { k });

    [Theory]
    [MemberData(nameof(Formats))]
    public void Every_valid_file_decodes(string format)
    {
        ImageData data = ImageIO.Decode("valid." + format, Valid[format]);
        Assert.Equal((40, 30), (data.Width, data.Height));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void A_file_cut_anywhere_is_an_error_never_a_picture(string format)
    {
        byte[] whole = Valid[format];
        // GIF: the first image ends with its block terminator; the trailer byte after it is not needed.
        // TIFF: ImageSharp's last byte pads the file to a word boundary after its last value.
        int last = format is "gif" or "tif" ? whole.Length - 2 : whole.Length - 1;
        var cuts = Enumerable.Range(1, 40).Select(i => (int)((long)last * i / 40)).Concat(new[] { 1, 8, 13, 33, last - 1, last }).Distinct();
        foreach (int cut in cuts.Where(c => c >= 1 && c <= last))
        {
            var e = Assert.Throws<UserErrorException>(() => ImageIO.Decode($"cut{cut}.{format}", whole[..cut]));
            Assert.DoesNotContain('\n', e.Message);
            Assert.StartsWith($"'cut{cut}.{format}': ", e.Message);
        }
    }

    [Fact]
    public void A_chunk_type_of_control_bytes_is_still_a_one_line_error()
    {
        const string format = "png";
        const int at = 51;
        // Found by the mutation test below (seed 8Q89uNcYkH71): 62 newline bytes over a PNG's second chunk
        // put its "type" into the truncation message verbatim.
        byte[] bytes = Valid[format].ToArray();
        for (int i = at; i < Math.Min(bytes.Length, at + 62); i++)
            bytes[i] = (byte)'\n';
        var e = Assert.Throws<UserErrorException>(() => ImageIO.Decode("mutated." + format, bytes, maxPixels: 4_000_000));
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Random_mutations_of_valid_files_only_ever_give_user_errors()
    {
        // Flips, overwrites, insertions, deletions and truncations anywhere in any format. A decoded result
        // is fine (a flipped pixel byte is still a picture); any exception but a user error is a bug.
        string[] formats = Valid.Keys.ToArray();
        Gen.Select(Gen.Int[0, formats.Length - 1], ByteMutation.Any(1 << 20, 64)).Sample(m =>
        {
            byte[] bytes = m.Item2.Apply(Valid[formats[m.Item1]]);
            try
            {
                ImageIO.Decode("mutated." + formats[m.Item1], bytes, maxPixels: 4_000_000);
            }
            catch (UserErrorException e)
            {
                Assert.DoesNotContain('\n', e.Message);
            }
        }, iter: 400, seed: "0N0XIzNsQ0O2");
    }

    private static byte[] Chunk(string type, byte[] data)
    {
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(chunk, (uint)data.Length);
        System.Text.Encoding.ASCII.GetBytes(type).CopyTo(chunk, 4);
        data.CopyTo(chunk, 8);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), System.IO.Hashing.Crc32.HashToUInt32(chunk.AsSpan(4, 4 + data.Length)));
        return chunk;
    }

    private static byte[] Zlib(int zeros)
    {
        using var output = new MemoryStream();
        using (var z = new ZLibStream(output, CompressionLevel.SmallestSize))
        {
            var block = new byte[1 << 20];
            for (int left = zeros; left > 0; left -= block.Length)
                z.Write(block, 0, Math.Min(block.Length, left));
        }
        return output.ToArray();
    }

    /// <summary>The valid PNG with <paramref name="chunks"/> inserted after IHDR (8 + 25 bytes).</summary>
    private static byte[] PngWith(params byte[][] chunks) =>
        Valid["png"][..33].Concat(chunks.SelectMany(c => c)).Concat(Valid["png"][33..]).ToArray();

    [Theory]
    [InlineData("zTXt")]
    [InlineData("iTXt")]
    [InlineData("iCCP")]
    public void Compressed_metadata_that_inflates_past_the_limit_is_refused_without_inflating_it(string type)
    {
        byte[] bomb = Zlib(64 << 20);   // 64 MiB of zeros in about 64 KiB
        byte[] prefix = type switch
        {
            "zTXt" => "Comment\0\0"u8.ToArray(),
            "iTXt" => "Comment\0\u0001\0\0\0"u8.ToArray(),   // keyword, compressed, method, language, translated keyword
            _ => "profile\0\0"u8.ToArray(),
        };
        byte[] file = PngWith(Chunk(type, prefix.Concat(bomb).ToArray()));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<UserErrorException>(() => ImageIO.Decode("bomb.png", file));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains($"its metadata ({type} chunk) inflates to more than the 16 MiB limit", e.Message);
        Assert.True(allocated < 8 << 20, $"refusing the bomb allocated {allocated:N0} bytes");
    }

    [Fact]
    public void Metadata_under_the_limit_is_read_and_the_limit_can_be_raised()
    {
        byte[] text = PngWith(Chunk("zTXt", "Comment\0\0"u8.ToArray().Concat(Zlib(2 << 20)).ToArray()));
        Assert.Equal(40, ImageIO.Decode("text.png", text).Width);
        Assert.Throws<UserErrorException>(() => ImageIO.Decode("text.png", text, maxMetadataBytes: 1 << 20));
        // Eight chunks of 2 MiB each: the limit counts them all.
        byte[] eight = PngWith(Enumerable.Repeat(Chunk("zTXt", "Comment\0\0"u8.ToArray().Concat(Zlib(3 << 20)).ToArray()), 8).ToArray());
        Assert.Throws<UserErrorException>(() => ImageIO.Decode("eight.png", eight));
        Assert.Equal(40, ImageIO.Decode("eight.png", eight, maxMetadataBytes: 32 << 20).Width);
    }

    [Fact]
    public void A_bmp_header_claiming_more_pixels_than_the_file_holds_is_truncated()
    {
        byte[] header = Valid["bmp"][..54];
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(18), 50000);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(22), 2000);
        byte[] file = header.Concat(new byte[64]).ToArray();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<UserErrorException>(() => ImageIO.Decode("liar.bmp", file));
        Assert.Equal("'liar.bmp': truncated BMP file (50000x2000 at 24 bits needs 300,000,054 bytes, the file has 118)", e.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 8 << 20);
    }

    [Fact]
    public void A_webp_extended_header_is_held_to_the_size_limit_by_its_canvas()
    {
        // RIFF WEBP { VP8X (canvas 20000 x 20000), the valid file's VP8L chunk }.
        byte[] valid = Valid["webp"];
        byte[] vp8l = valid[12..];
        var vp8x = new byte[18];
        "VP8X"u8.CopyTo(vp8x);
        BinaryPrimitives.WriteUInt32LittleEndian(vp8x.AsSpan(4), 10);
        foreach (int at in new[] { 12, 15 })
        {
            vp8x[at] = (20000 - 1) & 0xFF;
            vp8x[at + 1] = ((20000 - 1) >> 8) & 0xFF;
            vp8x[at + 2] = 0;
        }
        byte[] body = "WEBP"u8.ToArray().Concat(vp8x).Concat(vp8l).ToArray();
        byte[] file = "RIFF"u8.ToArray().Concat(BitConverter.GetBytes((uint)body.Length)).Concat(body).ToArray();
        var e = Assert.Throws<UserErrorException>(() => ImageIO.Decode("canvas.webp", file));
        Assert.Contains("20000x20000 is 400,000,000 pixels, above the limit of 100,000,000 (--max-megapixels 100)", e.Message);
    }

    [Theory]
    [InlineData(10001, 10000, 100_000_000, "10001x10000 is 100,010,000 pixels, above the limit of 100,000,000 (--max-megapixels 100)")]
    [InlineData(160, 120, 10_000, "160x120 is 19,200 pixels, above the limit of 10,000 (--max-megapixels 0.01)")]
    public void The_size_limit_message_gives_exact_numbers(int width, int height, long limit, string expected)
    {
        // A PNG header that declares the size, with an empty IDAT: refused from the header alone.
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;
        ihdr[9] = 2;
        byte[] file = Valid["png"][..8].Concat(Chunk("IHDR", ihdr)).Concat(Chunk("IDAT", Zlib(0))).Concat(Chunk("IEND", Array.Empty<byte>())).ToArray();
        var e = Assert.Throws<UserErrorException>(() => ImageIO.Decode("big.png", file, maxPixels: limit));
        Assert.Equal($"'big.png': {expected}", e.Message);
    }

    [Fact]
    public void A_bilevel_tiff_without_BitsPerSample_decodes_as_the_specification_says()
    {
        // TIFF 6.0: BitsPerSample defaults to 1; Pillow leaves it out; ImageSharp 2.1 requires it.
        // 8 x 2, BlackIsZero, one uncompressed strip: 10101010 / 11110000.
        var entries = new (ushort Tag, ushort Type, uint Value)[]
        {
            (256, 3, 8), (257, 3, 2), (259, 3, 1), (262, 3, 1), (273, 4, 8 + 2 + 7 * 12 + 4), (278, 3, 2), (279, 4, 2),
        };
        var file = new List<byte>("II*\0"u8.ToArray());
        file.AddRange(BitConverter.GetBytes(8u));
        file.AddRange(BitConverter.GetBytes((ushort)entries.Length));
        foreach (var (tag, type, value) in entries)
        {
            file.AddRange(BitConverter.GetBytes(tag));
            file.AddRange(BitConverter.GetBytes(type));
            file.AddRange(BitConverter.GetBytes(1u));
            file.AddRange(type == 3 ? BitConverter.GetBytes((ushort)value).Concat(new byte[2]) : BitConverter.GetBytes(value));
        }
        file.AddRange(BitConverter.GetBytes(0u));
        file.AddRange(new byte[] { 0b1010_1010, 0b1111_0000 });
        ImageData image = ImageIO.Decode("bilevel.tif", file.ToArray());
        Assert.Equal((8, 2), (image.Width, image.Height));
        byte[] expected = { 255, 0, 255, 0, 255, 0, 255, 0, 255, 255, 255, 255, 0, 0, 0, 0 };
        Assert.Equal(expected, Enumerable.Range(0, 16).Select(p => image.Rgb8![p * 3]).ToArray());
    }

    [Fact]
    public void Decoder_internals_do_not_reach_the_message()
    {
        // Messages that say nothing to a user ("Index was outside the bounds of the array") are replaced.
        foreach (string format in Valid.Keys)
            for (int seed = 0; seed < 40; seed++)
            {
                byte[] bytes = (byte[])Valid[format].Clone();
                var random = new Random(seed);
                for (int i = 0; i < 6; i++)
                    bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                try
                {
                    ImageIO.Decode("x." + format, bytes, maxPixels: 4_000_000);
                }
                catch (UserErrorException e)
                {
                    Assert.DoesNotContain("Index was outside", e.Message);
                    Assert.DoesNotContain("Sequence contains", e.Message);
                    Assert.DoesNotContain("Nullable object", e.Message);
                    Assert.DoesNotContain("Object reference", e.Message);
                }
            }
    }
}
