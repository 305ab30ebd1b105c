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
        // A SOM + MLP model is also used directly (its temperature per request, one pixel's class
        // probabilities): read once, and its colourizer wraps the same instance.
        Som = Method == ColorizationMethod.SomMlp ? SomMlpModel.FromModelFile(file, path) : null;
        Default = Som is null ? Open(DefaultSize) : Colorizer.Open(device, Som);
        Temperature = Default is Eccv16Colorizer e ? e.Temperature : Som?.Temperature;
        HasDistribution = Default is Eccv16Colorizer { HasDistribution: true } || Som is not null;
        Classes = Som?.Map.Neurons ?? Eccv16Config.Bins;
    }

    /// <summary>The SOM + MLP model itself (null for ECCV16).</summary>
    public SomMlpModel? Som { get; }

    /// <summary>What a pixel's distribution is over: 313 ab bins (ECCV16), or the map's codewords (SOM + MLP).</summary>
    public int Classes { get; }

    public string Id { get; }
    public string Name { get; }
    public ModelFile File { get; }
    public string Path { get; }
    public ColorizationMethod Method { get; }
    public int DefaultSize { get; }
    public float? Temperature { get; }
    public bool HasDistribution { get; }
    public IColorizer Default { get; }

    /// <summary>The colourizer at <paramref name="size"/> (ECCV16 input size; SOM + MLP models have one working size and ignore it).</summary>
    public IColorizer At(int? size)
    {
        if (Method != ColorizationMethod.Eccv16 || size is null || size == DefaultSize)
            return Default;
        if (size is < 32 or > 1024 || size % 8 != 0)
            throw new DemoException(400, $"size {size}: must be a multiple of 8 from 32 to 1024");
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

    /// <summary>The last ECCV16 prediction, with the model and size that made it.</summary>
    public (string Model, int Size, Eccv16Prediction Prediction)? Prediction { get; set; }
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
            float[,] centres = Eccv16Architecture.BinCentres;
            BinSwatches = Swatches(Enumerable.Range(0, Eccv16Config.Bins).Select(q => (centres[q, 0], centres[q, 1])).ToList());
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

    /// <summary>sRGB hex of each of the 313 bins at L = 65, for the distribution plot.</summary>
    public string[] BinSwatches { get; }

    public DemoModel Model(string? id) =>
        string.IsNullOrEmpty(id) ? models[0]
        : models.FirstOrDefault(m => m.Id == id) ?? throw new DemoException(404, $"model '{id}': not one of {string.Join(", ", models.Select(m => m.Id))} (GET /api/models)");

    public Picture Get(string? id) =>
        string.IsNullOrEmpty(id) ? throw new DemoException(400, "no picture: send one in the request body (or as the multipart field 'image'), or name a kept one with picture=ID")
        : pictures.TryGetValue(id, out Picture? p) ? p
        : throw new DemoException(404, $"picture '{id}': not kept here (it may have been dropped for newer ones); upload it again");

    /// <summary>The request's picture: an upload (decoded with the CLI's limits, then kept), else the kept picture <paramref name="id"/> names.</summary>
    public Picture Take(byte[]? upload, string? id) =>
        upload is null ? Get(id) : Keep(ImageIO.Decode("upload", upload, Options.MaxPixels));

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
            pictures.TryRemove(oldest, out _);
        return picture;
    }

    /// <summary>Colours a kept picture: ECCV16 runs the network only when this model and size have not seen it, then decodes at the temperature.</summary>
    public (ImageData Image, bool NetworkRan, float? Temperature) Colorize(Picture picture, DemoModel model, int? size, float? temperature)
    {
        if (model.Som is { } som)
            return (som.Colorize(Device, picture.Original, temperature), true, temperature ?? som.Temperature);
        IColorizer colorizer = model.At(size);
        if (colorizer is not Eccv16Colorizer eccv16)
            return (colorizer.Colorize(new[] { picture.Original })[0], true, null);
        var (prediction, ran) = Predict(picture, model, eccv16);
        float t = temperature ?? eccv16.Temperature;
        return (eccv16.Colorize(picture.Original, eccv16.Anneal(prediction, t)), ran, t);
    }

    private (Eccv16Prediction Prediction, bool Ran) Predict(Picture picture, DemoModel model, Eccv16Colorizer colorizer)
    {
        if (picture.Prediction is { } kept && kept.Model == model.Id && kept.Size == colorizer.Size)
            return (kept.Prediction, false);
        Eccv16Prediction prediction = colorizer.Predict(picture.Original);
        picture.Prediction = (model.Id, colorizer.Size, prediction);
        return (prediction, true);
    }

    public ImageData Grey(Picture picture) => Desaturation.Desaturate(Device, picture.Original);

    /// <summary>One pixel's distribution over the 313 bins (temperature 1), its annealed mean at <paramref name="temperature"/>, and its true ab when the upload had colour.</summary>
    public object Distribution(Picture picture, DemoModel model, int? size, int x, int y, float? temperature)
    {
        if (!model.HasDistribution)
            throw new DemoException(400, $"model '{model.Id}' has a regression head: it predicts ab directly, with no distribution");
        if (x < 0 || y < 0 || x >= picture.Original.Width || y >= picture.Original.Height)
            throw new DemoException(400, $"pixel ({x}, {y}): outside the {picture.Original.Width}x{picture.Original.Height} picture");
        if (model.Som is { } som)
            return SomDistribution(picture, model, som, x, y, temperature);
        var colorizer = (Eccv16Colorizer)model.At(size);
        var (prediction, ran) = Predict(picture, model, colorizer);
        float t = temperature ?? colorizer.Temperature;
        Eccv16Prediction annealed = colorizer.Anneal(prediction, t);
        // The network's grid cell under the pixel (the picture is resized to Size x Size, predicted at Size/4).
        int cx = Math.Min(prediction.Width - 1, (int)((x + 0.5) * prediction.Width / picture.Original.Width));
        int cy = Math.Min(prediction.Height - 1, (int)((y + 0.5) * prediction.Height / picture.Original.Height));
        int cells = prediction.Width * prediction.Height, cell = cy * prediction.Width + cx;
        float[,] centres = Eccv16Architecture.BinCentres;
        var bins = new object[Eccv16Config.Bins];
        for (int q = 0; q < bins.Length; q++)
            bins[q] = new { a = centres[q, 0], b = centres[q, 1], p = prediction.Probabilities![q * cells + cell], rgb = BinSwatches[q] };
        float meanA = annealed.Ab[cell], meanB = annealed.Ab[cells + cell];
        float[]? truth = picture.IsColour ? PixelAb(picture.Original, x, y) : null;
        string[] swatches = Swatches(truth is null ? new[] { (meanA, meanB) } : new[] { (meanA, meanB), (truth[0], truth[1]) });
        return new
        {
            picture = picture.Id, model = model.Id, method = "eccv16", x, y, temperature = t, networkRan = ran,
            cell = new { x = cx, y = cy, width = prediction.Width, height = prediction.Height },
            bins,
            mean = new { a = meanA, b = meanB, rgb = swatches[0] },
            truth = truth is null ? null : new { a = truth[0], b = truth[1], rgb = swatches[1] },
        };
    }

    /// <summary>A SOM + MLP model's view of one pixel: its probabilities over the map's codewords, the ab it decodes at the temperature, the true ab.</summary>
    private object SomDistribution(Picture picture, DemoModel model, SomMlpModel som, int x, int y, float? temperature)
    {
        float t = temperature ?? som.Temperature;
        var (probabilities, meanA, meanB) = som.Pixel(Device, picture.Original, x, y, t);
        float[] book = som.Map.Codebook;
        int n = som.Map.Neurons;
        float[] truth = picture.IsColour ? PixelAb(picture.Original, x, y) : Array.Empty<float>();
        // Codewords, then the mean, then the truth: one swatch conversion.
        var colours = Codewords(book).Append((meanA, meanB)).ToList();
        if (truth.Length == 2)
            colours.Add((truth[0], truth[1]));
        string[] swatches = Swatches(colours);
        return new
        {
            picture = picture.Id, model = model.Id, method = "som-mlp", x, y, temperature = t, networkRan = true,
            cell = (object?)null,
            bins = Enumerable.Range(0, n).Select(j => new { a = book[2 * j], b = book[2 * j + 1], p = probabilities[j], rgb = swatches[j] }).ToArray(),
            mean = new { a = meanA, b = meanB, rgb = swatches[n] },
            truth = truth.Length == 2 ? new { a = truth[0], b = truth[1], rgb = swatches[n + 1] } : null,
        };
    }

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
            string[] swatches = Swatches(Codewords(book).ToList());
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

    /// <summary>A codebook [N, 2] (a, b interleaved) as ab pairs.</summary>
    private static IEnumerable<(float A, float B)> Codewords(float[] book) =>
        Enumerable.Range(0, book.Length / 2).Select(j => (book[2 * j], book[2 * j + 1]));

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
        foreach (DemoModel m in models)
            m.Dispose();
    }
}
