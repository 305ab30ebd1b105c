using ColorKernels.Host.Serve;
using ColorKernels.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Hosting;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ColorKernels.Tests.Serve;

/// <summary>The web demo in process on the CPU accelerator: the real ASP.NET Core pipeline on a TestServer (no socket), or on Kestrel at 127.0.0.1 with a free port.</summary>
internal sealed class DemoHost(DemoService service, WebApplication app, HttpClient client) : IAsyncDisposable
{
    public DemoService Service { get; } = service;
    public WebApplication App { get; } = app;
    public HttpClient Client { get; } = client;

    public static DemoHost InProcess(ServeOptions? options = null)
    {
        var service = new DemoService(TestDevices.Get("cpu:0"), options ?? new ServeOptions());
        WebApplication app = DemoServer.Build(service, builder => builder.WebHost.UseTestServer());
        app.Start();
        return new DemoHost(service, app, app.GetTestClient());
    }

    /// <summary>Kestrel on 127.0.0.1 at a free port (for the browser); the client's base address is the page.</summary>
    public static DemoHost OnLoopback(ServeOptions? options = null)
    {
        var service = new DemoService(TestDevices.Get("cpu:0"), options ?? new ServeOptions());
        WebApplication app = DemoServer.Build(service, builder => builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0)));
        app.Start();
        string url = app.Urls.First();
        return new DemoHost(service, app, new HttpClient { BaseAddress = new Uri(url) });
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        Service.Dispose();
    }

    /// <summary>A small colourful PNG (gradients in all three channels, varied by <paramref name="seed"/>).</summary>
    /// <summary>A PNG request body.</summary>
    public static ByteArrayContent Png(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/png");
        return content;
    }

    /// <summary>A JSON request body (the page's steering requests).</summary>
    public static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    public static byte[] Photo(int w = 40, int h = 30, int seed = 0) => TestData.ColourfulPng(w, h, seed);

    /// <summary>The same photo in greyscale.</summary>
    public static byte[] GreyPhoto(int w = 40, int h = 30)
    {
        using var image = new Image<L8>(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                image[x, y] = new L8((byte)((x * 5 + y * 3) % 256));
        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        return stream.ToArray();
    }
}
