using System.CommandLine;
using System.Net;
using ColorKernels.Engine;
using ColorKernels.Engine.Devices;
using ColorKernels.Host.Serve;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;

namespace ColorKernels.Host.Commands;

/// <summary><c>colorkernels serve</c>: the local web demo and its JSON API (Host/Serve).</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "The port to listen on", DefaultValueFactory = _ => 5080 };
        var listen = new Option<string>("--listen")
        {
            Description = "The address to listen on: 127.0.0.1 (this machine only) by default; another address (0.0.0.0 for every interface) lets other machines in, with a warning",
            DefaultValueFactory = _ => "127.0.0.1",
        };
        var models = new Option<string[]>("--model", "-m")
        {
            Description = "A model file to offer beside the built-in model (ECCV16 or SOM + MLP); repeat for several",
            AllowMultipleArgumentsPerToken = false,
        };
        var apiKey = new Option<string?>("--api-key")
        {
            Description = "Require this key on every API request (X-Api-Key header; the page asks for it); default: the COLORKERNELS_API_KEY environment variable, else none",
        };
        var queue = new Option<int>("--queue") { Description = "Requests that may wait for the device; one more gets 503 with Retry-After", DefaultValueFactory = _ => 8 };
        var timeout = new Option<double>("--timeout") { Description = "Seconds a request may wait for the device before it gets 504", DefaultValueFactory = _ => 60 };
        var maxUpload = new Option<double>("--max-upload-mb") { Description = "The largest upload accepted, in MiB (413 beyond)", DefaultValueFactory = _ => 50 };
        var maxMegapixels = new Option<double>("--max-megapixels")
        {
            Description = "Refuse pictures larger than this many megapixels, read from the header before decoding (16 here: lower than colorize's 100, as a server takes pictures from anyone)",
            DefaultValueFactory = _ => ServeOptions.DefaultMaxPixels / 1e6,
        };
        var command = new Command("serve", "A local web demo: drop a photo, see it coloured, the per-pixel distribution over the 313 ab bins, the temperature's effect and SOM colour maps; plus a JSON API (docs/cli.md, 'Web demo')")
        {
            port, listen, models, apiKey, queue, timeout, maxUpload, maxMegapixels,
        };
        command.SetAction(result => Cli.Guard(() =>
        {
            int p = result.GetValue(port);
            if (p is < 0 or > 65535)
                throw new UsageException($"--port {p}: expected 0 to 65535 (0 picks a free one)");
            string address = result.GetValue(listen)!;
            if (!IPAddress.TryParse(address, out IPAddress? ip))
                throw new UsageException($"--listen {address}: expected an IP address such as 127.0.0.1 or 0.0.0.0");
            double upload = result.GetValue(maxUpload), megapixels = result.GetValue(maxMegapixels), seconds = result.GetValue(timeout);
            if (!(upload > 0) || !double.IsFinite(upload))
                throw new UsageException($"--max-upload-mb {upload}: must be above 0");
            if (!(megapixels > 0) || !double.IsFinite(megapixels))
                throw new UsageException($"--max-megapixels {megapixels}: must be above 0");
            if (!(seconds > 0) || !double.IsFinite(seconds))
                throw new UsageException($"--timeout {seconds}: must be above 0");
            int waiting = result.GetValue(queue);
            if (waiting < 0)
                throw new UsageException($"--queue {waiting}: must be 0 or more");
            string? key = result.GetValue(apiKey) ?? Environment.GetEnvironmentVariable("COLORKERNELS_API_KEY");
            if (key is { Length: 0 })
                key = null;
            var options = new ServeOptions
            {
                Models = result.GetValue(models) ?? Array.Empty<string>(),
                ApiKey = key,
                QueueCapacity = waiting,
                RequestTimeout = TimeSpan.FromSeconds(seconds),
                MaxUploadBytes = (long)Math.Min(upload * 1024 * 1024, long.MaxValue / 2),
                MaxPixels = (long)Math.Min(megapixels * 1e6, long.MaxValue / 2),
            };
            if (!IPAddress.IsLoopback(ip))
                Cli.Warning($"listening on {address}: other machines can reach this server{(key is null ? " and use it without a key (--api-key)" : "")}");

            using ComputeDevice device = Cli.OpenDevice(result);
            using var service = new DemoService(device, options);
            WebApplication app = DemoServer.Build(service, builder => builder.WebHost.ConfigureKestrel(k =>
            {
                k.Listen(ip, p);
                k.Limits.MaxRequestBodySize = options.MaxUploadBytes + 1024 * 1024;
                k.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(30);
            }), line => Console.Out.WriteLine(line));
            try
            {
                app.Start();
            }
            catch (IOException e)
            {
                throw new UserErrorException($"cannot listen on {address}:{p}: {Cli.OneLine(e.Message)} (another --port?)");
            }
            string url = app.Urls.FirstOrDefault() ?? $"http://{address}:{p}";
            Console.Out.WriteLine($"colorkernels serve: {url}/ on {device.Description}, {service.Models.Count} model(s); Ctrl-C stops");
            // Ctrl-C or SIGTERM: the host stops taking requests, lets those running finish (up to 10 s), then returns.
            app.WaitForShutdown();
            ((IDisposable)app).Dispose();
            Console.Out.WriteLine("colorkernels serve: stopped");
            return 0;
        }));
        return command;
    }
}
