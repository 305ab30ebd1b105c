using System.Diagnostics;
using System.Net.Http.Headers;
using ColorKernels.Engine.Devices;
using ColorKernels.Host.Serve;
using ColorKernels.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;

namespace ColorKernels.Perf.Speed;

/// <summary>
/// A load check of the web demo (colorkernels serve) on loopback: the real server (Kestrel at 127.0.0.1,
/// a free port) and HTTP clients in this process. Each case sends requests from 1 and from 4 clients at
/// once, bounded by a count and a time (at most 200 requests or 10 s), and reports requests/s and latency
/// percentiles; the baseline in the same run is GET /api/health (the HTTP stack and the queue, no device
/// work). The picture is a 256 x 192 PNG (the steering rows: a kept 512 x 384, the page's preview size,
/// decoded with 10 hints or a palette); the queue holds 8, so 4 clients never see 503.
/// </summary>
internal static class ServeLoadBench
{
    public static void Run(ComputeDevice device, TextWriter log)
    {
        using var service = new DemoService(device, new ServeOptions());
        WebApplication app = DemoServer.Build(service, b => b.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0)));
        app.Start();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            byte[] photo = TestData.ColourfulPng(256, 192);
            // Warm-up: kernels compile on first use; one upload is kept for the re-decode and distribution cases.
            HttpResponseMessage first = Send(client, HttpMethod.Post, "/api/colorize", photo).GetAwaiter().GetResult();
            string picture = first.Headers.GetValues("X-Picture").Single();
            var temperatures = new[] { "0.2", "0.38", "0.6", "1" };
            // The page's steering at its 512-px preview: a kept 512 x 384 picture re-decoded plain, with 10 hints, with a palette.
            byte[] preview = TestData.ColourfulPng(512, 384);
            HttpResponseMessage kept = Send(client, HttpMethod.Post, "/api/colorize", preview).GetAwaiter().GetResult();
            string previewId = kept.Headers.GetValues("X-Picture").Single();
            string tenHints = "{\"hints\": [" + string.Join(", ", Enumerable.Range(0, 10).Select(k => $"{{\"x\": {25 + 47 * k}, \"y\": {30 + 31 * k}, \"color\": \"#{(k * 40 + 60) % 256:x2}7040\", \"size\": 3}}")) + "]}";
            const string Palette = "{\"palette\": \"#aa3322,#334455,#c8a070\"}";
            var cases = new (string Name, Func<int, Task<HttpResponseMessage>> Call)[]
            {
                ("GET /api/health (baseline)", _ => Send(client, HttpMethod.Get, "/api/health", null)),
                ("re-decode (picture=, temperature=)", i => Send(client, HttpMethod.Post, $"/api/colorize?picture={picture}&temperature={temperatures[i % 4]}", null)),
                ("POST /api/distribution", i => Send(client, HttpMethod.Post, $"/api/distribution?picture={picture}&x={i % 256}&y={i % 192}", null)),
                ("re-decode 512x384", i => Send(client, HttpMethod.Post, $"/api/colorize?picture={previewId}&temperature={temperatures[i % 4]}", null)),
                ("steer 512x384: 10 hints", i => Send(client, HttpMethod.Post, $"/api/colorize?picture={previewId}&temperature={temperatures[i % 4]}", null, tenHints)),
                ("steer 512x384: palette", i => Send(client, HttpMethod.Post, $"/api/colorize?picture={previewId}&temperature={temperatures[i % 4]}", null, Palette)),
                // Last: each upload is kept, and past the server's 64 the warm-up picture the rows above use is dropped.
                ("POST /api/colorize 256x192", _ => Send(client, HttpMethod.Post, "/api/colorize", photo)),
            };
            log.WriteLine($"serve  load check on loopback ({app.Urls.First()}), built-in model, on {device.Description}; at most 200 requests or 10 s a row");
            log.WriteLine($"  {"request",-36} {"clients",7} {"requests",8} {"req/s",8} {"p50 ms",8} {"p95 ms",8} {"p99 ms",8} {"vs baseline",12}");
            var baseline = new Dictionary<int, double>();
            foreach (var (name, call) in cases)
                foreach (int clients in new[] { 1, 4 })
                {
                    var (count, rate, latencies) = Load(call, clients);
                    if (name.EndsWith("(baseline)", StringComparison.Ordinal))
                        baseline[clients] = rate;
                    log.WriteLine($"  {name,-36} {clients,7} {count,8} {rate,8:F1} {Percentile(latencies, 0.5),8:F1} {Percentile(latencies, 0.95),8:F1} {Percentile(latencies, 0.99),8:F1} {baseline[clients] / rate,11:F1}x");
                }
        }
        finally
        {
            app.StopAsync().GetAwaiter().GetResult();
            ((IDisposable)app).Dispose();
        }
    }

    private static async Task<HttpResponseMessage> Send(HttpClient client, HttpMethod method, string path, byte[]? body, string? json = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        }
        else if (json is not null)
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        HttpResponseMessage response = await client.SendAsync(request);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        await response.Content.ReadAsByteArrayAsync();
        return response;
    }

    /// <summary>Requests from <paramref name="clients"/> loops at once until 200 are done or 10 s pass.</summary>
    private static (int Count, double Rate, List<double> Latencies) Load(Func<int, Task<HttpResponseMessage>> call, int clients)
    {
        var latencies = new List<double>();
        int issued = 0;
        var clock = Stopwatch.StartNew();
        async Task Client()
        {
            int i;
            while ((i = Interlocked.Increment(ref issued)) <= 200 && clock.Elapsed < TimeSpan.FromSeconds(10))
            {
                var one = Stopwatch.StartNew();
                (await call(i)).Dispose();
                lock (latencies)
                    latencies.Add(one.Elapsed.TotalMilliseconds);
            }
        }
        Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(Client))).GetAwaiter().GetResult();
        return (latencies.Count, latencies.Count / clock.Elapsed.TotalSeconds, latencies);
    }

    private static double Percentile(List<double> values, double q)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
