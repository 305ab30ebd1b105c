using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ColorKernels.Engine.Color;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace ColorKernels.Engine.Evaluation;

/// <summary>A colourizer under evaluation: a name for the report and the batch function.</summary>
public sealed record EvalModel(string Name, Func<IReadOnlyList<ImageData>, IReadOnlyList<ImageData>> Colorize);

/// <summary>
/// Evaluates colourizers on a folder of colour photos: each photo's greyscale version (Lab with a = b = 0)
/// is given to every model and compared with the original; the greyscale itself is always the first row
/// ("greyscale", ab = 0). Writes metrics.json, metrics.csv, index.html (self-contained: table and
/// gallery, images beside it in images/) and contact-sheet.png into the report folder.
/// </summary>
public sealed class EvaluationRun
{
    /// <summary>The name of the baseline every report includes: the greyscale picture itself.</summary>
    public const string Baseline = "greyscale";

    /// <summary>Pictures shown in the gallery and on the contact sheet (every picture is scored).</summary>
    public int GalleryLimit { get; init; } = 12;

    /// <summary>Scores every model (and the greyscale baseline) on <paramref name="files"/> and writes the report folder; returns the overall scores, baseline first. Pictures that cannot be read are skipped and reported to the callback.</summary>
    public IReadOnlyList<ImageScore> Run(ComputeDevice device, IReadOnlyList<string> files, IReadOnlyList<EvalModel> models,
        IReadOnlyList<double> prior, string reportFolder, Action<string> skip, Action? progress = null)
    {
        Directory.CreateDirectory(Path.Combine(reportFolder, "images"));
        using var metrics = new ImageMetrics(device, prior);
        var scores = new List<ImageScore>();
        var gallery = new List<(string Name, string[] Images)>();
        foreach (string file in files)
        {
            string name = Path.GetRelativePath(Path.GetDirectoryName(files[0]) ?? ".", file);
            ImageData truth;
            try
            {
                truth = ImageIO.Load(file);
            }
            catch (UserErrorException e)
            {
                skip(e.Message);
                progress?.Invoke();
                continue;
            }
            ImageData grey = Desaturation.Desaturate(device, truth);
            var outputs = new List<(string Model, ImageData Image)> { (Baseline, grey) };
            foreach (EvalModel model in models)
                outputs.Add((model.Name, model.Colorize(new[] { grey })[0]));
            foreach (var (model, image) in outputs)
                scores.Add(metrics.Score(name, model, image, truth));
            if (gallery.Count < GalleryLimit)
            {
                string stem = $"{gallery.Count:D3}";
                var saved = new List<string>();
                foreach (var (label, image) in outputs.Append(("original", truth)))
                {
                    string path = $"images/{stem}-{Slug(label)}.png";
                    SaveThumbnail(Path.Combine(reportFolder, path), image, 320);
                    saved.Add(path);
                }
                gallery.Add((name, saved.ToArray()));
            }
            progress?.Invoke();
        }
        if (scores.Count == 0)
            throw new UserErrorException("no photo could be evaluated");
        var columns = new[] { Baseline }.Concat(models.Select(m => m.Name)).ToList();
        var overall = columns.Select(m => Overall(m, scores.Where(s => s.Model == m).ToList())).ToList();
        WriteJson(Path.Combine(reportFolder, "metrics.json"), scores, overall);
        WriteCsv(Path.Combine(reportFolder, "metrics.csv"), scores, overall);
        WriteHtml(Path.Combine(reportFolder, "index.html"), overall, gallery, columns, scores.Count / columns.Count);
        WriteContactSheet(Path.Combine(reportFolder, "contact-sheet.png"), gallery, reportFolder);
        return overall;
    }

