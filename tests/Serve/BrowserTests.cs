using ColorKernels.Tests.Support;
using PuppeteerSharp;
using PuppeteerSharp.Input;
using Xunit;

namespace ColorKernels.Tests.Serve;

/// <summary>
/// The demo page in a real browser: Debian's chromium, headless, driven over the DevTools protocol
/// (PuppeteerSharp; .ci/run installs chromium when absent; COLORKERNELS_CHROMIUM names another). The
/// server is Kestrel on 127.0.0.1 at a free port. The page loads, a bundled photo is uploaded through the
/// file input, the coloured result appears, the temperature slider re-decodes it, a click on a pixel draws
/// its 313-bin distribution, the SOM view appears, switching to a SOM + MLP model redraws the pixel over its
/// codewords, and no script error happens on the way; a screenshot is
/// saved (COLORKERNELS_SCREENSHOT=FILE keeps a copy: the README's is made so).
/// </summary>
public class BrowserTests
{
    private static string Chromium()
    {
        if (Environment.GetEnvironmentVariable("COLORKERNELS_CHROMIUM") is { Length: > 0 } named)
            return named;
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            foreach (string name in new[] { "chromium", "chromium-browser" })
                if (File.Exists(Path.Combine(dir, name)))
                    return Path.Combine(dir, name);
        throw new InvalidOperationException("the browser test needs Debian's chromium (apt-get install chromium; .ci/run installs it) or COLORKERNELS_CHROMIUM");
    }

    [Fact]
    public async Task The_page_colours_an_upload_re_decodes_on_the_slider_and_plots_a_pixel()
    {
        await using var host = DemoHost.OnLoopback(new Host.Serve.ServeOptions { Models = new[] { TestData.RepositoryFile("docs", "som-mlp", "general.ckm") } });
        await using IBrowser browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            Headless = true,
            ExecutablePath = Chromium(),
            // No sandbox: CI runs as root in a container, where chromium's sandbox cannot start.
            Args = new[] { "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage" },
        });
        await using IPage page = await browser.NewPageAsync();
        page.DefaultTimeout = 120_000;   // two cores shared with the rest of the suite
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e.Message);
        page.Console += (_, e) => { if (e.Message.Type == ConsoleType.Error) errors.Add(e.Message.Text); };
        await page.SetViewportAsync(new ViewPortOptions { Width = 1280, Height = 860 });
        await page.GoToAsync(host.Client.BaseAddress!.ToString());
        await page.WaitForFunctionAsync("() => document.body.dataset.state === 'idle' && document.querySelectorAll('#model option').length === 2");
        Assert.StartsWith("running on cpu:0", await page.EvaluateExpressionAsync<string>("document.getElementById('device').textContent"));

        string photo = TestData.RepositoryFile("samples", "photos", "air-balloon.png");
        IElementHandle input = await page.QuerySelectorAsync("#file");
        await input.UploadFileAsync(photo);
        await page.WaitForFunctionAsync("() => document.body.dataset.state === 'ready' && document.getElementById('after').naturalWidth > 0 && document.getElementById('before').naturalWidth > 0");
        Assert.Equal(512, await page.EvaluateExpressionAsync<int>("document.getElementById('after').naturalWidth"));
        Assert.Equal("ran", await page.EvaluateExpressionAsync<string>("document.getElementById('after').dataset.network"));

        await page.EvaluateExpressionAsync("(() => { const t = document.getElementById('temperature'); t.value = '0.5'; t.dispatchEvent(new Event('input')); })()");
        await page.WaitForFunctionAsync("() => document.getElementById('after').dataset.temperature === '0.5' && document.body.dataset.state === 'ready'");
        Assert.Equal("reused", await page.EvaluateExpressionAsync<string>("document.getElementById('after').dataset.network"));

        await page.EvaluateExpressionAsync("(() => { const s = document.getElementById('split'); s.value = '35'; s.dispatchEvent(new Event('input')); })()");
        BoundingBox box = await (await page.QuerySelectorAsync("#compare")).BoundingBoxAsync();
        await page.Mouse.ClickAsync(box.X + box.Width * 0.62m, box.Y + box.Height * 0.3m);
        await page.WaitForFunctionAsync("() => document.getElementById('plot').dataset.bins === '313'");
        Assert.Contains("annealed mean at T = 0.5", await page.EvaluateExpressionAsync<string>("document.getElementById('pixel-info').textContent"));
        Assert.Contains("true colour", await page.EvaluateExpressionAsync<string>("document.getElementById('pixel-info').textContent"));
        await page.WaitForFunctionAsync("() => document.getElementById('som').dataset.maps === '2' && [...document.querySelectorAll('#som img')].every(i => i.complete && i.naturalWidth > 0)");

        string shot = Path.Combine(Path.GetTempPath(), $"colorkernels-serve-{Environment.ProcessId}.png");
        await page.ScreenshotAsync(shot, new ScreenshotOptions { FullPage = true });
        Assert.True(new FileInfo(shot).Length > 20_000, "the screenshot is nearly empty");
        if (Environment.GetEnvironmentVariable("COLORKERNELS_SCREENSHOT") is { Length: > 0 } keep)
            File.Copy(shot, keep, overwrite: true);
        File.Delete(shot);

        // The SOM + MLP model: the picture is coloured again with it, and the pixel's plot shows its codewords.
        await page.SelectAsync("#model", "general");
        await page.WaitForFunctionAsync("() => document.body.dataset.state === 'ready' && document.getElementById('plot').dataset.method === 'som-mlp'");
        Assert.Contains("codewords", await page.EvaluateExpressionAsync<string>("document.getElementById('pixel-info').textContent"));
        Assert.Empty(errors);
    }
}
