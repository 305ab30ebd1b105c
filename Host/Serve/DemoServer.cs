using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ColorKernels.Host.Files;
using ColorKernels.Engine;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ColorKernels.Host.Serve;

/// <summary>
/// The web demo: one page (Host/Serve/Page/index.html, served from the assembly) and a JSON API over a
/// <see cref="DemoService"/>. Every API route answers errors as {"error": "..."} with its status: 400 bad
/// input, 401 missing key, 404 unknown model/picture/route, 405 wrong method, 413 upload too large, 503 queue full (with
/// Retry-After), 504 waited too long, 500 a bug (one line, no trace). Each response says in X-Elapsed-Ms
/// how long it took and in X-Device what ran it.
/// </summary>
internal static class DemoServer
{
    /// <summary>Builds the app; <paramref name="configure"/> picks the server (Kestrel on an address, or the test server).</summary>
    public static WebApplication Build(DemoService service, Action<WebApplicationBuilder> configure, Action<string>? log = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(DemoServer).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(service);
        builder.Services.Configure<FormOptions>(o => FormLimits(o, service.Options.MaxUploadBytes));
        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        configure(builder);
        WebApplication app = builder.Build();
        app.Use((context, next) => Guard(context, next, service, log));

        app.MapGet("/", () => Results.Text(Page.Value, "text/html; charset=utf-8"));
        app.MapGet("/api/health", (HttpContext c) => Results.Json(new
        {
            status = "ok",
            device = service.Device.Description,
            models = service.Models.Count,
            queue = new { pending = service.Queue.Pending, capacity = service.Queue.Capacity },
        }));
        app.MapGet("/api/models", () => Results.Json(service.Models.Select(m => new
        {
            id = m.Id,
            name = m.Name,
            method = DemoService.MethodName(m.Method),
            size = m.DefaultSize,
            temperature = m.Temperature,
            distribution = m.HasDistribution,
            classes = m.Classes,
        })));
        app.MapPost("/api/colorize", Colorize);
        app.MapPost("/api/distribution", Distribution);
        app.MapPost("/api/som", Som);
        app.MapPost("/api/palette", Palette);
        app.MapGet("/api/pictures/{id}/grey", Grey);
        app.Map("/api/{**rest}", (HttpContext c) => throw (Routes.FirstOrDefault(r => c.Request.Path.Equals(r.Path, StringComparison.OrdinalIgnoreCase)) is { Path: not null } known
            ? new DemoException(405, $"{c.Request.Method} {known.Path}: use {known.Method}") { Allow = known.Method }
            : new DemoException(404, $"{c.Request.Method} {c.Request.Path}: no such API route ({string.Join(", ", Routes.Select(r => $"{r.Method} {r.Path}"))}, GET /api/pictures/ID/grey)")));
        return app;
    }

    /// <summary>The fixed API routes and their methods, for 405 and for the 404 message.</summary>
    private static readonly (string Method, string Path)[] Routes =
    {
        ("GET", "/api/health"), ("GET", "/api/models"), ("POST", "/api/colorize"), ("POST", "/api/distribution"), ("POST", "/api/som"), ("POST", "/api/palette"),
    };

    private static readonly Lazy<string> Page = new(() =>
    {
        using Stream stream = typeof(DemoServer).Assembly.GetManifestResourceStream("ColorKernels.Host.Serve.index.html")
            ?? throw new InvalidOperationException("the page is not embedded in the assembly");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    });

