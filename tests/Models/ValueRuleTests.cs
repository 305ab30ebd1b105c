using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using ColorKernels.Engine;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Host.Serve;
using ColorKernels.Tests.Cli;
using ColorKernels.Tests.Serve;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Models;

/// <summary>
/// One rule per value (Engine/Models/ValueRules.cs, ColorPalette's checks, CodebookColorizer.NoDistribution),
/// reached from every entry point that takes the value: the command line (a real process: exit code and one
/// line), the web page (in process: 400 and one line), a model file's header, and the library. Each test gives
/// every entry point the same value just outside the rule, and where a value is allowed by the rule (a
/// temperature of 0), shows that it works from end to end.
/// </summary>
public class ValueRuleTests : CliFolder
{
    public ValueRuleTests() : base("ck-rules") { }

    private static readonly Engine.Devices.ComputeDevice Cpu = TestDevices.Get("cpu:0");

    /// <summary>The page's answer is a 400 with one line containing <paramref name="fragment"/>.</summary>
    private static async Task PageRefuses(Task<HttpResponseMessage> request, string fragment)
    {
        HttpResponseMessage response = await request;
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using JsonDocument json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        string message = json.RootElement.GetProperty("error").GetString()!;
        Assert.DoesNotContain("\n", message);
        Assert.Contains(fragment, message);
    }

    /// <summary>The command exits 2 (a usage error) with one line containing <paramref name="fragment"/>, and writes nothing.</summary>
    private void CliRefuses(string fragment, params string[] args)
    {
        CliRunner.Result r = CliRunner.Run(dir, args);
        Assert.True(r.ExitCode == 2, $"colorkernels {string.Join(' ', args)}: exit {r.ExitCode}, expected 2: {r.Stderr}");
        Assert.Contains(fragment, r.Stderr);
        AssertNoStackTrace(r);
        Assert.False(File.Exists(P("out.png")) || Directory.Exists(P("report")), "nothing is written");
    }

    /// <summary>The fixture model with its header edited, written to <paramref name="name"/> (checksums made anew, so only the range checks can refuse it).</summary>
    private string Edited(string name, Action<JsonObject> edit)
    {
        ModelFile source = ModelFile.Read(TestData.Fixture("eccv16-w32.ckm"));
        var header = (JsonObject)source.Header.DeepClone();
        edit(header);
        string path = P(name);
        new ModelFile(header, source.Tensors).Write(path);
        return path;
    }

    private void Refused(string fragment, Action action) =>
        Assert.Contains(fragment, Assert.Throws<UserErrorException>(action).Message);

    [Fact]
    public async Task Decode_temperature_one_rule_from_every_entry_point()
    {
        WritePhoto(P("a.png"));
        string rule = FormattableString.Invariant($"{DecodeTemperature.Min} to {DecodeTemperature.Max}");
        CliRefuses(rule, "colorize", P("a.png"), "-o", P("out.png"), "-t", "0.005");
        CliRefuses(rule, "model", "convert", TestData.Fixture("eccv16-w32.ckm"), "-o", P("out.ckm"), "--temperature", "0.005");
        string edited = Edited("t.ckm", h => h["temperature"] = 0.005);
        Refused($"header field 'temperature' is 0.005; {DecodeTemperature.Range} expected", () => ModelFile.Read(edited));
        Refused(rule, () => Colorizer.Open(Cpu, "default", new ColorizerOptions { Temperature = 0.005f }).Dispose());
        using (IColorizer colorizer = Colorizer.Open(Cpu, "default"))
        {
            using Prediction prediction = colorizer.Predict(new[] { ImageIO.Load(P("a.png")) })[0];
            Refused(rule, () => colorizer.Decode(prediction, 0.005f));
        }
        await using (var host = DemoHost.InProcess())
            await PageRefuses(host.Client.PostAsync("/api/colorize?temperature=0.005", DemoHost.Png(DemoHost.Photo())), rule);

        // 0 (the arg-max) is allowed by the rule, so a model converted to it is a model that colours.
        CliRunner.Result convert = CliRunner.Run(dir, "model", "convert", TestData.Fixture("eccv16-w32.ckm"), "-o", P("zero.ckm"), "--temperature", "0");
        Assert.True(convert.ExitCode == 0, convert.Stderr);
        CliRunner.Result colour = CliRunner.Run(dir, "colorize", P("a.png"), "-o", P("zero.png"), "--model", P("zero.ckm"));
        Assert.True(colour.ExitCode == 0, colour.Stderr);
        using (IColorizer zero = Colorizer.Open(Cpu, P("zero.ckm")))
            Assert.Equal(0f, zero.Temperature);
    }

