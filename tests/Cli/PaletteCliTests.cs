using ColorKernels.Engine.Imaging;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Cli;

/// <summary>
/// <c>colorize --palette</c> and <c>--palette-from</c>: the output moves toward the palette's colours, the
/// options' errors are one line with exit 2 and nothing written.
/// </summary>
public class PaletteCliTests : CliFolder
{
    public PaletteCliTests() : base("ck-palette") { }

    private static double MeanB(string path)
    {
        ImageData image = ImageIO.Load(path);
        double sum = 0;
        for (int y = 0; y < image.Height; y++)
            for (int x = 0; x < image.Width; x++)
                sum += Models.ColorHintTests.AbAt(image, x, y).B;
        return sum / (image.Width * image.Height);
    }

    [Fact]
    public void A_blue_palette_or_a_blue_photo_makes_the_picture_bluer()
    {
        ImageIO.Save(P("grey.png"), Models.ColorPaletteTests.Stripes());
        var blue = new byte[16 * 16 * 3];
        for (int i = 0; i < 16 * 16; i++)
        {
            blue[3 * i] = 40;
            blue[3 * i + 1] = 80;
            blue[3 * i + 2] = 190;
        }
        ImageIO.Save(P("sky.png"), ImageData.FromRgb8(16, 16, blue));
        var automatic = CliRunner.Run(dir, "colorize", P("grey.png"), "-o", P("auto.png"));
        var listed = CliRunner.Run(dir, "colorize", P("grey.png"), "-o", P("listed.png"), "--palette", "#2850be");
        var photo = CliRunner.Run(dir, "colorize", P("grey.png"), "-o", P("photo.png"), "--palette-from", P("sky.png"), "--palette-strength", "2");
        Assert.True(automatic.ExitCode == 0 && listed.ExitCode == 0 && photo.ExitCode == 0, automatic.Stderr + listed.Stderr + photo.Stderr);
        double b0 = MeanB(P("auto.png"));
        Assert.True(MeanB(P("listed.png")) < b0 - 5, $"mean b {b0:F1} automatically, {MeanB(P("listed.png")):F1} with --palette");
        Assert.True(MeanB(P("photo.png")) < b0 - 5, $"mean b {b0:F1} automatically, {MeanB(P("photo.png")):F1} with --palette-from");
    }

    [Theory]
    [InlineData("--palette", "#zz0000", 2, "colour '#zz0000': expected #rrggbb")]
    [InlineData("--palette", ",", 2, "palette ',': no colours")]
    [InlineData("--palette-from", "missing.png", 2, "--palette-from '{dir}/missing.png': no such file")]
    [InlineData("--palette-from", "grey.png", 1, "has no colour to take: give a colour photo")]
    [InlineData("--palette-strength", "11", 2, "--palette-strength 11: expected 0 to 10")]
    public void A_bad_palette_is_one_line_and_nothing_written(string option, string value, int exitCode, string message)
    {
        ImageIO.Save(P("grey.png"), Models.ColorPaletteTests.Stripes());
        string given = option == "--palette-from" ? P(value) : value;
        var r = option == "--palette-strength"
            ? CliRunner.Run(dir, "colorize", P("grey.png"), "-o", P("out.png"), "--palette", "#aa3322", option, given)
            : CliRunner.Run(dir, "colorize", P("grey.png"), "-o", P("out.png"), option, given);
        Assert.Equal(exitCode, r.ExitCode);   // 2 for an option's value, 1 for a file that cannot serve
        string line = r.Stderr.Trim();
        Assert.DoesNotContain('\n', line);
        Assert.Contains(message.Replace("{dir}", dir), line);
        Assert.False(File.Exists(P("out.png")));
    }

    [Fact]
    public void Palette_and_palette_from_together_are_refused()
    {
        ImageIO.Save(P("grey.png"), Models.ColorPaletteTests.Stripes());
        var r = CliRunner.Run(dir, "colorize", P("grey.png"), "-o", P("out.png"), "--palette", "#aa3322", "--palette-from", P("grey.png"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--palette and --palette-from: give one of them", r.Stderr);
        Assert.False(File.Exists(P("out.png")));
    }
}
