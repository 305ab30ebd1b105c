using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using ColorKernels.Engine;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ColorKernels.Host.Serve;

/// <summary>
/// The web demo's HTTP side: one page (Host/Serve/index.html, served from the assembly) and a JSON API over a
/// <see cref="DemoService"/>. Every API route answers errors as {"error": "..."} with its status: 400 bad
/// input, 401 missing key, 404 unknown model/picture/route, 405 wrong method, 413 upload too large, 503 queue full (with
/// Retry-After), 504 waited too long, 500 a bug (one line, no trace). Each response says in X-Elapsed-Ms
/// how long it took and in X-Device what ran it. A request's parts are read by <see cref="DemoUpload"/>, <see cref="DemoQuery"/>
/// and <see cref="SteeringRequest"/>.
/// </summary>
internal static class DemoServer
{
    /// <summary>Builds the app; <paramref name="configure"/> picks the server (Kestrel on an address, or the test server).</summary>
    public static WebApplication Build(DemoService service, Action<WebApplicationBuilder> configure, Action<string>? log = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(DemoServer).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(service);
        builder.Services.Configure<FormOptions>(o => DemoUpload.FormLimits(o, service.Options.MaxUploadBytes));
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
        app.MapPost("/api/films", OpenFilm);
        app.MapGet("/api/films/{id}/frames/{index:int}", FilmFrame);
        app.MapPost("/api/films/{id}/preview", FilmPreview);
        app.Map("/api/{**rest}", (HttpContext c) => throw (Routes.FirstOrDefault(r => c.Request.Path.Equals(r.Path, StringComparison.OrdinalIgnoreCase)) is { Path: not null } known
            ? new DemoException(405, $"{c.Request.Method} {known.Path}: use {known.Method}") { Allow = known.Method }
            : new DemoException(404, $"{c.Request.Method} {c.Request.Path}: no such API route ({string.Join(", ", Routes.Select(r => $"{r.Method} {r.Path}"))}, GET /api/pictures/ID/grey, POST /api/films, GET /api/films/ID/frames/N, POST /api/films/ID/preview)")));
        return app;
    }

