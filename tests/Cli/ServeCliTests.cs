using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Xunit;

namespace ColorKernels.Tests.Cli;

/// <summary><c>colorkernels serve</c> as a user runs it: it starts on 127.0.0.1, answers, and stops cleanly on Ctrl-C; bad options are one-line errors.</summary>
public class ServeCliTests : CliFolder
{
    public ServeCliTests() : base("ck-serve") { }

    [Theory]
    [InlineData("INT")]
    [InlineData("TERM")]
    public async Task Serve_answers_on_loopback_and_a_signal_stops_it_cleanly(string signal)
    {
        using Process process = CliRunner.Start(dir, "serve", "--port", "0", "--device", "cpu");
        // "colorkernels serve: http://127.0.0.1:PORT/ on ..." once it listens.
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        string? first;
        try
        {
            first = await process.StandardOutput.ReadLineAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            first = null;
        }
        if (first is null)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("serve did not say where it listens within 90 s: " + await process.StandardError.ReadToEndAsync());
        }
        Match url = Regex.Match(first, @"http://127\.0\.0\.1:\d+/");
        Assert.True(url.Success, first);
        using (var client = new HttpClient { BaseAddress = new Uri(url.Value) })
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/health")).StatusCode);
            Assert.Contains("<!doctype html>", await client.GetStringAsync("/"));
        }
        using (Process kill = Process.Start("kill", $"-{signal} {process.Id}"))
            kill.WaitForExit();
        CliRunner.Result r = CliRunner.Finish(process);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("GET /api/health 200", r.Stdout);
        Assert.Contains("colorkernels serve: stopped", r.Stdout);
        AssertNoStackTrace(r);
    }

    [Fact]
    public void Bad_options_are_one_line_errors()
    {
        var port = CliRunner.Run(dir, "serve", "--port", "70000");
        Assert.Equal(2, port.ExitCode);
        Assert.Contains("--port 70000: expected 0 to 65535", port.Stderr);
        var listen = CliRunner.Run(dir, "serve", "--listen", "localhost.example");
        Assert.Equal(2, listen.ExitCode);
        Assert.Contains("--listen localhost.example: expected an IP address", listen.Stderr);
        var model = CliRunner.Run(dir, "serve", "--port", "0", "--model", P("missing.ckm"));
        Assert.Equal(1, model.ExitCode);
        Assert.Contains("missing.ckm", model.Stderr);
        foreach (var r in new[] { port, listen, model })
            AssertNoStackTrace(r);
    }

    [Fact]
    public void A_port_in_use_is_a_one_line_error()
    {
        var taken = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        try
        {
            int port = ((IPEndPoint)taken.LocalEndpoint).Port;
            var r = CliRunner.Run(dir, "serve", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--device", "cpu");
            Assert.Equal(1, r.ExitCode);
            Assert.Contains($"cannot listen on 127.0.0.1:{port}", r.Stderr);
            AssertNoStackTrace(r);
        }
        finally
        {
            taken.Stop();
        }
    }
}
