using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace ColorKernels.Tests.Cli;

/// <summary>model init / model info / colorize, end to end through the real executable.</summary>
public sealed class ColorizeCliTests : CliFolder
{
    public ColorizeCliTests() : base("ck-colorize-") { }

    private void WriteGreyPhoto(string path, int w, int h)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var image = new Image<Rgb24>(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                image[x, y] = new Rgb24((byte)(x * 9), (byte)(x * 9), (byte)(x * 9));
        image.Save(path);
    }

    private string TinyModel()
    {
        var r = CliRunner.Run(dir, "model", "init", "--width", "0.03125", "--seed", "5", "-o", "tiny.ckm");
        Assert.Equal(0, r.ExitCode);
        return P("tiny.ckm");
    }

    [Fact]
    public void Model_info_at_width_1_prints_the_papers_parameter_count()
    {
        var r = CliRunner.Run(dir, "model", "info", "--arch", "eccv16", "--width", "1");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("32,236,011", r.Stdout);
        Assert.Contains("multiply-adds", r.Stdout);
        Assert.Contains("256x256", r.Stdout);
    }

    [Fact]
    public void Model_init_writes_a_file_that_info_describes_and_does_not_overwrite()
    {
        TinyModel();
        var info = CliRunner.Run(dir, "model", "info", "tiny.ckm");
        Assert.Equal(0, info.ExitCode);
        Assert.Contains("width 0.03125", info.Stdout);
        Assert.Contains("every checksum verified", info.Stdout);

        var again = CliRunner.Run(dir, "model", "init", "--width", "0.03125", "-o", "tiny.ckm");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("--overwrite", again.Stderr);
    }

    [Fact]
    public void Model_convert_records_temperature_and_input_size_and_refuses_bad_values()
    {
        TinyModel();
        var r = CliRunner.Run(dir, "model", "convert", "tiny.ckm", "-o", "warm.ckm", "--float16", "--temperature", "1", "--input-size", "64");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var info = CliRunner.Run(dir, "model", "info", "warm.ckm");
        Assert.Contains("temperature 1,", info.Stdout);
        Assert.Contains("float16", info.Stdout);

        var bad = CliRunner.Run(dir, "model", "convert", "tiny.ckm", "-o", "bad.ckm", "--temperature", "-2");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--temperature -2", bad.Stderr);
        Assert.Single(bad.Stderr.Trim().Split('\n'));
        Assert.False(File.Exists(Path.Combine(dir, "bad.ckm")));
    }

    [Fact]
    public void A_header_asking_for_a_network_input_over_1024_is_refused_unless_the_size_is_given()
    {
        TinyModel();
        Assert.Equal(0, CliRunner.Run(dir, "model", "convert", "tiny.ckm", "-o", "big.ckm", "--input-size", "4096").ExitCode);
        WriteGreyPhoto(P("small.png"), 40, 30);
        var r = CliRunner.Run(dir, "colorize", P("small.png"), "-o", P("out.png"), "--model", "big.ckm");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("asks for a 4096 x 4096 network input, over the 1024 a header may ask for; give --size 4096", r.Stderr);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.False(File.Exists(P("out.png")));
        // A size given on the command line is the user's choice (a small one here, so the test stays quick).
        var given = CliRunner.Run(dir, "colorize", P("small.png"), "-o", P("out.png"), "--model", "big.ckm", "--size", "64");
        Assert.True(given.ExitCode == 0, given.Stderr);
    }

    [Fact]
    public void A_regression_head_model_is_made_described_and_used()
    {
        Assert.Equal(0, CliRunner.Run(dir, "model", "init", "--width", "0.03125", "--head", "regression", "-o", "l2.ckm").ExitCode);
        var info = CliRunner.Run(dir, "model", "info", "l2.ckm");
        Assert.Contains("regression head", info.Stdout);
        WriteGreyPhoto(P("a.png"), 20, 12);
        var r = CliRunner.Run(dir, "colorize", "a.png", "-o", "out.png", "--model", "l2.ckm", "--size", "16");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal((20, 12), Size(P("out.png")));
    }

