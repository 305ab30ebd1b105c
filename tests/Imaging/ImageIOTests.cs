using System.IO.Compression;
using System.Text;
using ColorKernels.Engine;
using ColorKernels.Engine.Color;
using ColorKernels.Engine.Imaging;
using ColorKernels.Tests.Support;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace ColorKernels.Tests.Imaging;

public sealed class ImageIOTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("ck-io-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string PathOf(string name) => System.IO.Path.Combine(dir, name);

    private static Image<Rgba32> Gradient(int w, int h, byte alpha = 255)
    {
        var image = new Image<Rgba32>(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                image[x, y] = new Rgba32((byte)(x * 255 / Math.Max(1, w - 1)), (byte)(y * 255 / Math.Max(1, h - 1)), (byte)((x + y) * 7), alpha);
        return image;
    }

    [Theory]
    [InlineData("a.png")]
    [InlineData("a.bmp")]
    [InlineData("a.tif")]
    public void Lossless_formats_round_trip_exactly(string name)
    {
        string path = PathOf(name);
        using (Image<Rgba32> image = Gradient(33, 17))
            image.Save(path);
        ImageData data = ImageIO.Load(path);
        Assert.Equal((33, 17), (data.Width, data.Height));
        Assert.False(data.SixteenBit);
        Assert.False(data.HasAlpha);

        string copy = PathOf("copy" + System.IO.Path.GetExtension(name));
        ImageIO.Save(copy, data);
        Assert.Equal(data.Rgb8, ImageIO.Load(copy).Rgb8);
    }

    [Theory]
    [InlineData("a.jpg", 12)]
    [InlineData("a.webp", 20)]
    [InlineData("a.gif", 24)]
    public void Lossy_and_palette_formats_load_and_save(string name, int tolerance)
    {
        // A gentle gradient written with ImageSharp's default encoders (JPEG and WebP at quality 75, GIF through
        // a 256-colour palette). Tolerance: JPEG moves such a gradient by a few codes (12 allowed), lossy WebP
        // by up to ~15 (its YUV conversion is coarser; 20 allowed);
        // palette quantisation by up to about half a palette step (24 allowed).
        string path = PathOf(name);
        using var original = new Image<Rgba32>(31, 32);
        for (int y = 0; y < 32; y++)
            for (int x = 0; x < 31; x++)
                original[x, y] = new Rgba32((byte)(60 + x * 3), (byte)(90 + y * 2), 140);
        original.Save(path);
        ImageData data = ImageIO.Load(path);
        for (int y = 0; y < 32; y++)
            for (int x = 0; x < 31; x++)
            {
                int i = (y * 31 + x) * 3;
                Assert.InRange(Math.Abs(data.Rgb8![i] - original[x, y].R), 0, tolerance);
                Assert.InRange(Math.Abs(data.Rgb8![i + 1] - original[x, y].G), 0, tolerance);
                Assert.InRange(Math.Abs(data.Rgb8![i + 2] - original[x, y].B), 0, tolerance);
            }
        string copy = PathOf("copy" + System.IO.Path.GetExtension(name));
        ImageIO.Save(copy, data);
        ImageData again = ImageIO.Load(copy);
        Assert.Equal((31, 32), (again.Width, again.Height));
    }

    [Fact]
    public void Sixteen_bit_png_keeps_its_precision_through_load_and_save()
    {
        string path = PathOf("deep.png");
        using (var image = new Image<Rgba64>(5, 3))
        {
            for (int y = 0; y < 3; y++)
                for (int x = 0; x < 5; x++)
                    image[x, y] = new Rgba64((ushort)(1000 + x * 3 + y), (ushort)(40000 + x), (ushort)(123 * y + 1), ushort.MaxValue);
            image.Save(path, new PngEncoder { BitDepth = PngBitDepth.Bit16, ColorType = PngColorType.Rgb });
        }
        ImageData data = ImageIO.Load(path);
        Assert.True(data.SixteenBit);
        Assert.Equal(1001 / 65535f, data.RgbPlanar![5], 6);   // pixel (0, 1), red: not representable in 8 bits

        string copy = PathOf("deep-copy.png");
        ImageIO.Save(copy, data);
        using Image<Rgba64> back = Image.Load<Rgba64>(copy);
        Assert.Equal(1001, back[0, 1].R);
        Assert.Equal(40004, back[4, 2].G);
        Assert.Equal(PngBitDepth.Bit16, Image.Identify(copy).Metadata.GetPngMetadata().BitDepth);
    }

    [Fact]
    public void Animated_gif_loads_its_first_frame()
    {
        string path = PathOf("anim.gif");
        using (var image = new Image<Rgba32>(6, 4, new Rgba32(255, 0, 0)))
        {
            using var second = new Image<Rgba32>(6, 4, new Rgba32(0, 0, 255));
            image.Frames.AddFrame(second.Frames.RootFrame);
            image.Save(path);
        }
        Assert.Equal(2, Image.Load<Rgba32>(path).Frames.Count);
        ImageData data = ImageIO.Load(path);
        Assert.Equal((6, 4), (data.Width, data.Height));
        Assert.True(data.Rgb8![0] > 200 && data.Rgb8[2] < 50, "first frame is red");
    }

    [Fact]
    public void Grey_png_loads_as_equal_channels()
    {
        string path = PathOf("grey.png");
        using (var image = new Image<L8>(4, 4))
        {
            image[1, 2] = new L8(77);
            image.Save(path);
        }
        ImageData data = ImageIO.Load(path);
        int i = (2 * 4 + 1) * 3;
        Assert.Equal(new byte[] { 77, 77, 77 }, data.Rgb8![i..(i + 3)]);
    }

    [Fact]
    public void Alpha_is_carried_through_desaturation_and_written_back()
    {
        string path = PathOf("rgba.png");
        using (Image<Rgba32> image = Gradient(9, 7, alpha: 100))
        {
            image[3, 3] = new Rgba32(200, 10, 10, 0);
            image.Save(path);
        }
        ImageData data = ImageIO.Load(path);
        Assert.True(data.HasAlpha);
        ImageData grey = Desaturation.Desaturate(TestDevices.Get("cpu:0"), data);
        string output = PathOf("grey.png");
        ImageIO.Save(output, grey);
        using Image<Rgba32> back = Image.Load<Rgba32>(output);
        Assert.Equal(0, back[3, 3].A);
        Assert.Equal(100, back[0, 0].A);
        Assert.Equal(back[5, 2].R, back[5, 2].G);

        // A format without alpha simply drops it.
        ImageIO.Save(PathOf("grey.jpg"), grey);
        Assert.False(ImageIO.Load(PathOf("grey.jpg")).HasAlpha);
    }

    [Fact]
    public void Cmyk_jpeg_is_converted_to_rgb()
    {
        ImageData data = ImageIO.Load(TestData.Fixture("cmyk.jpg"));
        Assert.Equal((8, 6), (data.Width, data.Height));
        string[] rows = File.ReadAllLines(TestData.Fixture("cmyk.expected.txt"));
        // Tolerance 24: PIL's naive RGB->CMYK conversion round-trips exactly, but JPEG chroma
        // subsampling of an 8x6 picture with steep gradients moves values by up to ~20 codes.
        for (int y = 0; y < 6; y++)
        {
            string[] pixels = rows[y].Split(' ');
            for (int x = 0; x < 8; x++)
            {
                int[] expected = pixels[x].Split(',').Select(int.Parse).ToArray();
                for (int c = 0; c < 3; c++)
                    Assert.InRange(data.Rgb8![(y * 8 + x) * 3 + c], expected[c] - 24, expected[c] + 24);
            }
        }
    }

    [Fact]
    public void Exif_orientation_is_applied()
    {
        // Stored 32 wide, 16 high: left half red, right half blue. Orientation 6 means "rotate 90 degrees
        // clockwise to display", so the displayed picture is 16 x 32 with red on top.
        string path = PathOf("rotated.jpg");
        using (var image = new Image<Rgba32>(32, 16))
        {
            for (int y = 0; y < 16; y++)
                for (int x = 0; x < 32; x++)
                    image[x, y] = x < 16 ? new Rgba32(255, 0, 0) : new Rgba32(0, 0, 255);
            image.Metadata.ExifProfile = new ExifProfile();
            image.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)6);
            image.Save(path, new JpegEncoder { Quality = 95 });
        }
        ImageData data = ImageIO.Load(path);
        Assert.Equal((16, 32), (data.Width, data.Height));
        int top = (4 * 16 + 8) * 3, bottom = (28 * 16 + 8) * 3;
        Assert.True(data.Rgb8![top] > 200 && data.Rgb8[top + 2] < 50, "top should be red");
        Assert.True(data.Rgb8![bottom] < 50 && data.Rgb8[bottom + 2] > 200, "bottom should be blue");
    }

    [Fact]
    public void One_pixel_image_works()
    {
        string path = PathOf("one.png");
        using (var image = new Image<Rgba32>(1, 1))
        {
            image[0, 0] = new Rgba32(10, 200, 30);
            image.Save(path);
        }
        ImageData grey = Desaturation.Desaturate(TestDevices.Get("cpu:0"), ImageIO.Load(path));
        Assert.Equal(grey.Rgb8![0], grey.Rgb8[1]);
        Assert.Equal(grey.Rgb8[1], grey.Rgb8[2]);
    }

    [Theory]
    [InlineData("cut.png")]
    [InlineData("cut.jpg")]
    public void Truncated_file_is_an_error_that_names_it(string name)
    {
        string whole = PathOf("whole" + System.IO.Path.GetExtension(name));
        using (Image<Rgba32> image = Gradient(64, 64))
            image.Save(whole);
        byte[] bytes = File.ReadAllBytes(whole);
        string path = PathOf(name);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<UserErrorException>(() => ImageIO.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Every_truncation_of_a_small_png_is_refused()
    {
        string whole = PathOf("small.png");
        using (Image<Rgba32> image = Gradient(5, 4))
            image.Save(whole);
        byte[] bytes = File.ReadAllBytes(whole);
        string path = PathOf("t.png");
        for (int length = 0; length < bytes.Length; length++)
        {
            File.WriteAllBytes(path, bytes[..length]);
            var e = Assert.Throws<UserErrorException>(() => ImageIO.Load(path));
            Assert.Contains(path, e.Message);
        }
    }

    [Fact]
    public void Empty_file_is_an_error()
    {
        string path = PathOf("empty.png");
        File.WriteAllBytes(path, Array.Empty<byte>());
        var e = Assert.Throws<UserErrorException>(() => ImageIO.Load(path));
        Assert.Contains("empty", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Text_file_named_png_is_an_error()
    {
        string path = PathOf("notes.png");
        File.WriteAllText(path, "this is not a picture\n");
        var e = Assert.Throws<UserErrorException>(() => ImageIO.Load(path));
        Assert.Contains("not a supported image", e.Message);
    }

    [Fact]
    public void Missing_file_is_an_error()
    {
        var e = Assert.Throws<UserErrorException>(() => ImageIO.Load(PathOf("nope.png")));
        Assert.Contains("no such file", e.Message);
    }

    [Fact]
    public void Huge_header_is_refused_before_decoding()
    {
        // A valid PNG header declaring 100000 x 100000 pixels (10 gigapixels) and no pixel data at all:
        // decoding would need 40 GB, so only a header check can answer quickly.
        string path = PathOf("huge.png");
        File.WriteAllBytes(path, PngWithHeader(100_000, 100_000));
        var e = Assert.Throws<UserErrorException>(() => ImageIO.Load(path));
        Assert.Contains("100000x100000", e.Message);
        Assert.Contains("megapixels", e.Message);
    }

    [Fact]
    public void Pixel_limit_is_configurable()
    {
        string path = PathOf("ten.png");
        using (Image<Rgba32> image = Gradient(10, 10))
            image.Save(path);
        Assert.Throws<UserErrorException>(() => ImageIO.Load(path, maxPixels: 99));
        Assert.Equal(10, ImageIO.Load(path, maxPixels: 100).Width);
    }

    [Fact]
    public void Unwritable_output_folder_is_an_error_and_leaves_nothing_behind()
    {
        // The "folder" is a regular file, which no user (root included) can create entries in.
        string notAFolder = PathOf("file");
        File.WriteAllText(notAFolder, "x");
        ImageData data = ImageData.FromRgb8(1, 1, new byte[] { 1, 2, 3 });
        var e = Assert.Throws<UserErrorException>(() => ImageIO.Save(System.IO.Path.Combine(notAFolder, "out.png"), data));
        Assert.Contains("cannot write", e.Message);
        Assert.Single(Directory.GetFileSystemEntries(dir));
    }

    [Fact]
    public void Save_replaces_atomically_and_leaves_no_temporary_file()
    {
        string path = PathOf("out.png");
        File.WriteAllText(path, "old");
        ImageIO.Save(path, ImageData.FromRgb8(2, 1, new byte[] { 1, 2, 3, 4, 5, 6 }));
        Assert.Equal(2, ImageIO.Load(path).Width);
        Assert.Equal(new[] { path }, Directory.GetFiles(dir));
    }

    [Fact]
    public void Unknown_output_extension_is_an_error()
    {
        var e = Assert.Throws<UserErrorException>(() => ImageIO.Save(PathOf("out.xyz"), ImageData.FromRgb8(1, 1, new byte[3])));
        Assert.Contains(".xyz", e.Message);
        Assert.Empty(Directory.GetFiles(dir));
    }

    internal static byte[] PngWithHeader(int width, int height)
    {
        using var stream = new MemoryStream();
        stream.Write(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A });
        var ihdr = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;   // bit depth
        ihdr[9] = 2;   // colour type: RGB
        WriteChunk(stream, "IHDR", ihdr);
        WriteChunk(stream, "IEND", Array.Empty<byte>());
        return stream.ToArray();
    }

    private static void WriteChunk(Stream stream, string type, byte[] data)
    {
        var header = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header, data.Length);
        Encoding.ASCII.GetBytes(type).CopyTo(header, 4);
        stream.Write(header);
        stream.Write(data);
        var crcInput = header[4..].Concat(data).ToArray();
        var crc = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(crc, System.IO.Hashing.Crc32.HashToUInt32(crcInput));
        stream.Write(crc);
    }
}