    /// <summary>
    /// A model's overall row: AuC from the histograms pooled over every pixel of every picture (as the paper
    /// computes it over a data set); PSNR, colourfulness and chroma as means over pictures (PSNR over the
    /// finite ones; +infinity only if every picture was reproduced exactly).
    /// </summary>
    public static ImageScore Overall(string model, IReadOnlyList<ImageScore> perImage)
    {
        double[] plain = new double[perImage[0].Histogram.Length], rebalanced = new double[plain.Length];
        foreach (ImageScore s in perImage)
            for (int i = 0; i < plain.Length; i++)
            {
                plain[i] += s.Histogram[i];
                rebalanced[i] += s.RebalancedHistogram[i];
            }
        var finite = perImage.Where(s => double.IsFinite(s.Psnr)).ToList();
        return new ImageScore("(all)", model, ImageMetrics.Auc(plain), ImageMetrics.Auc(rebalanced),
            finite.Count > 0 ? finite.Average(s => s.Psnr) : double.PositiveInfinity,
            perImage.Average(s => s.Colourfulness), perImage.Average(s => s.ColourfulnessOriginal),
            perImage.Average(s => s.Chroma), perImage.Average(s => s.ChromaOriginal))
        { Histogram = plain, RebalancedHistogram = rebalanced };
    }

    private static string Slug(string text) => new(text.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray());

    private static void SaveThumbnail(string path, ImageData image, int size)
    {
        byte[] rgb = image.Rgb8 ?? Enumerable.Range(0, image.Pixels * 3)
            .Select(i => (byte)Math.Clamp(MathF.Round(image.RgbPlanar![i % 3 * image.Pixels + i / 3] * 255f), 0, 255)).ToArray();
        using var picture = Image.LoadPixelData<Rgb24>(rgb, image.Width, image.Height);
        if (Math.Max(image.Width, image.Height) > size)
            picture.Mutate(x => x.Resize(new ResizeOptions { Size = new Size(size, size), Mode = ResizeMode.Max }));
        AtomicFile.Write(path, s => picture.SaveAsPng(s));
    }

    private static string Number(double v, string format) =>
        double.IsPositiveInfinity(v) ? "inf" : double.IsNaN(v) ? "" : v.ToString(format, CultureInfo.InvariantCulture);

    private static JsonObject ToJson(ImageScore s) => new()
    {
        ["image"] = s.Image,
        ["model"] = s.Model,
        ["auc"] = s.Auc,
        ["auc_rebalanced"] = s.AucRebalanced,
        // JSON has no infinity: an exact reproduction's PSNR is written as null, with psnr_infinite true.
        ["psnr"] = double.IsFinite(s.Psnr) ? s.Psnr : null,
        ["psnr_infinite"] = double.IsPositiveInfinity(s.Psnr),
        ["colourfulness"] = s.Colourfulness,
        ["colourfulness_original"] = s.ColourfulnessOriginal,
        ["chroma"] = s.Chroma,
        ["chroma_original"] = s.ChromaOriginal,
    };

    private static void WriteJson(string path, IReadOnlyList<ImageScore> scores, IReadOnlyList<ImageScore> overall)
    {
        var root = new JsonObject
        {
            ["overall"] = new JsonArray(overall.Select(s => (JsonNode)ToJson(s)).ToArray()),
            ["images"] = new JsonArray(scores.Select(s => (JsonNode)ToJson(s)).ToArray()),
        };
        string text = root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        AtomicFile.Write(path, s => s.Write(Encoding.UTF8.GetBytes(text)));
    }

