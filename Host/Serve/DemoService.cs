using System.Collections.Concurrent;
using System.Security.Cryptography;
using ColorKernels.Engine;
using ColorKernels.Engine.Color;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Som;
using ColorKernels.Engine.Tensors;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Processing;

namespace ColorKernels.Host.Serve;

/// <summary>A model the demo offers: its id in the API, what the page shows, and its colourizers by input size.</summary>
internal sealed class DemoModel : IDisposable
{
    private readonly ConcurrentDictionary<int, IColorizer> bySize = new();
    private readonly ComputeDevice device;

    public DemoModel(ComputeDevice device, string id, string name, ModelFile file, string path)
    {
        this.device = device;
        Id = id;
        Name = name;
        File = file;
        Path = path;
        Method = Colorizer.MethodOf(file, path);
        DefaultSize = Colorizer.PreferredSize(file);
        Default = Colorizer.Open(device, file, path);
    }

    public string Id { get; }
    public string Name { get; }
    public ModelFile File { get; }
    public string Path { get; }
    public ColorizationMethod Method { get; }
    public int DefaultSize { get; }
    public IColorizer Default { get; }

    /// <summary>The palette's ab colours, a and b interleaved: what a pixel's distribution is over (empty for a regression head).</summary>
    public IReadOnlyList<float> Palette => Default.Palette;

    /// <summary>Palette entries (313 ECCV16 bins, a map's codewords; 0: a regression head, no distribution).</summary>
    public int Classes => Palette.Count / 2;

    public bool HasDistribution => Classes > 0;

    /// <summary>The decode temperature when a request gives none (null: a regression head or the hint network, whose colours are ab itself).</summary>
    public float? Temperature => HasDistribution && Method != ColorizationMethod.HintNetwork ? Default.Temperature : null;

    /// <summary>sRGB hex of each palette colour at L = 65, for the distribution plot (made on first use).</summary>
    public string[]? Swatches { get; set; }

    /// <summary>The colourizer at <paramref name="size"/>: the ECCV16 input size, the SOM + MLP working size (both as ColorizerOptions.Size).</summary>
    public IColorizer At(int? size)
    {
        if (size is null || size == DefaultSize)
            return Default;
        NetworkInputSize.Check(size.Value, "size", NetworkInputSize.PageMin, NetworkInputSize.PageMax);
        if (bySize.Count >= 4 && !bySize.ContainsKey(size.Value))
            throw new DemoException(400, $"size {size}: this server keeps 4 sizes besides the model's own ({DefaultSize}); use one of {string.Join(", ", bySize.Keys.Append(DefaultSize).Order())}");
        return bySize.GetOrAdd(size.Value, Open);
    }

    private IColorizer Open(int size) => Colorizer.Open(device, File, Path, new ColorizerOptions { Size = size });

    public void Dispose()
    {
        Default.Dispose();
        foreach (IColorizer c in bySize.Values)
            c.Dispose();
    }
}

/// <summary>A picture a client uploaded, kept for re-decoding, the distribution and the SOM view.</summary>
internal sealed class Picture
{
    public required string Id { get; init; }
    public required ImageData Original { get; init; }

    /// <summary>Whether the upload had colour (then it is the truth the page compares against).</summary>
    public required bool IsColour { get; init; }

    /// <summary>The last prediction made for it (on the device; its colourizer is <c>Prediction.Owner</c>), disposed when replaced or when the picture is dropped.</summary>
    public Prediction? Prediction { get; set; }
}

/// <summary>
/// Everything the web demo does on the device: the models, the pictures kept, and each API operation as
/// one job on the <see cref="DeviceQueue"/>. Decoding uploads, colourizing, the annealed mean, Lab and
/// the SOM all run through the engine's kernels; the host only moves bytes and formats JSON.
/// </summary>
internal sealed class DemoService : IDisposable
{
    private readonly ConcurrentDictionary<string, Picture> pictures = new();
    private readonly ConcurrentQueue<string> order = new();
    private readonly List<DemoModel> models = new();