    /// <summary>The fixed API routes and their methods, for 405 and for the 404 message.</summary>
    private static readonly (string Method, string Path)[] Routes =
    {
        ("GET", "/api/health"), ("GET", "/api/models"), ("POST", "/api/colorize"), ("POST", "/api/distribution"), ("POST", "/api/som"), ("POST", "/api/palette"), ("POST", "/api/films"),
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
            await Fail(context, e.StatusCode, e.StatusCode == 413 ? DemoUpload.TooLarge(service.Options.MaxUploadBytes).Message : $"bad request: {e.Message}");
        }
        catch (InvalidDataException e)
        {
            // ASP.NET Core's multipart reader: over one of its limits, or malformed.
            var (status, message) = DemoUpload.MultipartProblem(e.Message, service.Options.MaxUploadBytes);
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
    /// With picture=ID and a JSON body (Content-Type application/json), the kept prediction is decoded steered
    /// (<see cref="SteeringRequest"/>: hints, a palette and its strength).
    /// The response's X-Picture names the kept upload; X-Network says whether the network ran.
    /// </summary>
    private static async Task Colorize(HttpContext context, DemoService service)
    {
        var query = context.Request.Query;
        DemoModel model = service.Model(query["model"]);
        float? temperature = DemoQuery.Temperature(query);
        int? size = DemoQuery.Size(query);
        string format = DemoQuery.Format(query);
        bool steered = context.Request.ContentType is { } type && type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase);
        byte[]? upload = await ReadUpload(context, service);
        byte[]? steering = steered ? upload ?? throw new DemoException(400, "a JSON body steers a kept picture: send {\"hints\": [...]} or {\"palette\": ...}") : null;
        if (steered)
            upload = null;
        // Decoding runs as part of the device job: one decoded picture at a time, however many requests wait.
        var (picture, image, ran, t) = await service.Queue.Run(() =>
        {
            Picture p = service.Take(upload, query["picture"]);
            var (hints, palette) = steering is null ? (null, null) : SteeringRequest.Parse(steering, p.Original.Width, p.Original.Height);
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
        float? temperature = DemoQuery.Temperature(query);
        int? size = DemoQuery.Size(query);
        int x = (int)(DemoQuery.Number(query, "x", 0, int.MaxValue) ?? throw new DemoException(400, "x: the pixel's column is needed"));
        int y = (int)(DemoQuery.Number(query, "y", 0, int.MaxValue) ?? throw new DemoException(400, "y: the pixel's row is needed"));
        byte[]? upload = await ReadUpload(context, service);
        object result = await service.Queue.Run(() => service.Distribution(service.Take(upload, query["picture"]), model, size, x, y, temperature), context.RequestAborted);
        await context.Response.WriteAsJsonAsync(result);
    }

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
        List<(int, int)> grids = DemoQuery.Grids(query);
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

    /// <summary>
    /// POST /api/films?name=FILE.mp4: a short film in the body (raw or multipart field "image"; its name's extension
    /// picks the demuxer), decoded and kept; JSON {id, name, frames, width, height, rate} (rate as ffmpeg writes it, "10/1").
    /// </summary>
    private static async Task OpenFilm(HttpContext context, DemoService service)
    {
        string name = context.Request.Query["name"].FirstOrDefault() ?? "upload.mp4";
        byte[] upload = await ReadUpload(context, service) ?? throw new DemoException(400, "no film: send a short film in the request body (or as the multipart field 'image'), with ?name=FILE.mp4");
        Film film = await service.Queue.Run(() => service.Films.Open(upload, name), context.RequestAborted);
        await context.Response.WriteAsJsonAsync(new { id = film.Id, name = film.Name, frames = film.Frames.Count, width = film.Width, height = film.Height, rate = film.Info.FrameRate });
    }

    /// <summary>GET /api/films/{id}/frames/{index}: a kept film's frame in greyscale (its L alone), PNG.</summary>
    private static async Task FilmFrame(HttpContext context, DemoService service, string id, int index)
    {
        byte[] png = await service.Queue.Run(() => DemoService.Encode(service.Films.Grey(service.Films.Get(id), index), "png"), context.RequestAborted);
        context.Response.ContentType = "image/png";
        await context.Response.Body.WriteAsync(png);
    }

    /// <summary>
    /// POST /api/films/{id}/preview?frame=N&amp;count=K&amp;model=M: frames N to N+K-1 of a kept film coloured (stabilised),
    /// steered by the keyframes document in the body (JSON, the format <c>colorize FILM --hints</c> reads; none: automatic);
    /// JSON {first, keyframes (how many fell in the window), frames: [PNG data URLs]}.
    /// </summary>
    private static async Task FilmPreview(HttpContext context, DemoService service, string id)
    {
        var query = context.Request.Query;
        DemoModel model = service.Model(query["model"]);
        int first = (int)(DemoQuery.Number(query, "frame", 0, int.MaxValue) ?? 0);
        int count = (int)(DemoQuery.Number(query, "count", 1, DemoFilms.MaxPreview) ?? 6);
        byte[]? keyframes = await ReadUpload(context, service);
        var (start, frames, used) = await service.Queue.Run(() =>
        {
            var (s, coloured, k) = service.Films.Preview(service.Films.Get(id), model.Default, first, count, keyframes);
            return (s, coloured.Select(f => "data:image/png;base64," + Convert.ToBase64String(DemoService.Encode(f, "png"))).ToList(), k);
        }, context.RequestAborted);
        await context.Response.WriteAsJsonAsync(new { first = start, keyframes = used, frames });
    }

    /// <summary>The uploaded picture's bytes (raw body, or the multipart field "image"), or null when the request has none; 413 past the server's limit.</summary>
    private static Task<byte[]?> ReadUpload(HttpContext context, DemoService service) => DemoUpload.Read(context, service.Options.MaxUploadBytes);
}