    /// <summary>Timing, the API key, and errors as JSON for every request.</summary>
    private static async Task Guard(HttpContext context, RequestDelegate next, DemoService service, Action<string>? log)
    {
        var clock = Stopwatch.StartNew();
        if (HttpMethods.IsPost(context.Request.Method))
            context.Response.OnCompleted(ReturnMemory);
        context.Response.OnStarting(() =>
        {
            context.Response.Headers["X-Elapsed-Ms"] = clock.Elapsed.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture);
            context.Response.Headers["X-Device"] = service.Device.Description;
            context.Response.Headers["Cache-Control"] = "no-store";
            return Task.CompletedTask;
        });
        try
        {
            if (context.Request.Path.StartsWithSegments("/api") && service.Options.ApiKey is { } key && !HasKey(context.Request, key))
                throw new DemoException(401, "this server needs its API key: send it as the X-Api-Key header (or Authorization: Bearer KEY)");
            await next(context);
        }
        catch (DemoException e)
        {
            if (e.Allow is { } allow)
                context.Response.Headers.Allow = allow;
            await Fail(context, e.Status, e.Message, e.RetryAfterSeconds);
        }
        catch (UserErrorException e)
        {
            await Fail(context, 400, e.Message);
        }
        catch (BadHttpRequestException e)
        {
            await Fail(context, e.StatusCode, e.StatusCode == 413 ? TooLarge(service.Options.MaxUploadBytes).Message : $"bad request: {e.Message}");
        }
        catch (InvalidDataException e)
        {
            // ASP.NET Core's multipart reader: over one of its limits, or malformed.
            var (status, message) = MultipartProblem(e.Message, service.Options.MaxUploadBytes);
            await Fail(context, status, message);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away: nobody to answer.
        }
        catch (Exception e)
        {
            Cli.Error($"internal error ({e.GetType().Name}) on {context.Request.Method} {context.Request.Path}: {Cli.OneLine(e.Message)}");
            await Fail(context, 500, $"internal error ({e.GetType().Name}): {Cli.OneLine(e.Message)}");
        }
        log?.Invoke(FormattableString.Invariant($"{context.Request.Method} {context.Request.Path} {context.Response.StatusCode} {clock.Elapsed.TotalMilliseconds:0} ms"));
    }

    private static int returning;

    /// <summary>
    /// After a POST has been answered, the memory its picture took (decoded pixels, conversions, the encoded
    /// answer: about 30 bytes a pixel, mostly large arrays) goes back to the system: a blocking, compacting
    /// collection that decommits what it frees (10-50 ms measured on 2 cores after 1 and 16 MP pictures, once the answer
    /// is sent). A server that had coloured one 16 MP picture held 0.80 GB without it, 0.41 GB with it (the kept
    /// picture, its Lab and the runtime).
    /// One at a time: requests finishing together share one collection.
    /// </summary>
    private static Task ReturnMemory()
    {
        if (Interlocked.Exchange(ref returning, 1) == 0)
        {
            try
            {
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            }
            finally
            {
                Volatile.Write(ref returning, 0);
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>The multipart reader's limits for uploads of at most <paramref name="maxUploadBytes"/>.</summary>
    internal static FormOptions FormLimits(FormOptions o, long maxUploadBytes)
    {
        o.MultipartBodyLengthLimit = maxUploadBytes + 1;
        // A multipart file is buffered in memory up to the upload limit, never in a temporary file (the
        // default spills past 64 KiB to ASPNETCORE_TEMP): nothing of an upload reaches the disk.
        o.MemoryBufferThreshold = (int)Math.Min(int.MaxValue, maxUploadBytes + 1);
        o.ValueCountLimit = FormParts;
        return o;
    }

    /// <summary>Parts (files and fields) a multipart form may have: the page sends one.</summary>
    internal const int FormParts = 64;

    /// <summary>The status and plain message for the multipart reader's complaint: which limit, or what is malformed.</summary>
    internal static (int Status, string Message) MultipartProblem(string reason, long maxUploadBytes)
    {
        if (reason.Contains("body length limit", StringComparison.OrdinalIgnoreCase))
            return (413, TooLarge(maxUploadBytes).Message);
        if (reason.Contains("boundary length limit", StringComparison.OrdinalIgnoreCase))
            return (400, "the multipart boundary is longer than 70 characters (RFC 2046's limit)");
        if (reason.Contains("count limit", StringComparison.OrdinalIgnoreCase) && reason.Contains("value", StringComparison.OrdinalIgnoreCase))
            return (413, $"the multipart form has more than {FormParts} parts: send the picture as one part named 'image'");
        if (reason.Contains("header", StringComparison.OrdinalIgnoreCase) && reason.Contains("limit", StringComparison.OrdinalIgnoreCase))
            return (413, "a multipart part's headers are over the limit (16 headers, 16 KiB in all)");
        return (400, $"the multipart form could not be read: {Cli.OneLine(reason)}");
    }

    private static bool HasKey(HttpRequest request, string key)
    {
        string? given = request.Headers["X-Api-Key"].FirstOrDefault();
        if (given is null && request.Headers.Authorization.FirstOrDefault() is { } auth && auth.StartsWith("Bearer ", StringComparison.Ordinal))
            given = auth["Bearer ".Length..];
        return given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(key));
    }

    private static async Task Fail(HttpContext context, int status, string message, int? retryAfter = null)
    {
        if (context.Response.HasStarted)
            return;
        string? allow = context.Response.Headers.Allow;
        context.Response.Clear();
        if (!string.IsNullOrEmpty(allow))
            context.Response.Headers.Allow = allow;
        context.Response.StatusCode = status;
        if (retryAfter is { } seconds)
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await context.Response.WriteAsJsonAsync(new { error = message, status });
    }

    /// <summary>
    /// POST /api/colorize: a picture in (the body, raw or multipart field "image"), the coloured picture out
    /// (PNG, or JPEG with format=jpeg). Parameters: model, temperature, size. Without a body, picture=ID
    /// colours a kept upload again: the temperature re-decodes the kept distribution, the network does not run.
    /// With picture=ID and a JSON body (Content-Type application/json), the kept prediction is decoded steered:
    /// {"hints": [{"x", "y", "color", "size"}] (as colorize --hints reads), "palette": "#aa3322,#334455" or
    /// [{"a", "b", "weight"}] (as POST /api/palette gives), "paletteStrength": 0-10}.
    /// The response's X-Picture names the kept upload; X-Network says whether the network ran.
    /// </summary>
    private static async Task Colorize(HttpContext context, DemoService service)
    {
        var query = context.Request.Query;
        DemoModel model = service.Model(query["model"]);
        float? temperature = Temperature(query);
        int? size = (int?)Number(query, "size", 8, 4096);
        string format = (query["format"].FirstOrDefault() ?? "png").ToLowerInvariant() switch
        {
            "png" => "png",
            "jpeg" or "jpg" => "jpeg",
            var other => throw new DemoException(400, $"format '{other}': png or jpeg"),
        };
        bool steered = context.Request.ContentType is { } type && type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase);
        byte[]? upload = await ReadUpload(context, service);
        byte[]? steering = steered ? upload ?? throw new DemoException(400, "a JSON body steers a kept picture: send {\"hints\": [...]} or {\"palette\": ...}") : null;
        if (steered)
            upload = null;
        // Decoding runs as part of the device job: one decoded picture at a time, however many requests wait.
        var (picture, image, ran, t) = await service.Queue.Run(() =>
        {
            Picture p = service.Take(upload, query["picture"]);
            var (hints, palette) = steering is null ? (null, null) : Steering(steering, p.Original.Width, p.Original.Height);
            var (coloured, networkRan, used) = service.Colorize(p, model, size, temperature, hints, palette);
            return (p, DemoService.Encode(coloured, format), networkRan, used);
        }, context.RequestAborted);
        context.Response.Headers["X-Picture"] = picture.Id;
        context.Response.Headers["X-Model"] = model.Id;
        context.Response.Headers["X-Network"] = ran ? "ran" : "reused";
        context.Response.Headers["X-Colour-Original"] = picture.IsColour ? "true" : "false";
        if (t is { } used)
            context.Response.Headers["X-Temperature"] = used.ToString(CultureInfo.InvariantCulture);
        context.Response.ContentType = format == "jpeg" ? "image/jpeg" : "image/png";
        await context.Response.Body.WriteAsync(image);
    }

    /// <summary>POST /api/distribution: picture=ID (or a picture in the body), x, y (pixel), model, temperature, size; JSON.</summary>
    private static async Task Distribution(HttpContext context, DemoService service)
    {
        var query = context.Request.Query;
        DemoModel model = service.Model(query["model"]);
        float? temperature = Temperature(query);
        int? size = (int?)Number(query, "size", 8, 4096);
        int x = (int)(Number(query, "x", 0, int.MaxValue) ?? throw new DemoException(400, "x: the pixel's column is needed"));
        int y = (int)(Number(query, "y", 0, int.MaxValue) ?? throw new DemoException(400, "y: the pixel's row is needed"));
        byte[]? upload = await ReadUpload(context, service);
        object result = await service.Queue.Run(() => service.Distribution(service.Take(upload, query["picture"]), model, size, x, y, temperature), context.RequestAborted);
        await context.Response.WriteAsJsonAsync(result);
    }

    /// <summary>The hints and palette of a steering body (see <see cref="Colorize"/>); each problem one line (400).</summary>
    private static (IReadOnlyList<ColorHint>? Hints, ColorPalette? Palette) Steering(byte[] json, int width, int height)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw new DemoException(400, $"the steering body is not valid JSON ({e.Message.Split('.')[0]})");
        }
        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new DemoException(400, "the steering body: expected {\"hints\": [...], \"palette\": ...}");
            IReadOnlyList<ColorHint>? hints = null;
            if (root.TryGetProperty("hints", out JsonElement list) && list.ValueKind != JsonValueKind.Null)
                hints = list.ValueKind == JsonValueKind.Array ? HintFiles.Hints(list, "hints", width, height)
                    : throw new DemoException(400, "hints: expected a list [{\"x\": 10, \"y\": 20, \"color\": \"#c03020\", \"size\": 3}, ...]");
            ColorPalette? palette = null;
            if (root.TryGetProperty("palette", out JsonElement given) && given.ValueKind != JsonValueKind.Null)
                palette = given.ValueKind switch
                {
                    JsonValueKind.String => ColorPalette.Parse(HintFiles.Text(given, "palette")),
                    JsonValueKind.Array when given.GetArrayLength() <= ColorPalette.MaxColors => ColorPalette.FromColors(given.EnumerateArray().Select((c, i) =>
                        c.ValueKind == JsonValueKind.Object && Number(c, "a") is { } av && Number(c, "b") is { } bv
                        && (c.TryGetProperty("weight", out _) ? Number(c, "weight") : 1) is { } wv
                            ? new PaletteColor((float)av, (float)bv, wv)
                            : throw new DemoException(400, $"palette colour {i}: expected {{\"a\": 40, \"b\": 30, \"weight\": 0.2}}")).ToList()),
                    JsonValueKind.Array => throw new DemoException(400, $"palette: {given.GetArrayLength()} colours, at most {ColorPalette.MaxColors}"),
                    _ => throw new DemoException(400, "palette: expected \"#aa3322,#334455\" or [{\"a\": 40, \"b\": 30, \"weight\": 0.2}, ...]"),
                };
            if (root.TryGetProperty("paletteStrength", out JsonElement strength) && strength.ValueKind != JsonValueKind.Null)
            {
                if (palette is null)
                    throw new DemoException(400, "paletteStrength: no palette to steer with");
                palette = strength.ValueKind == JsonValueKind.Number && strength.TryGetDouble(out double alpha) ? palette with { Strength = alpha } : throw new DemoException(400, "paletteStrength: expected a number from 0 to 10");
            }
            return (hints, palette);
        }
    }

    /// <summary>A JSON object's number property, or null when it is missing or not a number.</summary>
    private static double? Number(JsonElement entry, string name) =>
        entry.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out double number) ? number : null;

    /// <summary>POST /api/palette: a colour photo in the body (raw or multipart field "image"); JSON, its colours heaviest first: {"colors": [{"a", "b", "weight", "rgb"}]}.</summary>
    private static async Task Palette(HttpContext context, DemoService service)
    {
        byte[] upload = await ReadUpload(context, service) ?? throw new DemoException(400, "no photo: send a colour photo in the request body (or as the multipart field 'image')");
        object result = await service.Queue.Run(() => service.Palette(ImageIO.Decode("upload", upload, service.Options.MaxPixels)), context.RequestAborted);
        await context.Response.WriteAsJsonAsync(result);
    }

    /// <summary>POST /api/som: picture=ID (or a colour picture in the body), grids (default 2x2,3x3); JSON with codewords and quantised pictures.</summary>
    private static async Task Som(HttpContext context, DemoService service)
    {
        var query = context.Request.Query;
        string[] names = (query["grids"].FirstOrDefault() ?? "2x2,3x3").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var grids = new List<(int, int)>();
        foreach (string name in names)
        {
            string[] parts = name.Split('x');
            if (parts.Length != 2 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out int w) || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out int h)
                || w is < 1 or > 8 || h is < 1 or > 8)
                throw new DemoException(400, $"grid '{name}': WxH with sides from 1 to 8, e.g. 2x2,3x3");
            grids.Add((w, h));
        }
        if (grids.Count is 0 or > 4)
            throw new DemoException(400, "grids: one to four maps, e.g. 2x2,3x3");
        byte[]? upload = await ReadUpload(context, service);
        object result = await service.Queue.Run(() => service.Som(service.Take(upload, query["picture"]), grids), context.RequestAborted);
        await context.Response.WriteAsJsonAsync(result);
    }

    /// <summary>GET /api/pictures/{id}/grey: the kept upload in greyscale (its L alone), PNG: what the network sees.</summary>
    private static async Task Grey(HttpContext context, DemoService service, string id)
    {
        byte[] png = await service.Queue.Run(() => DemoService.Encode(service.Grey(service.Get(id)), "png"), context.RequestAborted);
        context.Response.ContentType = "image/png";
        await context.Response.Body.WriteAsync(png);
    }

    /// <summary>The request's decode temperature under the engine's one rule (<see cref="DecodeTemperature"/>), or null.</summary>
    private static float? Temperature(IQueryCollection query)
    {
        if (query["temperature"].FirstOrDefault() is not { Length: > 0 } text)
            return null;
        if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) || !DecodeTemperature.IsValid(value))
            throw new DemoException(400, FormattableString.Invariant($"temperature '{text}': expected 0 (each pixel's most likely colour) or a number from {DecodeTemperature.Min} to {DecodeTemperature.Max}"));
        return value;
    }

    private static float? Number(IQueryCollection query, string name, float min, float max)
    {
        if (query[name].FirstOrDefault() is not { Length: > 0 } text)
            return null;
        if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) || !float.IsFinite(value) || value < min || value > max)
            throw new DemoException(400, FormattableString.Invariant($"{name} '{text}': expected a number from {min} to {max}"));
        return value;
    }

    /// <summary>The uploaded picture's bytes (raw body, or the multipart field "image"), or null when the request has none; 413 past the limit.</summary>
    private static Task<byte[]?> ReadUpload(HttpContext context, DemoService service) => ReadUpload(context, service.Options.MaxUploadBytes);

    /// <summary>
    /// <see cref="ReadUpload(HttpContext, DemoService)"/> with the limit given: also the fuzz target's way in
    /// (tests/Fuzz), which feeds it requests with no server around them.
    /// </summary>
    internal static async Task<byte[]?> ReadUpload(HttpContext context, long limit)
    {
        HttpRequest request = context.Request;
        if (request.ContentLength > limit)
            throw TooLarge(limit);
        // Only a multipart form is read as a form: curl --data-binary @photo.png labels the raw bytes
        // application/x-www-form-urlencoded, and they are the picture all the same.
        if (request.HasFormContentType && request.ContentType!.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase))
        {
            IFormCollection form;
            try
            {
                form = await request.ReadFormAsync(context.RequestAborted);
            }
            catch (IOException) when (!context.RequestAborted.IsCancellationRequested)
            {
                // The reader found the body's end before the boundary it looks for: cut short, or another boundary than the header's.
                throw new DemoException(400, "the multipart form ends before its closing boundary: the body is cut short, or its boundary is not the one in Content-Type");
            }
            IFormFile? file = form.Files["image"] ?? form.Files.FirstOrDefault();
            if (file is null)
                throw new DemoException(400, "the form has no file: send the picture as the field 'image', or send its bytes as the body");
            if (file.Length > limit)
                throw TooLarge(limit);
            using var buffer = new MemoryStream();
            await file.CopyToAsync(buffer, context.RequestAborted);
            return buffer.ToArray();
        }
        byte[] body = await Engine.Files.StreamBytes.ReadAtMostAsync(request.Body, limit, () => TooLarge(limit), context.RequestAborted);
        return body.Length == 0 ? null : body;
    }

    private static DemoException TooLarge(long limit) => new(413, $"the upload is over the limit of {limit / (1024.0 * 1024):0.#} MiB (--max-upload-mb)");
}