    [Fact]
    public async Task Network_input_size_one_rule_from_every_entry_point()
    {
        WritePhoto(P("a.png"));
        const string rule = "must be a multiple of 8 from 8 to 4096";
        CliRefuses("--size 12: " + rule, "colorize", P("a.png"), "-o", P("out.png"), "--size", "12");
        CliRefuses("--size 4104: " + rule, "eval", dir, "-o", P("report"), "--size", "4104");
        CliRefuses("--input-size 12: " + rule, "model", "convert", TestData.Fixture("eccv16-w32.ckm"), "-o", P("out.ckm"), "--input-size", "12");
        string edited = Edited("s.ckm", h => h["input_size"] = 12);
        Refused("header field 'input_size' is 12; a multiple of 8 from 8 to 4096 expected", () => ModelFile.Read(edited));
        Refused("--size 12: " + rule, () => Colorizer.Open(Cpu, "default", new ColorizerOptions { Size = 12 }).Dispose());
        Refused("--size 4104: " + rule, () => Colorizer.Open(Cpu, "default", new ColorizerOptions { Size = 4104 }).Dispose());
        // The header's own stricter maximum, and the page's range, stand beside the rule.
        string large = Edited("large.ckm", h => h["input_size"] = NetworkInputSize.MaxFromHeader + 8);
        Refused($"over the {NetworkInputSize.MaxFromHeader} a header may ask for", () => Colorizer.Open(Cpu, large).Dispose());
        await using var host = DemoHost.InProcess();
        await PageRefuses(host.Client.PostAsync("/api/colorize?size=12", DemoHost.Png(DemoHost.Photo())), "must be a multiple of 8");
        await PageRefuses(host.Client.PostAsync("/api/colorize?size=2048", DemoHost.Png(DemoHost.Photo())),
            $"size 2048: must be a multiple of 8 from {NetworkInputSize.PageMin} to {NetworkInputSize.PageMax}");
    }

    [Fact]
    public void Batch_size_one_rule_from_every_entry_point()
    {
        WritePhoto(P("a.png"));
        CliRefuses("--batch 0: must be at least 1", "colorize", P("a.png"), "-o", P("out.png"), "--batch", "0");
        Refused("--batch 0: must be at least 1", () => Colorizer.Open(Cpu, "default", new ColorizerOptions { Batch = 0 }).Dispose());
        Refused("--batch 0: must be at least 1", () => Colorizer.Open(Cpu, "none", new ColorizerOptions { Batch = 0 }).Dispose());
        using IColorizer colorizer = Colorizer.Open(Cpu, "default");
        Refused("--batch 0: must be at least 1", () => new Engine.Frames.FramePipeline(colorizer, batch: 0));
    }

