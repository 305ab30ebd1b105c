using System.Text.Json.Nodes;
using ColorKernels.Engine;
using ColorKernels.Engine.Models;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;

namespace ColorKernels.Fuzz;

/// <summary>
/// The committed seed corpus (tests/Fuzz/corpus), made here so it can be remade exactly:
/// <c>dotnet run --project tests/Fuzz -- seed tests/Fuzz/corpus</c>. Small files (AFL++ mutates small
/// inputs fastest): an 8x6 picture in every format and variant the reader handles, and one model of each
/// architecture.
/// </summary>
public static class Seeds
{
    public static int Write(string folder)
    {
        string images = Path.Combine(folder, "image"), models = Path.Combine(folder, "model");
        Directory.CreateDirectory(images);
        Directory.CreateDirectory(models);
        using var rgb = new Image<Rgb24>(8, 6);
        using var rgba = new Image<Rgba32>(8, 6);
        using var wide = new Image<Rgba64>(8, 6);
        for (int y = 0; y < 6; y++)
            for (int x = 0; x < 8; x++)
            {
                rgb[x, y] = new Rgb24((byte)(x * 30), (byte)(y * 40), (byte)(x * y * 5));
                rgba[x, y] = new Rgba32((byte)(x * 30), (byte)(y * 40), 90, (byte)(x * 30 + 10));
                wide[x, y] = new Rgba64((ushort)(x * 8000), (ushort)(y * 9000), 1000, 65535);
            }
        void Save(Image image, string name, IImageEncoder encoder) => image.Save(Path.Combine(images, name), encoder);
        Save(rgb, "rgb.jpg", new JpegEncoder { Quality = 80 });
        Save(rgb, "rgb.png", new PngEncoder());
        Save(rgba, "rgba.png", new PngEncoder { ColorType = PngColorType.RgbWithAlpha });
        Save(wide, "rgb16.png", new PngEncoder { BitDepth = PngBitDepth.Bit16 });
        Save(rgb, "palette.png", new PngEncoder { ColorType = PngColorType.Palette });
        Save(rgb, "rgb.gif", new GifEncoder());
        Save(rgb, "rgb24.bmp", new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel24 });
        Save(rgba, "rgba32.bmp", new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel32, SupportTransparency = true });
        Save(rgb, "lossless.webp", new WebpEncoder { FileFormat = WebpFileFormatType.Lossless });
        Save(rgb, "lossy.webp", new WebpEncoder { FileFormat = WebpFileFormatType.Lossy });
        Save(rgb, "rgb.tif", new TiffEncoder());
        Save(wide, "rgb16.tif", new TiffEncoder { BitsPerPixel = TiffBitsPerPixel.Bit48 });

        // A 2x2 map, 3x3 patches, one hidden layer of 4.
        var map = new Engine.Som.SomMap(2, 2, new float[] { -20, -20, -20, 20, 20, -20, 20, 20 });
        File.WriteAllBytes(Path.Combine(models, "som.ckm"), map.ToModelFile().ToBytes());
        var header = new JsonObject
        {
            ["architecture"] = Engine.Som.SomMlpModel.ArchitectureName, ["grid_w"] = 2, ["grid_h"] = 2, ["patch"] = 3,
            ["hidden"] = new JsonArray(4),
        };
        var random = new Random(1);
        float[] Values(int n) => Enumerable.Range(0, n).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var tensors = new List<StoredTensor>
        {
            new("codebook", new[] { 4, 2 }, new float[] { -20, -20, -20, 20, 20, -20, 20, 20 }),
            new("layer0.weight", new[] { 4, 9 }, Values(36)), new("layer0.bias", new[] { 4 }, Values(4)),
            new("layer1.weight", new[] { 4, 4 }, Values(16)), new("layer1.bias", new[] { 4 }, Values(4), TensorStorage.Float16),
        };
        File.WriteAllBytes(Path.Combine(models, "som-mlp.ckm"), new ModelFile(header, tensors).ToBytes());
        // The smallest eccv16 (width 1/64: 1 to 8 channels), float16.
        File.WriteAllBytes(Path.Combine(models, "eccv16.ckm"),
            NetworkInit.Create(NetworkConfig.Eccv16(1.0 / 64), 1, TensorStorage.Float16).ToBytes());
        // Uploads: the Content-Type line, then the body (a multipart form with the 8x6 PNG; a raw body).
        string uploads = Path.Combine(folder, "multipart");
        Directory.CreateDirectory(uploads);
        byte[] png = File.ReadAllBytes(Path.Combine(images, "rgb.png"));
        byte[] Form(string boundary, string extra) => System.Text.Encoding.ASCII.GetBytes(
                $"multipart/form-data; boundary={boundary}\n--{boundary}\r\n{extra}Content-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n")
            .Concat(png).Concat(System.Text.Encoding.ASCII.GetBytes($"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\ndefault\r\n--{boundary}--\r\n")).ToArray();
        File.WriteAllBytes(Path.Combine(uploads, "form"), Form("abc", ""));
        File.WriteAllBytes(Path.Combine(uploads, "form-header"), Form("x-y_z", "X-Note: 1\r\n"));
        File.WriteAllBytes(Path.Combine(uploads, "raw"), System.Text.Encoding.ASCII.GetBytes("image/png\n").Concat(png).ToArray());
        string names = Path.Combine(folder, "ffmpeg-args");
        Directory.CreateDirectory(names);
        foreach (var (file, name) in new[] { ("plain", "film.mp4"), ("concat", "concat:a.mp4|b.mp4"), ("url", "http://h/v.mkv"), ("option", "-f.webm"), ("dirs", "../a b/c'.AVI"), ("gif", "anim.gif") })
            File.WriteAllText(Path.Combine(names, file), name);
        foreach (string file in Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            Console.WriteLine($"{file}: {new FileInfo(file).Length:N0} bytes");
        return 0;
    }
}