    [Fact]
    public void Colorize_a_folder_in_batches_keeps_each_size()
    {
        TinyModel();
        WriteGreyPhoto(P("in", "a.png"), 40, 30);
        WriteGreyPhoto(P("in", "b.jpg"), 17, 33);
        WriteGreyPhoto(P("in", "c.png"), 64, 64);
        var r = CliRunner.Run(dir, "colorize", "in", "-o", "out", "--model", "tiny.ckm", "--size", "32", "--batch", "2", "--device", "cpu");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("3 written", r.Stdout);
        Assert.Equal((40, 30), Size(P("out", "a.png")));
        Assert.Equal((17, 33), Size(P("out", "b.jpg")));
        Assert.Equal((64, 64), Size(P("out", "c.png")));
    }

    [Fact]
    public void Shards_split_the_inputs_without_overlap()
    {
        TinyModel();
        for (int i = 0; i < 5; i++)
            WriteGreyPhoto(P("in", $"p{i}.png"), 16, 16);
        var first = CliRunner.Run(dir, "colorize", "in", "-o", "out", "--model", "tiny.ckm", "--size", "16", "--shard", "0/2");
        var second = CliRunner.Run(dir, "colorize", "in", "-o", "out", "--model", "tiny.ckm", "--size", "16", "--shard", "1/2");
        Assert.Equal(0, first.ExitCode);
        Assert.Contains("3 written", first.Stdout);
        Assert.Contains("2 written", second.Stdout);
        Assert.Equal(5, Directory.GetFiles(P("out")).Length);
    }

    [Fact]
    public void Corrupt_model_is_one_clear_error()
    {
        string model = TinyModel();
        byte[] bytes = File.ReadAllBytes(model);
        File.WriteAllBytes(P("cut.ckm"), bytes[..(bytes.Length - 10)]);
        WriteGreyPhoto(P("a.png"), 8, 8);
        var r = CliRunner.Run(dir, "colorize", "a.png", "-o", "out.png", "--model", "cut.ckm");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("cut.ckm", r.Stderr);
        Assert.Contains("truncated", r.Stderr);
        Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(File.Exists(P("out.png")));
    }

    [Theory]
    [InlineData(2, "--size", "30")]
    [InlineData(2, "--temperature", "0.001")]
    [InlineData(2, "--shard", "2/2")]
    [InlineData(2, "--batch", "0")]
    [InlineData(2, "--size", "big")]
    public void Bad_colorize_options_are_refused(int exitCode, string option, string value)
    {
        TinyModel();
        WriteGreyPhoto(P("a.png"), 8, 8);
        var r = CliRunner.Run(dir, "colorize", "a.png", "-o", "out.png", "--model", "tiny.ckm", option, value);
        Assert.Equal(exitCode, r.ExitCode);
        Assert.StartsWith("colorkernels: error: ", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
    }

    [Fact]
    public void Som_fit_and_quantize_from_the_command_line()
    {
        for (int i = 0; i < 3; i++)
        {
            using var image = new Image<Rgb24>(20, 20);
            for (int y = 0; y < 20; y++)
                for (int x = 0; x < 20; x++)
                    image[x, y] = new Rgb24((byte)(200 - i * 60), (byte)(x * 10), (byte)(y * 12));
            Directory.CreateDirectory(P("photos"));
            image.Save(P("photos", $"c{i}.png"));
        }
        var fit = CliRunner.Run(dir, "som", "fit", "photos", "-o", "map.ckm", "--som", "2x2", "--epochs", "5");
        Assert.Equal(0, fit.ExitCode);
        Assert.Contains("quantisation error", fit.Stdout);
        var q = CliRunner.Run(dir, "som", "quantize", "photos", "-o", "quantized", "--model", "map.ckm");
        Assert.Equal(0, q.ExitCode);
        Assert.Equal(3, Directory.GetFiles(P("quantized")).Length);
        Assert.Equal(2, CliRunner.Run(dir, "som", "fit", "photos", "-o", "x.ckm", "--som", "21x2").ExitCode);
        Assert.Equal(1, CliRunner.Run(dir, "som", "quantize", "photos", "-o", "q2", "--model", "tiny-missing.ckm").ExitCode);
    }

    private static (int, int) Size(string path)
    {
        var info = Image.Identify(path);
        return (info.Width, info.Height);
    }
}