    public DemoService(ComputeDevice device, ServeOptions options)
    {
        Device = device;
        Options = options;
        Queue = new DeviceQueue(options.QueueCapacity, options.RequestTimeout);
        Films = new DemoFilms(device);
        try
        {
            Add("default", DefaultModel.Name, ModelFile.DefaultName);
            foreach (string path in options.Models)
            {
                string id = System.IO.Path.GetFileNameWithoutExtension(path).ToLowerInvariant();
                id = new string(id.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-').ToArray());
                string unique = id;
                for (int n = 2; models.Any(m => m.Id == unique); n++)
                    unique = $"{id}-{n}";
                Add(unique, System.IO.Path.GetFileName(path), path);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private void Add(string id, string name, string path) => models.Add(new DemoModel(Device, id, name, ModelFile.Open(path), path));

    public ComputeDevice Device { get; }
    public ServeOptions Options { get; }
    public DeviceQueue Queue { get; }
    public IReadOnlyList<DemoModel> Models => models;

    /// <summary>The films the page opened (issue #40).</summary>
    public DemoFilms Films { get; }

    public DemoModel Model(string? id) =>
        string.IsNullOrEmpty(id) ? models[0]
        : models.FirstOrDefault(m => m.Id == id) ?? throw new DemoException(404, $"model '{id}': not one of {string.Join(", ", models.Select(m => m.Id))} (GET /api/models)");

    public Picture Get(string? id) =>
        string.IsNullOrEmpty(id) ? throw new DemoException(400, "no picture: send one in the request body (or as the multipart field 'image'), or name a kept one with picture=ID")
        : pictures.TryGetValue(id, out Picture? p) ? p
        : throw new DemoException(404, $"picture '{id}': not kept here (it may have been dropped for newer ones); upload it again");

    /// <summary>The request's picture: an upload (decoded with the CLI's limits, then kept), else the kept picture <paramref name="id"/> names.</summary>
    public Picture Take(byte[]? upload, string? id)
    {
        Picture picture = upload is null ? Get(id) : Keep(ImageIO.Decode("upload", upload, Options.MaxPixels));
        // Only the picture in use keeps its full-resolution Lab for fast re-decodes (steering clicks one picture
        // many times): another's is made again when it is used (one conversion), so a kept picture costs its
        // RGB (3 bytes a pixel) and its prediction, and at most one picture its Lab (12 bytes a pixel) more.
        foreach (Picture other in pictures.Values)
            if (!ReferenceEquals(other, picture))
                other.Prediction?.ReleaseLab();
        return picture;
    }

    /// <summary>Keeps a decoded upload (dropping the oldest past the pixel budget) and says whether it has colour.</summary>
    public Picture Keep(ImageData image)
    {
        // Colour, by the ab of a sample of its pixels (Lab on the device): mean chroma above 2 units.
        float[] ab = SomMap.SampleColours(Device, image, 4096, 1);
        int n = ab.Length / 2;
        double chroma = 0;
        for (int i = 0; i < n; i++)
            chroma += Math.Sqrt(ab[i] * ab[i] + ab[n + i] * ab[n + i]);
        var picture = new Picture { Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)), Original = image, IsColour = n > 0 && chroma / n > 2 };
        pictures[picture.Id] = picture;
        order.Enqueue(picture.Id);
        while ((pictures.Count > Options.KeptPictures || pictures.Values.Sum(p => (long)p.Original.Pixels) > Options.KeptPixels)
               && order.Count > 1 && order.TryDequeue(out string? oldest))
            if (pictures.TryRemove(oldest, out Picture? dropped))
                dropped.Prediction?.Dispose();
        return picture;
    }

    /// <summary>Colours a kept picture: the model runs only when this colourizer has not predicted it yet; the prediction is decoded at the temperature.</summary>
    public (ImageData Image, bool NetworkRan, float? Temperature) Colorize(Picture picture, DemoModel model, int? size, float? temperature,
        IReadOnlyList<ColorHint>? hints = null, ColorPalette? palette = null)
    {
        IColorizer colorizer = model.At(size);
        if (palette is not null && !model.HasDistribution)
            throw CodebookColorizer.NoDistribution($"model '{model.Id}'", forPalette: true);
        var (prediction, ran) = Predict(picture, colorizer);
        float t = temperature ?? colorizer.Temperature;
        return (colorizer.Decode(prediction, t, hints, palette), ran, model.Temperature is null ? null : t);
    }

    /// <summary>A colour photo's palette (its ab histogram, <see cref="ColorPalette.FromImage"/>) with a swatch per colour, heaviest first.</summary>
    public object Palette(ImageData photo)
    {
        ColorPalette palette = ColorPalette.FromImage(Device, photo);
        var colours = palette.Colors.OrderByDescending(c => c.Weight).ToList();
        string[] swatches = Swatches(colours.Select(c => (c.A, c.B)).ToList());
        double total = colours.Sum(c => c.Weight);
        return new { colors = colours.Select((c, i) => new { a = c.A, b = c.B, weight = c.Weight / total, rgb = swatches[i] }).ToArray() };
    }

    private (Prediction Prediction, bool Ran) Predict(Picture picture, IColorizer colorizer)
    {
        if (picture.Prediction is { } kept && ReferenceEquals(kept.Owner, colorizer))
            return (kept, false);
        Prediction prediction = colorizer.Predict(picture.Original);
        picture.Prediction?.Dispose();
        picture.Prediction = prediction;
        return (prediction, true);
    }

    public ImageData Grey(Picture picture) => Desaturation.Desaturate(Device, picture.Original);

    /// <summary>
    /// One pixel's distribution over the model's palette (313 bins, or a map's codewords; temperature 1), the
    /// colour it decodes to at <paramref name="temperature"/>, and its true ab when the upload had colour.
    /// </summary>
    public object Distribution(Picture picture, DemoModel model, int? size, int x, int y, float? temperature)
    {
        if (!model.HasDistribution)
            throw CodebookColorizer.NoDistribution($"model '{model.Id}'", forPalette: false);
        if (x < 0 || y < 0 || x >= picture.Original.Width || y >= picture.Original.Height)
            throw new DemoException(400, $"pixel ({x}, {y}): outside the {picture.Original.Width}x{picture.Original.Height} picture");
        IColorizer colorizer = model.At(size);
        var (prediction, ran) = Predict(picture, colorizer);
        PixelDistribution d = colorizer.Distribution(prediction, x, y, temperature);
        model.Swatches ??= Swatches(Pairs(d.Palette).ToList());
        float[]? truth = picture.IsColour ? PixelAb(picture.Original, x, y) : null;
        string[] swatches = Swatches(truth is null ? new[] { (d.A, d.B) } : new[] { (d.A, d.B), (truth[0], truth[1]) });
        return new
        {
            picture = picture.Id, model = model.Id, method = MethodName(model.Method), x, y, temperature = d.Temperature, networkRan = ran,
            cell = new { x = d.CellX, y = d.CellY, width = (prediction.ClassHead ?? prediction).Width, height = (prediction.ClassHead ?? prediction).Height },
            bins = Enumerable.Range(0, d.Probabilities.Length).Select(q => new { a = d.Palette[2 * q], b = d.Palette[2 * q + 1], p = d.Probabilities[q], rgb = model.Swatches[q] }).ToArray(),
            mean = new { a = d.A, b = d.B, rgb = swatches[0] },
            truth = truth is null ? null : new { a = truth[0], b = truth[1], rgb = swatches[1] },
        };
    }

    /// <summary>The API's name of a method (as model files name their architecture).</summary>
    public static string MethodName(ColorizationMethod method) => method switch { ColorizationMethod.SomMlp => SomMlpModel.ArchitectureName, ColorizationMethod.None => NoModelColorizer.Name,
        ColorizationMethod.HintNetwork => Siggraph17Architecture.ArchitectureName, _ => Eccv16Architecture.ArchitectureName };

    /// <summary>SOMs of each grid size fitted to the picture's own ab (it must have colour), and the picture quantised with each.</summary>
    public object Som(Picture picture, IReadOnlyList<(int W, int H)> grids)
    {
        if (!picture.IsColour)
            throw new DemoException(400, "the SOM view needs a colour photo: a greyscale one has no ab to quantise");
        ImageData preview = Preview(picture.Original, 640);
        float[] samples = SomMap.SampleColours(Device, picture.Original, 20_000, 1);
        var maps = new List<object>();
        foreach (var (w, h) in grids)
        {
            SomMap map = SomMap.Fit(Device, samples, w, h, epochs: 30, seed: 1);
            SomQuality quality = map.Evaluate(Device, samples);
            float[] book = map.Codebook;
            string[] swatches = Swatches(Pairs(book).ToList());
            maps.Add(new
            {
                grid = $"{w}x{h}",
                codewords = Enumerable.Range(0, map.Neurons).Select(j => new { a = book[2 * j], b = book[2 * j + 1], rgb = swatches[j] }).ToArray(),
                quantizationError = quality.QuantizationError,
                image = "data:image/png;base64," + Convert.ToBase64String(Encode(map.Quantize(Device, preview), "png")),
            });
        }
        return new { picture = picture.Id, maps };
    }

    /// <summary>The picture at most <paramref name="width"/> wide (for views that need no more).</summary>
    private static ImageData Preview(ImageData image, int width)
    {
        if (image.Width <= width)
            return image;
        using var converted = ImageIO.ToImage(image);
        converted.Mutate(c => c.Resize(width, Math.Max(1, (int)Math.Round((double)image.Height * width / image.Width))));
        return ImageIO.FromImage(converted);
    }

    /// <summary>The ab of one pixel (Lab on the device, for that pixel alone).</summary>
    private float[] PixelAb(ImageData image, int x, int y)
    {
        int p = y * image.Width + x;
        ImageData pixel = image.Rgb8 is { } rgb
            ? ImageData.FromRgb8(1, 1, new[] { rgb[3 * p], rgb[3 * p + 1], rgb[3 * p + 2] })
            : ImageData.FromPlanar16(1, 1, new[] { image.RgbPlanar![p], image.RgbPlanar[image.Pixels + p], image.RgbPlanar[2 * image.Pixels + p] });
        using Tensor<float> lab = Device.Allocate<float>("lab", Shape.Nchw(1, 3, 1, 1));
        LabOps.ImageToLab(Device, pixel, lab);
        float[] values = lab.Download();
        return new[] { values[1], values[2] };
    }

    /// <summary>A palette or codebook [N, 2] (a, b interleaved) as ab pairs.</summary>
    private static IEnumerable<(float A, float B)> Pairs(IReadOnlyList<float> book) =>
        Enumerable.Range(0, book.Count / 2).Select(j => (book[2 * j], book[2 * j + 1]));

    /// <summary>sRGB hex colours of ab pairs at lightness 65 (one Lab to sRGB conversion on the device, a 1 x n picture).</summary>
    private string[] Swatches(IReadOnlyList<(float A, float B)> colours)
    {
        int n = colours.Count;
        var lab = new float[3 * n];
        for (int i = 0; i < n; i++)
            (lab[i], lab[n + i], lab[2 * n + i]) = (65f, colours[i].A, colours[i].B);
        using Tensor<float> tensor = Device.Upload("swatches", Shape.Nchw(1, 3, 1, n), lab);
        byte[] rgb = LabOps.LabToImage(Device, ImageData.FromRgb8(n, 1, new byte[3 * n]), tensor).Rgb8!;
        return Enumerable.Range(0, n).Select(i => $"#{rgb[3 * i]:x2}{rgb[3 * i + 1]:x2}{rgb[3 * i + 2]:x2}").ToArray();
    }

    /// <summary>PNG or JPEG bytes of a picture.</summary>
    public static byte[] Encode(ImageData image, string format)
    {
        using var converted = ImageIO.ToImage(image);
        using var stream = new MemoryStream();
        if (format == "jpeg")
            converted.SaveAsJpeg(stream, new SixLabors.ImageSharp.Formats.Jpeg.JpegEncoder { Quality = 92 });
        else
            converted.SaveAsPng(stream);
        return stream.ToArray();
    }

    public void Dispose()
    {
        foreach (Picture p in pictures.Values)
            p.Prediction?.Dispose();
        foreach (DemoModel m in models)
            m.Dispose();
    }
}