    [Fact]
    public async Task Palette_strength_and_colour_count_one_rule_from_every_entry_point()
    {
        WritePhoto(P("a.png"));
        CliRefuses("--palette-strength 11: expected 0 to 10", "colorize", P("a.png"), "-o", P("out.png"), "--palette", "#aa3322", "--palette-strength", "11");
        CliRefuses("--hint-palette-strength -1: expected 0 to 10", "colorize", P("a.png"), "-o", P("out.png"), "--hint-palette-strength", "-1");
        Refused("hint palette strength 11: expected 0 to 10", () => Colorizer.Open(Cpu, "default", new ColorizerOptions { HintPaletteStrength = 11 }).Dispose());
        string many = string.Join(",", Enumerable.Repeat("#aa3322", ColorPalette.MaxColors + 1));
        CliRefuses($"palette: {ColorPalette.MaxColors + 1} colours, at most {ColorPalette.MaxColors}", "colorize", P("a.png"), "-o", P("out.png"), "--palette", many);

        ColorPalette strong = ColorPalette.Parse("#aa3322") with { Strength = 11 };
        Refused("palette strength 11: expected 0 to 10", () => Colorizer.Open(Cpu, "default", new ColorizerOptions { ColorPalette = strong }).Dispose());
        using (IColorizer colorizer = Colorizer.Open(Cpu, "default"))
        {
            using Prediction prediction = colorizer.Predict(new[] { ImageIO.Load(P("a.png")) })[0];
            Refused("palette strength 11: expected 0 to 10", () => colorizer.Decode(prediction, colorPalette: strong));
        }
        Refused($"palette: {ColorPalette.MaxColors + 1} colours", () => ColorPalette.Parse(many));
        Refused($"palette: {ColorPalette.MaxColors + 1} colours", () => ColorPalette.FromColors(Enumerable.Repeat(new PaletteColor(10, 10, 1), ColorPalette.MaxColors + 1)));

        await using var host = DemoHost.InProcess();
        var first = await host.Client.PostAsync("/api/colorize", DemoHost.Png(DemoHost.Photo()));
        string picture = first.Headers.GetValues("X-Picture").Single();
        await PageRefuses(host.Client.PostAsync($"/api/colorize?picture={picture}", DemoHost.Json("""{"palette": "#aa3322", "paletteStrength": 11}""")),
            "paletteStrength 11: expected 0 to 10");
        string list = "[" + string.Join(",", Enumerable.Repeat("""{"a": 10, "b": 10}""", ColorPalette.MaxColors + 1)) + "]";
        await PageRefuses(host.Client.PostAsync($"/api/colorize?picture={picture}", DemoHost.Json($$"""{"palette": {{list}}}""")),
            $"palette: {ColorPalette.MaxColors + 1} colours, at most {ColorPalette.MaxColors}");
        await PageRefuses(host.Client.PostAsync($"/api/colorize?picture={picture}", DemoHost.Json($$"""{"palette": "{{many}}"}""")),
            $"palette: {ColorPalette.MaxColors + 1} colours, at most {ColorPalette.MaxColors}");
    }

    [Fact]
    public async Task A_regression_head_refuses_a_distribution_in_one_way_from_every_entry_point()
    {
        WritePhoto(P("a.png"));
        string regression = P("regression.ckm");
        NetworkInit.Create(NetworkConfig.Eccv16(1.0 / 32, regression: true), seed: 1).Write(regression);
        const string palette = "has a regression head: it predicts ab directly, with no distribution for a palette to re-weight";
        const string pixel = "has a regression head: it predicts ab directly, with no distribution over colours";

        CliRunner.Result r = CliRunner.Run(dir, "colorize", P("a.png"), "-o", P("out.png"), "--model", regression, "--palette", "#aa3322");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("this model " + palette, r.Stderr);
        AssertNoStackTrace(r);
        Assert.False(File.Exists(P("out.png")));

        Refused("this model " + palette, () => Colorizer.Open(Cpu, regression, new ColorizerOptions { ColorPalette = ColorPalette.Parse("#aa3322") }).Dispose());
        using (IColorizer colorizer = Colorizer.Open(Cpu, regression))
        {
            using Prediction prediction = colorizer.Predict(new[] { ImageIO.Load(P("a.png")) })[0];
            Refused("this model " + pixel, () => colorizer.Distribution(prediction, 1, 1));
            Refused("this model " + palette, () => colorizer.Decode(prediction, colorPalette: ColorPalette.Parse("#aa3322")));
        }

        await using var host = DemoHost.InProcess(new ServeOptions { Models = new[] { regression } });
        var first = await host.Client.PostAsync("/api/colorize?model=regression", DemoHost.Png(DemoHost.Photo()));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        string picture = first.Headers.GetValues("X-Picture").Single();
        await PageRefuses(host.Client.PostAsync($"/api/colorize?model=regression&picture={picture}", DemoHost.Json("""{"palette": "#aa3322"}""")), "model 'regression' " + palette);
        await PageRefuses(host.Client.PostAsync($"/api/distribution?model=regression&picture={picture}&x=1&y=1", null), "model 'regression' " + pixel);
    }
}