    private static void WriteCsv(string path, IReadOnlyList<ImageScore> scores, IReadOnlyList<ImageScore> overall)
    {
        var text = new StringBuilder("image,model,auc,auc_rebalanced,psnr,colourfulness,colourfulness_original,chroma,chroma_original\n");
        foreach (ImageScore s in overall.Concat(scores))
            text.Append(CultureInfo.InvariantCulture,
                $"\"{s.Image.Replace("\"", "\"\"")}\",\"{s.Model}\",{Number(s.Auc, "F3")},{Number(s.AucRebalanced, "F3")},{Number(s.Psnr, "F3")},{Number(s.Colourfulness, "F3")},{Number(s.ColourfulnessOriginal, "F3")},{Number(s.Chroma, "F3")},{Number(s.ChromaOriginal, "F3")}\n");
        AtomicFile.Write(path, s => s.Write(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static void WriteHtml(string path, IReadOnlyList<ImageScore> overall, IReadOnlyList<(string Name, string[] Images)> gallery,
        IReadOnlyList<string> columns, int pictures)
    {
        string E(string s) => WebUtility.HtmlEncode(s);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>ColorKernels evaluation</title>\n<style>")
            .Append("body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin-bottom:2em}")
            .Append("td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f4f4f4}td:first-child{text-align:left}")
            .Append(".gallery td{vertical-align:top;text-align:center;font-size:12px}.gallery img{max-width:220px}</style></head><body>\n")
            .Append(CultureInfo.InvariantCulture, $"<h1>ColorKernels evaluation</h1>\n<p>{pictures} pictures. AuC: percent of pixels whose ab error is within t, averaged over t = 0..150 (Zhang et al. 2016); rebalanced: pixels weighted by the inverse prior probability of their true colour. PSNR on 8-bit sRGB. Colourfulness: Hasler and S&uuml;sstrunk 2003. Chroma: mean sqrt(a&sup2; + b&sup2;).</p>\n")
            .Append("<table><tr><th>model</th><th>AuC</th><th>rebalanced AuC</th><th>PSNR (dB)</th><th>colourfulness</th><th>original's</th><th>chroma</th><th>original's</th></tr>\n");
        foreach (ImageScore s in overall)
            html.Append($"<tr><td>{E(s.Model)}</td><td>{Number(s.Auc, "F2")}</td><td>{Number(s.AucRebalanced, "F2")}</td><td>{Number(s.Psnr, "F2")}</td><td>{Number(s.Colourfulness, "F1")}</td><td>{Number(s.ColourfulnessOriginal, "F1")}</td><td>{Number(s.Chroma, "F2")}</td><td>{Number(s.ChromaOriginal, "F2")}</td></tr>\n");
        html.Append("</table>\n<h2>Gallery</h2>\n<table class=\"gallery\"><tr><th>picture</th>");
        foreach (string c in columns.Append("original"))
            html.Append($"<th>{E(c == Baseline ? "greyscale input" : c)}</th>");
        html.Append("</tr>\n");
        foreach (var (name, images) in gallery)
        {
            html.Append($"<tr><td>{E(name)}</td>");
            foreach (string image in images)
                html.Append($"<td><img src=\"{E(image)}\" alt=\"{E(image)}\"></td>");
            html.Append("</tr>\n");
        }
        html.Append("</table>\n</body></html>\n");
        AtomicFile.Write(path, s => s.Write(Encoding.UTF8.GetBytes(html.ToString())));
    }

    /// <summary>The gallery as one PNG: a row per picture, columns greyscale input, each model, original; 160-pixel cells.</summary>
    private static void WriteContactSheet(string path, IReadOnlyList<(string Name, string[] Images)> gallery, string folder)
    {
        const int Cell = 160, Gap = 4;
        int columns = gallery.Count == 0 ? 1 : gallery[0].Images.Length;
        using var sheet = new Image<Rgb24>(Math.Max(1, columns * (Cell + Gap) + Gap), Math.Max(1, gallery.Count * (Cell + Gap) + Gap), new Rgb24(255, 255, 255));
        for (int row = 0; row < gallery.Count; row++)
            for (int col = 0; col < columns; col++)
            {
                using Image<Rgb24> thumb = Image.Load<Rgb24>(Path.Combine(folder, gallery[row].Images[col]));
                thumb.Mutate(x => x.Resize(new ResizeOptions { Size = new Size(Cell, Cell), Mode = ResizeMode.Max }));
                int x0 = Gap + col * (Cell + Gap) + (Cell - thumb.Width) / 2, y0 = Gap + row * (Cell + Gap) + (Cell - thumb.Height) / 2;
                sheet.Mutate(x => x.DrawImage(thumb, new Point(x0, y0), 1f));
            }
        AtomicFile.Write(path, s => sheet.SaveAsPng(s));
    }
}
