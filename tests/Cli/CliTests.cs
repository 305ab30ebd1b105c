using ColorKernels.Tests.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace ColorKernels.Tests.Cli;

/// <summary>The colorkernels command line end to end: exit codes, messages, files written and not written.</summary>
public sealed class CliTests : CliFolder
{
    public CliTests() : base("ck-cli-") { }


    private static void AssertGrey(string path)
    {
        using Image<Rgb24> image = Image.Load<Rgb24>(path);
        for (int y = 0; y < image.Height; y++)
            for (int x = 0; x < image.Width; x++)
                Assert.True(image[x, y].R == image[x, y].G && image[x, y].G == image[x, y].B, $"{path} ({x},{y}) is not grey");
    }

    [Fact]
    public void Devices_lists_the_cpu_accelerator_and_the_auto_choice()
    {
        var r = CliRunner.Run(dir, "devices");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("cpu:0", r.Stdout);
        Assert.Contains("warp", r.Stdout);
        Assert.Contains("--device auto picks", r.Stdout);
    }

    [Fact]
    public void Desaturate_mirrors_a_folder_tree_and_writes_grey_pictures()
    {
        WritePhoto(P("in", "a.png"));
        WritePhoto(P("in", "sub", "b.jpg"), 33, 31);
        File.WriteAllText(P("in", "readme.txt"), "not a picture, ignored by folder expansion");

        var r = CliRunner.Run(dir, "desaturate", "in", "-o", "out", "--device", "cpu");

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("2 written", r.Stdout);
        AssertGrey(P("out", "a.png"));
        Assert.True(File.Exists(P("out", "sub", "b.jpg")));
        Assert.False(File.Exists(P("out", "readme.txt")));
        Assert.Empty(Directory.GetFiles(P("out"), "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void Desaturate_single_file_to_a_file_in_another_format()
    {
        WritePhoto(P("photo.jpg"));
        var r = CliRunner.Run(dir, "desaturate", "photo.jpg", "-o", "grey.png");
        Assert.Equal(0, r.ExitCode);
        AssertGrey(P("grey.png"));
    }

    [Fact]
    public void Desaturate_expands_quoted_globs()
    {
        WritePhoto(P("g", "x", "one.png"));
        WritePhoto(P("g", "y", "two.png"));
        WritePhoto(P("g", "y", "three.bmp"));
        var r = CliRunner.Run(dir, "desaturate", "g/**/*.png", "-o", "out");
        Assert.Equal(0, r.ExitCode);
        Assert.True(File.Exists(P("out", "x", "one.png")));
        Assert.True(File.Exists(P("out", "y", "two.png")));
        Assert.False(File.Exists(P("out", "y", "three.bmp")));
    }

    [Fact]
    public void A_bad_file_fails_alone_and_the_others_are_still_processed()
    {
        WritePhoto(P("in", "good1.png"));
        File.WriteAllText(P("in", "bad.png"), "text, not a PNG");
        WritePhoto(P("in", "good2.png"));

        var r = CliRunner.Run(dir, "desaturate", "in", "-o", "out");

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("2 written", r.Stdout);
        Assert.Contains("1 failed", r.Stdout);
        string[] errors = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(errors);
        Assert.Contains("bad.png", errors[0]);
        AssertNoStackTrace(r);
        Assert.True(File.Exists(P("out", "good2.png")));
    }

    [Fact]
    public void The_input_is_never_overwritten()
    {
        WritePhoto(P("photo.png"));
        byte[] before = File.ReadAllBytes(P("photo.png"));
        var r = CliRunner.Run(dir, "desaturate", "photo.png", "-o", "photo.png", "--overwrite");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("refusing", r.Stderr);
        Assert.Equal(before, File.ReadAllBytes(P("photo.png")));
    }

    [Fact]
    public void Existing_outputs_are_kept_unless_overwrite()
    {
        WritePhoto(P("photo.png"));
        File.WriteAllText(P("out.png"), "keep me");
        var kept = CliRunner.Run(dir, "desaturate", "photo.png", "-o", "out.png");
        Assert.Equal(0, kept.ExitCode);
        Assert.Contains("1 skipped", kept.Stdout);
        Assert.Equal("keep me", File.ReadAllText(P("out.png")));

        var replaced = CliRunner.Run(dir, "desaturate", "photo.png", "-o", "out.png", "--overwrite");
        Assert.Equal(0, replaced.ExitCode);
        AssertGrey(P("out.png"));
    }

    [Fact]
    public void Huge_and_empty_inputs_give_one_line_each()
    {
        File.WriteAllBytes(P("huge.png"), ImageIOTests.PngWithHeader(100_000, 100_000));
        File.WriteAllBytes(P("empty.jpg"), Array.Empty<byte>());
        var r = CliRunner.Run(dir, "desaturate", "huge.png", "empty.jpg", "-o", "out");
        Assert.Equal(1, r.ExitCode);
        string[] errors = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, errors.Length);
        Assert.Contains(errors, e => e.Contains("huge.png") && e.Contains("megapixels"));
        Assert.Contains(errors, e => e.Contains("empty.jpg") && e.Contains("empty"));
        AssertNoStackTrace(r);
    }

    [Fact]
    public void Unwritable_output_folder_is_one_clear_error()
    {
        WritePhoto(P("photo.png"));
        File.WriteAllText(P("file"), "a file where a folder should be");
        var r = CliRunner.Run(dir, "desaturate", "photo.png", "-o", "file/sub/out.png");
        Assert.Equal(2, r.ExitCode);   // an output plan that cannot work is a usage error, found before any work
        Assert.Contains("file/sub/out.png", r.Stderr);
        AssertNoStackTrace(r);
    }

    [Theory]
    [InlineData("unknown command 'frobnicate': the commands are devices, desaturate, colorize", "frobnicate")]
    [InlineData("unknown command 'colorise': did you mean 'colorize'?", "colorise", "x.png")]
    [InlineData("unknown option '--temprature': did you mean '--temperature'?", "colorize", "x.png", "-o", "y.png", "--temprature", "1")]
    [InlineData("unknown option '--frmat': did you mean '--format'?", "desaturate", "x.png", "-o", "y.png", "--frmat", "png")]
    public void Unknown_commands_and_options_are_one_line_in_the_projects_words_with_the_nearest_name(string message, params string[] args)
    {
        var r = CliRunner.Run(dir, args);
        Assert.Equal(2, r.ExitCode);
        string[] errors = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("colorkernels: error: ", StringComparison.Ordinal)).ToArray();
        Assert.Equal("colorkernels: error: " + message, Assert.Single(errors)[..("colorkernels: error: " + message).Length]);
        Assert.DoesNotContain("Required command was not provided", r.Stderr);
        Assert.DoesNotContain("Unrecognized", r.Stderr);
    }

    [Fact]
    public void A_run_where_every_input_failed_gives_no_rate()
    {
        File.WriteAllText(P("broken.png"), "not a picture");
        var r = CliRunner.Run(dir, "desaturate", "broken.png", "-o", "out.png");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("0 written, 1 failed in", r.Stdout);
        Assert.DoesNotContain("images/s", r.Stdout);
    }

    [Theory]
    [InlineData(2, "desaturate")]
    [InlineData(2, "desaturate", "x.png")]
    [InlineData(2, "frobnicate")]
    [InlineData(2, "desaturate", "x.png", "-o", "y.png", "--device", "tpu")]
    [InlineData(1, "desaturate", "x.png", "-o", "y.png", "--device", "cpu:7")]
    [InlineData(2, "desaturate", "x.png", "-o", "y.png", "--format", "psd")]
    [InlineData(2, "desaturate", "x.png", "-o", "y.png", "--max-megapixels", "0")]
    public void Bad_arguments_are_refused_without_a_stack_trace(int exitCode, params string[] args)
    {
        var r = CliRunner.Run(dir, args);
        Assert.Equal(exitCode, r.ExitCode);
        Assert.StartsWith("colorkernels: error: ", r.Stderr);
        AssertNoStackTrace(r);
    }

    [Fact]
    public void Missing_gpu_kind_is_reported_clearly()
    {
        var devices = CliRunner.Run(dir, "devices");
        if (devices.Stdout.Contains("cuda:0"))
            return;   // this machine has CUDA: nothing to check here
        WritePhoto(P("photo.png"));
        var r = CliRunner.Run(dir, "desaturate", "photo.png", "-o", "out.png", "--device", "cuda");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("no cuda device", r.Stderr);
    }
}
