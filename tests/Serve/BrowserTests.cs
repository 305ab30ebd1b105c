using ColorKernels.Engine.Imaging;
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

    private static Task<IBrowser> Launch() => Puppeteer.LaunchAsync(new LaunchOptions
    {
        Headless = true,
        ExecutablePath = Chromium(),
        // No sandbox: CI runs as root in a container, where chromium's sandbox cannot start.
        Args = new[] { "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage" },
    });

    /// <summary>The demo's page in a new tab (closed with the browser), and the script errors it reports.</summary>
    private static async Task<(IPage Page, List<string> Errors)> OpenPage(IBrowser browser, DemoHost host)
    {
        IPage page = await browser.NewPageAsync();
        page.DefaultTimeout = 120_000;   // two cores shared with the rest of the suite
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e.Message);
        page.Console += (_, e) => { if (e.Message.Type == ConsoleType.Error) errors.Add(e.Message.Text); };
        await page.SetViewportAsync(new ViewPortOptions { Width = 1280, Height = 860 });
        await page.GoToAsync(host.Client.BaseAddress!.ToString());
        return (page, errors);
    }

    [Fact]
    public async Task The_page_colours_an_upload_re_decodes_on_the_slider_and_plots_a_pixel()
    {
        await using var host = DemoHost.OnLoopback(new Host.Serve.ServeOptions { Models = new[] { TestData.RepositoryFile("docs", "som-mlp", "general.ckm") } });
        await using IBrowser browser = await Launch();
        var (page, errors) = await OpenPage(browser, host);
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

    /// <summary>
    /// Hints and palettes on the page: a grey two-region picture (L 35 | L 80) is uploaded, a click on the dark
    /// region and a chosen colour place a hint, and the picture recolours with the hinted pixel in the hint's
    /// chroma while the network does not run again; hints exported as JSON are imported back; a palette from
    /// a photo is applied.
    /// </summary>
    [Fact]
    public async Task A_hint_placed_on_the_page_colours_a_grey_region_and_a_palette_applies()
    {
        await using var host = DemoHost.OnLoopback(new Host.Serve.ServeOptions());
        await using IBrowser browser = await Launch();
        var (page, errors) = await OpenPage(browser, host);
        await page.WaitForFunctionAsync("() => document.body.dataset.state === 'idle'");

        string folder = Directory.CreateTempSubdirectory("ck-browser-hints-").FullName;
        try
        {
            string grey = Path.Combine(folder, "grey.png"), sky = Path.Combine(folder, "sky.png"), hints = Path.Combine(folder, "hints.json");
            Engine.Imaging.ImageIO.Save(grey, Models.ColorHintTests.TwoRegions());
            var blue = new byte[16 * 16 * 3];
            for (int i = 0; i < 16 * 16; i++)
                (blue[3 * i], blue[3 * i + 1], blue[3 * i + 2]) = ((byte)40, (byte)80, (byte)190);
            Engine.Imaging.ImageIO.Save(sky, Engine.Imaging.ImageData.FromRgb8(16, 16, blue));
            await (await page.QuerySelectorAsync("#file")).UploadFileAsync(grey);
            await page.WaitForFunctionAsync("() => document.body.dataset.state === 'ready' && document.getElementById('after').naturalWidth === 96");

            // Click pixel (20, 32), pick a colour, add the hint.
            await page.EvaluateExpressionAsync("(() => { const s = document.getElementById('split'); s.value = '0'; s.dispatchEvent(new Event('input')); })()");
            BoundingBox box = await (await page.QuerySelectorAsync("#after")).BoundingBoxAsync();
            await page.Mouse.ClickAsync(box.X + box.Width * (20.5m / 96), box.Y + box.Height * (32.5m / 64));
            await page.WaitForFunctionAsync("() => !document.getElementById('picker').hidden && document.querySelectorAll('#picker-swatches button').length === 6 && document.body.dataset.state === 'ready'");
            await page.EvaluateExpressionAsync("(() => { document.getElementById('picker-colour').value = '#507040'; document.getElementById('picker-size').value = '9'; document.getElementById('picker-add').click(); })()");
            await page.WaitForFunctionAsync("() => document.getElementById('after').dataset.hints === '1' && document.body.dataset.state === 'ready'");
            Assert.Equal("reused", await page.EvaluateExpressionAsync<string>("document.getElementById('after').dataset.network"));
            Assert.Equal(1, await page.EvaluateExpressionAsync<int>("document.querySelectorAll('#compare .pin').length"));
            var hint = Engine.Models.ColorHint.FromColor(20, 32, "#507040");
            var (a, b) = await AbOnPage(page, 20, 32);
            Assert.True(Math.Abs(a - hint.A) < 5 && Math.Abs(b - hint.B) < 5, $"(20, 32) on the page: ab ({a:F1}, {b:F1}), hint ({hint.A:F1}, {hint.B:F1})");

            // Hints in the export's format, imported: the list and the picture follow (a light blue: a chroma the L 80 region can show in sRGB).
            File.WriteAllText(hints, """{"hints": [{"x": 70, "y": 30, "color": "#8ab4e0", "size": 5}, {"x": 10, "y": 10, "color": "#507040"}]}""");
            await (await page.QuerySelectorAsync("#hints-import")).UploadFileAsync(hints);
            await page.WaitForFunctionAsync("() => document.getElementById('after').dataset.hints === '2' && document.getElementById('hint-list').dataset.count === '2' && document.body.dataset.state === 'ready'");
            var blueHint = Engine.Models.ColorHint.FromColor(70, 30, "#8ab4e0");
            var (a2, b2) = await AbOnPage(page, 70, 30);
            Assert.True(Math.Abs(a2 - blueHint.A) < 5 && Math.Abs(b2 - blueHint.B) < 5, $"(70, 30) on the page: ab ({a2:F1}, {b2:F1}), hint ({blueHint.A:F1}, {blueHint.B:F1})");

            // A palette from a blue photo.
            await (await page.QuerySelectorAsync("#palette-file")).UploadFileAsync(sky);
            await page.WaitForFunctionAsync("() => document.getElementById('after').dataset.palette === 'on' && document.getElementById('palette-swatches').dataset.count === '1' && document.body.dataset.state === 'ready'");
            Assert.Empty(errors);
            Assert.Equal("", await page.EvaluateExpressionAsync<string>("document.getElementById('error').textContent"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// A film on the page (issue #40): the fixture clip (12 frames of 96 x 64 at 10 frames/s) is opened, scrubbed to
    /// frame 4, a click there puts a hint on it, the preview colours frames 4 to 9 with the hinted place in the hint's
    /// chroma on the keyframe and carried to the later frames, the page's keyframes document is the CLI's format, and a
    /// keyframes file with a time is imported onto its frame.
    /// </summary>
    [Fact]
    public async Task A_film_is_scrubbed_hinted_on_a_keyframe_previewed_and_its_keyframes_exported_and_imported()
    {
        await using var host = DemoHost.OnLoopback(new Host.Serve.ServeOptions());
        await using IBrowser browser = await Launch();
        var (page, errors) = await OpenPage(browser, host);
        await page.WaitForFunctionAsync("() => document.body.dataset.state === 'idle'");
        string folder = Directory.CreateTempSubdirectory("ck-browser-film-").FullName;
        try
        {
            await OpenClip(page);
            Assert.Equal("clip.mp4: 12 frames of 96 x 64 at 10 frames/s", await page.EvaluateExpressionAsync<string>("document.getElementById('film-info').textContent"));

            await page.EvaluateExpressionAsync("(() => { const f = document.getElementById('film-frame'); f.value = '4'; f.dispatchEvent(new Event('input')); })()");
            await page.WaitForFunctionAsync("() => document.getElementById('film-image').dataset.frame === '4' && document.getElementById('film-section').dataset.state === 'ready'");
            await page.EvaluateExpressionAsync("(() => { document.getElementById('film-colour').value = '#507040'; document.getElementById('film-size').value = '9'; })()");
            BoundingBox box = await (await page.QuerySelectorAsync("#film-image")).BoundingBoxAsync();
            await page.Mouse.ClickAsync(box.X + box.Width * (48.5m / 96), box.Y + box.Height * (32.5m / 64));
            await page.WaitForFunctionAsync("() => document.getElementById('film-keyframes').dataset.hints === '1'");
            Assert.Equal("""{"keyframes":[{"frame":4,"hints":[{"x":48,"y":32,"color":"#507040","size":9}]}]}""",
                await page.EvaluateExpressionAsync<string>("JSON.stringify(keyframesDocument())"));

            await page.ClickAsync("#film-preview");
            await page.WaitForFunctionAsync("() => document.getElementById('film-previews').dataset.count === '6' && document.getElementById('film-section').dataset.state === 'ready'");
            Assert.Equal("4", await page.EvaluateExpressionAsync<string>("document.getElementById('film-previews').dataset.first"));
            var hint = Engine.Models.ColorHint.FromColor(0, 0, "#507040");
            foreach (int i in new[] { 0, 5 })
            {
                var (a, b) = await AbOf(page, $"#film-previews figure:nth-child({i + 1}) img", 48, 32);
                Assert.True(Math.Abs(a - hint.A) < 8 && Math.Abs(b - hint.B) < 8, $"preview frame {4 + i} at (48, 32): ab ({a:F1}, {b:F1}), hint ({hint.A:F1}, {hint.B:F1})");
            }

            string keyframes = Path.Combine(folder, "keyframes.json");
            File.WriteAllText(keyframes, """{"keyframes": [{"time": "00:00:00.800", "hints": [{"x": 10, "y": 10, "color": "#c03020"}, {"x": 80, "y": 50, "color": "#2040c0", "size": 5}], "palette": "#c8a070"}]}""");
            await (await page.QuerySelectorAsync("#film-import")).UploadFileAsync(keyframes);
            await page.WaitForFunctionAsync("() => document.getElementById('film-keyframes').dataset.hints === '2'");
            Assert.Equal("""{"keyframes":[{"frame":8,"palette":"#c8a070","hints":[{"x":10,"y":10,"color":"#c03020","size":1},{"x":80,"y":50,"color":"#2040c0","size":5}]}]}""",
                await page.EvaluateExpressionAsync<string>("JSON.stringify(keyframesDocument())"));
            Assert.Empty(errors);
            Assert.Equal("", await page.EvaluateExpressionAsync<string>("document.getElementById('error').textContent"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_colour_frame_given_on_the_page_colours_its_shot_in_the_preview_and_is_exported_inline()
    {
        await using var host = DemoHost.OnLoopback(new Host.Serve.ServeOptions());
        await using IBrowser browser = await Launch();
        var (page, errors) = await OpenPage(browser, host);
        await page.WaitForFunctionAsync("() => document.body.dataset.state === 'idle'");
        string folder = Directory.CreateTempSubdirectory("ck-browser-colour-frame-").FullName;
        try
        {
            await OpenClip(page);
            // Frame 0 coloured by hand (here all one brick red), given as a picture of the film's size.
            string red = Path.Combine(folder, "frame-0.png");
            ImageIO.Save(red, ImageData.FromRgb8(96, 64, Enumerable.Range(0, 96 * 64).SelectMany(_ => new byte[] { 0xc0, 0x30, 0x20 }).ToArray()));
            await (await page.QuerySelectorAsync("#film-color-frame")).UploadFileAsync(red);
            await page.WaitForFunctionAsync("() => document.querySelector('#film-keyframes li')?.dataset.colorFrame === 'yes'");
            Assert.Equal("1", await page.EvaluateExpressionAsync<string>("document.getElementById('film-keyframes').dataset.count"));
            string document = await page.EvaluateExpressionAsync<string>("JSON.stringify(keyframesDocument())");
            Assert.StartsWith("{\"keyframes\":[{\"frame\":0,\"colorFrame\":\"data:image/png;base64,", document);

            // The preview: the keyframe takes the given chroma, and the shot's later frames keep it.
            await page.ClickAsync("#film-preview");
            await page.WaitForFunctionAsync("() => document.getElementById('film-previews').dataset.count === '6' && document.getElementById('film-section').dataset.state === 'ready'",
                new WaitForFunctionOptions { Timeout = 60_000 });
            Assert.Equal("1", await page.EvaluateExpressionAsync<string>("document.getElementById('film-previews').dataset.keyframes"));
            var brick = Engine.Models.ColorHint.FromColor(0, 0, "#c03020");
            foreach (int i in new[] { 0, 5 })
            {
                var (a, b) = await AbOf(page, $"#film-previews figure:nth-child({i + 1}) img", 48, 32);
                Assert.True(Math.Abs(a - brick.A) < 8 && Math.Abs(b - brick.B) < 8, $"preview frame {i} at (48, 32): ab ({a:F1}, {b:F1}), the colour frame's ({brick.A:F1}, {brick.B:F1})");
            }

            // The exported document is the CLI's keyframes file, its picture inline: the CLI reads it as it is.
            string keyframes = Path.Combine(folder, "keyframes.json");
            File.WriteAllText(keyframes, document);
            ImageData given = Host.Files.HintFiles.ReadKeyframes(keyframes, 1 << 20)[0].ColorFrame!;
            Assert.Equal(ImageIO.Load(red).Rgb8, given.Rgb8);
            // Imported back: the same keyframes; a file naming its picture by path is refused with what to give instead.
            await page.ClickAsync("#film-clear");
            await (await page.QuerySelectorAsync("#film-import")).UploadFileAsync(keyframes);
            await page.WaitForFunctionAsync("() => document.getElementById('film-keyframes').dataset.count === '1'");
            Assert.Equal(document, await page.EvaluateExpressionAsync<string>("JSON.stringify(keyframesDocument())"));
            // A palette photo goes on the same keyframe, inline too, and reads back as the CLI's palette photo.
            await (await page.QuerySelectorAsync("#film-palette-photo")).UploadFileAsync(red);
            await page.WaitForFunctionAsync("() => JSON.stringify(keyframesDocument()).includes('\"paletteFrom\":\"data:image/png;base64,')");
            File.WriteAllText(keyframes, await page.EvaluateExpressionAsync<string>("JSON.stringify(keyframesDocument())"));
            Assert.Equal(ImageIO.Load(red).Rgb8, Host.Files.HintFiles.ReadKeyframes(keyframes, 1 << 20)[0].PalettePhoto!.Rgb8);
            // Reference photos too (two, one model fitted to both): a list of data URLs, read back as the library's reference pictures.
            await (await page.QuerySelectorAsync("#film-reference")).UploadFileAsync(red);
            await (await page.QuerySelectorAsync("#film-reference")).UploadFileAsync(red);
            await page.WaitForFunctionAsync("() => (keyframesDocument().keyframes[0].reference || []).length === 2");
            File.WriteAllText(keyframes, await page.EvaluateExpressionAsync<string>("JSON.stringify(keyframesDocument())"));
            var references = Host.Files.HintFiles.ReadKeyframes(keyframes, 1 << 20)[0].ReferencePictures!;
            Assert.Equal(2, references.Count);
            Assert.Equal(ImageIO.Load(red).Rgb8, references[1].Rgb8);
            Assert.Empty(errors);
            string byPath = Path.Combine(folder, "by-path.json");
            File.WriteAllText(byPath, "{\"keyframes\": [{\"frame\": 0, \"colorFrame\": \"frame-0.png\"}]}");
            await (await page.QuerySelectorAsync("#film-import")).UploadFileAsync(byPath);
            await page.WaitForFunctionAsync("() => document.getElementById('error').textContent !== ''");
            Assert.Contains("\"colorFrame\" names files, which only the command line reads", await page.EvaluateExpressionAsync<string>("document.getElementById('error').textContent"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Opens the fixture clip (12 frames of 96 x 64) in the page's film section and waits for its first frame.</summary>
    private static async Task OpenClip(IPage page)
    {
        await (await page.QuerySelectorAsync("#film-file")).UploadFileAsync(TestData.Fixture("clip.mp4"));
        await page.WaitForFunctionAsync("() => document.getElementById('film-section').dataset.state === 'ready' && document.getElementById('film-image').dataset.frame === '0'");
    }

    /// <summary>The CIELAB chroma of pixel (x, y) of the image <paramref name="selector"/> names, read through a canvas.</summary>
    private static async Task<(double A, double B)> AbOf(IPage page, string selector, int x, int y)
    {
        int[] rgb = await page.EvaluateFunctionAsync<int[]>(@"(selector, x, y) => {
            const img = document.querySelector(selector), c = document.createElement('canvas');
            c.width = img.naturalWidth; c.height = img.naturalHeight;
            const g = c.getContext('2d'); g.drawImage(img, 0, 0);
            return Array.from(g.getImageData(x, y, 1, 1).data.slice(0, 3));
        }", selector, x, y);
        var (_, a, b) = ColorKernels.Kernels.Color.LabReference.SrgbToLab(rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0);
        return (a, b);
    }

    /// <summary>The CIELAB chroma of pixel (x, y) of the page's coloured picture, read through a canvas.</summary>
    private static Task<(double A, double B)> AbOnPage(IPage page, int x, int y) => AbOf(page, "#after", x, y);
}
