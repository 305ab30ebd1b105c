using ColorKernels.Engine;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Host.Files;
using ColorKernels.Kernels.Color;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Cli;

/// <summary>
/// <c>colorize FILM --hints FILE.json</c> (issue #40): keyframes on frames or times, their hints carried along the
/// motion; a bad keyframes file is one line naming the file and the keyframe, exit 2, nothing written, before any
/// decoding; a folder of numbered frames takes keyframes by number; palettes and reference photos colour films.
/// </summary>
public class FilmHintCliTests : CliFolder
{
    public FilmHintCliTests() : base("ck-film-hints") { }

    private static (double A, double B) AbAt(ImageData picture, int x, int y) => Models.ColorHintTests.AbAt(picture, x, y);

    private ImageData Frame(string film, int index)
    {
        string png = P($"{Path.GetFileNameWithoutExtension(film)}-{index}.png");
        VideoMetrics.RunFfmpeg("-i", film, "-vf", $"select=eq(n\\,{index})", "-frames:v", "1", png);
        return ImageIO.Load(png);
    }

    [Fact]
    public void A_films_keyframe_hints_colour_their_frame_and_reach_the_others_of_the_shot()
    {
        // The fixture clip: 12 frames of 96 x 64 at 10 frames/s. A keyframe on frame 4 by its time, an olive square.
        File.WriteAllText(P("clip.json"), """{"keyframes": [{"time": "00:00:00.400", "hints": [{"x": 48, "y": 32, "color": "#507040", "size": 9}]}]}""");
        var hinted = CliRunner.Run(dir, "colorize", TestData.Fixture("clip.mp4"), "-o", P("hinted.mp4"), "--hints", P("clip.json"));
        var automatic = CliRunner.Run(dir, "colorize", TestData.Fixture("clip.mp4"), "-o", P("auto.mp4"));
        Assert.True(hinted.ExitCode == 0 && automatic.ExitCode == 0, hinted.Stdout + hinted.Stderr + automatic.Stderr);
        Assert.Contains("12 frames", hinted.Stdout);
        var hint = ColorHint.FromColor(0, 0, "#507040");
        // On the keyframe the hinted square has the hint's chroma (H.264 and its 4:2:0 chroma keep it within a few units).
        var (a, b) = AbAt(Frame(P("hinted.mp4"), 4), 48, 32);
        Assert.True(Math.Abs(a - hint.A) < 8 && Math.Abs(b - hint.B) < 8, $"frame 4 at (48, 32): ab ({a:F1}, {b:F1}), hint ({hint.A:F1}, {hint.B:F1})");
        // The first and last frames of the shot are steered too: nearer the hint there than the automatic film.
        foreach (int t in new[] { 0, 11 })
        {
            var (ha, hb) = AbAt(Frame(P("hinted.mp4"), t), 48, 32);
            var (aa, ab) = AbAt(Frame(P("auto.mp4"), t), 48, 32);
            double near = Math.Sqrt(Math.Pow(ha - hint.A, 2) + Math.Pow(hb - hint.B, 2)), far = Math.Sqrt(Math.Pow(aa - hint.A, 2) + Math.Pow(ab - hint.B, 2));
            Assert.True(near < far - 5, $"frame {t}: {near:F1} ab from the hint, the automatic film {far:F1}");
        }
    }

    [Theory]
    [InlineData("""{"keyframes": [{"time": "00:00:00.450", "hints": [{"x": 1, "y": 1, "color": "#ff0000"}]}]}""",
        "keyframe 0 (00:00:00.450): falls between frames 4 (00:00:00.400) and 5 (00:00:00.500) at 10 frames/s; give a frame's start, or its number")]
    [InlineData("""{"keyframes": [{"frame": 2, "hints": [{"x": 1, "y": 1, "color": "#ff0000"}]}, {"frame": 12, "hints": [{"x": 1, "y": 1, "color": "#ff0000"}]}]}""",
        "keyframe 1 (frame 12): past the film's end (it has 12 frames, 0 to 11)")]
    [InlineData("""{"keyframes": [{"frame": 2, "hints": [{"x": 96, "y": 1, "color": "#ff0000"}]}]}""", "keyframe 0 (frame 2): hint at (96, 1): outside the 96x64 picture")]
    [InlineData("""{"keyframes": [{"frame": 2, "hint": []}]}""", "keyframe 0: unknown field \"hint\"")]
    [InlineData("""{"keyframes": [{"hints": [{"x": 1, "y": 1, "color": "#ff0000"}]}]}""", "keyframe 0: give \"frame\" (a number from 0) or \"time\"")]
    [InlineData("""{"keyframes": [{"frame": 2, "hints": [{"x": 1, "y": 1, "color": "#ff0000"}]}, {"time": 0.2, "palette": "#00ff00"}]}""",
        "keyframes 0 and 1 both name frame 2")]
    [InlineData("""{"keyframes": [{"time": "0:0:0:1", "hints": []}]}""", "keyframe 0: \"time\" '0:0:0:1': expected HH:MM:SS.mmm")]
    [InlineData("""{"keyframes": [{"frame": 0, "palette": "red"}]}""", "keyframe 0: colour 'red': expected #rrggbb")]
    [InlineData("""{"keyframes": [{"frame": 0, "paletteFrom": "missing.jpg"}]}""", "keyframe 0: \"paletteFrom\"")]
    [InlineData("""{"keyframes": [{"frame": 0}]}""", "keyframe 0: no hints, no palette, no reference and no colour frame")]
    [InlineData("""{"keyframes": [{"frame": 0, "reference": ["a.jpg", 3]}]}""", "keyframe 0: \"reference\" must be a colour photo's path")]
    [InlineData("""{"keyframes": [{"frame": 0, "reference": "missing.jpg"}]}""", "keyframe 0: \"reference\"")]
    [InlineData("""{"keyframes": [{"frame": 0, "hints": [{"x": 1, "y": 1, "color": "#ff0000"}]}, 3]}""", "keyframe 1: expected an object")]
    [InlineData("""{"keyframes": [{"frame": 0, "colorFrame": "missing.png"}]}""", "keyframe 0: \"colorFrame\"")]
    [InlineData("""{"keyframes": [{"frame": 0, "colorFrame": 3}]}""", "keyframe 0: \"colorFrame\" must be the path of a colour picture of that frame")]
    [InlineData("""{"keyframes": [{"frame": 0, "colorFrame": "bad.json"}]}""", "keyframe 0: ")]
    [InlineData("""{"keyframes": [{"frame": 0, "colorFrame": "data:text/plain;base64,aGVsbG8="}]}""", "keyframe 0: \"colorFrame\": a data URL must be a base64 picture")]
    [InlineData("""{"keyframes": [{"frame": 0, "colorFrame": "data:image/png;base64,!!!!"}]}""", "keyframe 0: \"colorFrame\": the data URL's base64 does not decode")]
    [InlineData("""{"keyframes": [{"frame": 0, "paletteFrom": "data:image/png;base64,aGVsbG8="}]}""", "keyframe 0: ")]
    [InlineData("""{"keyframes": [{"frame": 0, "reference": ["data:image/png;base64,aGVsbG8=", "a.jpg"]}]}""", "keyframe 0: \"reference\" mixes paths and data URLs")]
    [InlineData("""{"keyframes": []}""", "no keyframes")]
    [InlineData("""{"frames": []}""", "expected {\"keyframes\": [")]
    public void A_bad_keyframes_file_is_one_line_naming_the_keyframe_exit_2_and_nothing_written(string json, string message)
    {
        AssertBadHintsFileRefused(TestData.Fixture("clip.mp4"), "out.mp4", json, message);
    }

    [Fact]
    public void A_folder_of_numbered_frames_takes_keyframes_by_number_not_time()
    {
        // A camera panning 6, 2 pixels a frame: a red square keyed on frame 2 at (150, 100) is at (150 - 6k, 100 - 2k) k frames later.
        Directory.CreateDirectory(P("scans"));
        var clip = MotionClips.Pan("car", 6, 2, 10);
        for (int i = 0; i < 10; i++)
            ImageIO.Save(P("scans", $"frame_{i + 1}.png"), ImageData.FromRgb8(clip.Width, clip.Height, clip.Grey[i]));
        File.WriteAllText(P("keys.json"), """{"keyframes": [{"frame": 2, "hints": [{"x": 150, "y": 100, "color": "#c03020", "size": 9}]}]}""");
        var r = CliRunner.Run(dir, "colorize", "--sequence", P("scans"), "-o", P("out"), "--model", "none", "--hints", P("keys.json"));
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        var hint = ColorHint.FromColor(0, 0, "#c03020");
        foreach (int t in new[] { 0, 2, 9 })
        {
            var (a, b) = AbAt(ImageIO.Load(P("out", $"frame_{t + 1}.png")), 150 - 6 * (t - 2), 100 - 2 * (t - 2));
            Assert.True(Math.Abs(a - hint.A) < 10 && Math.Abs(b - hint.B) < 10, $"frame {t}: ab ({a:F1}, {b:F1}) at the point, hint ({hint.A:F1}, {hint.B:F1})");
        }
        File.WriteAllText(P("timed.json"), """{"keyframes": [{"time": "00:00:00.000", "hints": [{"x": 1, "y": 1, "color": "#c03020"}]}]}""");
        var timed = CliRunner.Run(dir, "colorize", "--sequence", P("scans"), "-o", P("timed"), "--hints", P("timed.json"));
        Assert.Equal(2, timed.ExitCode);
        Assert.Contains("these frames have no times; name the frame by its number", timed.Stderr);
        Assert.False(Directory.Exists(P("timed")) && Directory.EnumerateFiles(P("timed")).Any());
    }

    [Fact]
    public void A_colour_frame_colours_its_keyframe_and_is_carried_through_the_shot()
    {
        // The fixture clip (12 frames of 96 x 64, one shot): frame 4 coloured by a person, here all one brick red.
        ImageIO.Save(P("frame-4.png"), ImageData.FromRgb8(96, 64, Enumerable.Range(0, 96 * 64).SelectMany(_ => new byte[] { 0xc0, 0x30, 0x20 }).ToArray()));
        File.WriteAllText(P("clip.json"), """{"keyframes": [{"frame": 4, "colorFrame": "frame-4.png"}]}""");
        // --reference-steps: a picture's fit steps for the colour frame's model keep the test short (what is tested is the colour frame).
        var keyed = CliRunner.Run(dir, "colorize", TestData.Fixture("clip.mp4"), "-o", P("keyed.mp4"), "--hints", P("clip.json"), "--reference-steps", "400");
        var automatic = CliRunner.Run(dir, "colorize", TestData.Fixture("clip.mp4"), "-o", P("auto.mp4"));
        Assert.True(keyed.ExitCode == 0 && automatic.ExitCode == 0, keyed.Stdout + keyed.Stderr + automatic.Stderr);
        var red = ColorHint.FromColor(0, 0, "#c03020");
        double Away(string film, int t)
        {
            var (a, b) = AbAt(Frame(P(film), t), 48, 32);
            return Math.Sqrt(Math.Pow(a - red.A, 2) + Math.Pow(b - red.B, 2));
        }
        // The keyframe takes the given chroma on its own lightness (H.264's 4:2:0 chroma keeps it within a few units);
        // the shot's later frames keep most of it; the frames before are coloured by the model fitted to the colour frame
        // (one colour, so that colour), not by the built-in model.
        Assert.True(Away("keyed.mp4", 4) < 8, $"frame 4: {Away("keyed.mp4", 4):F1} ab from the colour frame's");
        Assert.True(Away("keyed.mp4", 11) < Away("auto.mp4", 11) / 2, $"frame 11: {Away("keyed.mp4", 11):F1} ab from the colour frame's, the automatic film {Away("auto.mp4", 11):F1}");
        Assert.True(Away("keyed.mp4", 2) < Away("auto.mp4", 2) / 2, $"frame 2: {Away("keyed.mp4", 2):F1} ab from the colour frame's, the automatic film {Away("auto.mp4", 2):F1}");

        // The same picture inline, as the web page exports it (a base64 data URL): the same colour frame.
        string inline = $$"""{"keyframes": [{"frame": 4, "colorFrame": "data:image/png;base64,{{Convert.ToBase64String(File.ReadAllBytes(P("frame-4.png")))}}"}]}""";
        ImageData fromPath = HintFiles.ReadKeyframes(P("clip.json"), 1 << 20)[0].ColorFrame!;
        ImageData fromUrl = HintFiles.ParseKeyframes(System.Text.Encoding.UTF8.GetBytes(inline), "inline", null, 1 << 20)[0].ColorFrame!;
        Assert.Equal(fromPath.Rgb8, fromUrl.Rgb8);
        // Without a folder (the page) a path is refused, with what to give instead.
        var refused = Assert.Throws<UserErrorException>(() => HintFiles.ParseKeyframes(System.Text.Encoding.UTF8.GetBytes("""{"keyframes": [{"frame": 4, "colorFrame": "frame-4.png"}]}"""), "page", null, 1 << 20));
        Assert.Contains("names a file, which only the command line reads; give the picture as a data URL", refused.Message);

        // A colour frame of another size is refused before decoding: one line, exit 2, nothing written.
        ImageIO.Save(P("small.png"), ImageData.FromRgb8(32, 32, new byte[32 * 32 * 3]));
        AssertBadHintsFileRefused(TestData.Fixture("clip.mp4"), "small.mp4", """{"keyframes": [{"frame": 4, "colorFrame": "small.png"}]}""",
            "keyframe 0 (frame 4): its colour frame is 32x32, the film's frames 96x64");
    }

    [Fact]
    public void A_palette_a_palette_photo_and_a_picture_hints_file_steer_a_film()
    {
        string clip = TestData.Fixture("clip.mp4");
        var automatic = CliRunner.Run(dir, "colorize", clip, "-o", P("auto.mp4"));
        var palette = CliRunner.Run(dir, "colorize", clip, "-o", P("palette.mp4"), "--palette", "#2060d0", "--palette-strength", "3");
        WritePhoto(P("photo.png"), 48, 32);
        var photo = CliRunner.Run(dir, "colorize", clip, "-o", P("photo.mp4"), "--palette-from", P("photo.png"));
        // A picture's hints file given to a film is one keyframe on frame 0.
        File.WriteAllText(P("picture.json"), """{"hints": [{"x": 48, "y": 32, "color": "#507040", "size": 9}]}""");
        var picture = CliRunner.Run(dir, "colorize", clip, "-o", P("picture.mp4"), "--hints", P("picture.json"));
        foreach (var r in new[] { automatic, palette, photo, picture })
            Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        byte[] auto = Frame(P("auto.mp4"), 6).Rgb8!;
        foreach (string steered in new[] { "palette.mp4", "photo.mp4", "picture.mp4" })
            Assert.NotEqual(auto, Frame(P(steered), 6).Rgb8!);
        // The palette pulls toward blue: b falls on average over the frame.
        double MeanB(ImageData f) => Enumerable.Range(0, f.Width * f.Height).Average(p => AbAt(f, p % f.Width, p / f.Width).B);
        Assert.True(MeanB(Frame(P("palette.mp4"), 6)) < MeanB(Frame(P("auto.mp4"), 6)) - 3, "the blue palette did not make the film bluer");
    }

    [Fact]
    public void A_reference_photo_colours_a_whole_film_and_a_keyframe_reference_its_shot()
    {
        WritePhoto(P("photo.png"), 48, 32);
        string clip = TestData.Fixture("clip.mp4");
        var automatic = CliRunner.Run(dir, "colorize", clip, "-o", P("auto.mp4"));
        // A film's reference is fitted with a film's steps unless --reference-steps says otherwise (the time limit keeps this test short).
        var whole = CliRunner.Run(dir, "colorize", clip, "-o", P("whole.mp4"), "--reference", P("photo.png"), "--reference-seconds", "1");
        File.WriteAllText(P("keys.json"), """{"keyframes": [{"frame": 0, "reference": "photo.png"}]}""");
        var keyed = CliRunner.Run(dir, "colorize", clip, "-o", P("keyed.mp4"), "--hints", P("keys.json"), "--reference-steps", "400");
        foreach (var r in new[] { automatic, whole, keyed })
            Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("12 frames", whole.Stdout);
        Assert.Contains($"({Engine.Som.ReferenceColorizer.FilmSteps} steps or 1 s)", whole.Stdout);
        byte[] auto = Frame(P("auto.mp4"), 6).Rgb8!;
        Assert.NotEqual(auto, Frame(P("whole.mp4"), 6).Rgb8!);
        Assert.NotEqual(auto, Frame(P("keyed.mp4"), 6).Rgb8!);
    }

    [Fact]
    public void A_reference_still_of_the_films_first_frame_lines_up_with_it_and_another_photo_does_not()
    {
        // The still: the film's frame 0 with its L kept and a and b moved by +20 and +10, as a colour photo of that frame.
        string clip = TestData.Fixture("clip.mp4");
        ImageData first = Frame(clip, 0);
        byte[] rgb = first.Rgb8!.ToArray();
        for (int p = 0; p < first.Pixels; p++)
        {
            var (l, a, b) = LabReference.SrgbToLab(rgb[3 * p] / 255.0, rgb[3 * p + 1] / 255.0, rgb[3 * p + 2] / 255.0);
            var (r, g, bl) = LabReference.LabToSrgb(l, a + 20, b + 10);
            (rgb[3 * p], rgb[3 * p + 1], rgb[3 * p + 2]) = (LabReference.ToByte(r), LabReference.ToByte(g), LabReference.ToByte(bl));
        }
        ImageIO.Save(P("still.png"), ImageData.FromRgb8(first.Width, first.Height, rgb));
        WritePhoto(P("other.png"), 48, 32);
        var still = CliRunner.Run(dir, "colorize", clip, "-o", P("still.mp4"), "--reference", P("still.png"), "--reference-steps", "100");
        var other = CliRunner.Run(dir, "colorize", clip, "-o", P("other.mp4"), "--reference", P("other.png"), "--reference-steps", "100");
        Assert.True(still.ExitCode == 0 && other.ExitCode == 0, still.Stdout + still.Stderr + other.Stderr);
        Assert.Contains("1 frame lined up with a reference photo", still.Stdout);
        Assert.DoesNotContain("lined up", other.Stdout);
        // Frame 0 takes the still's colours (within the encoder's loss), and the shot keeps them.
        var (expectA, expectB) = AbAt(ImageData.FromRgb8(first.Width, first.Height, rgb), 48, 32);
        foreach (int t in new[] { 0, 6 })
        {
            var (ga, gb) = AbAt(Frame(P("still.mp4"), t), 48, 32);
            Assert.True(Math.Abs(ga - expectA) < 5 && Math.Abs(gb - expectB) < 5, $"frame {t}: ab ({ga:F1}, {gb:F1}), the still's ({expectA:F1}, {expectB:F1})");
        }
    }

    [Fact]
    public void A_keyframe_palette_steers_its_shot()
    {
        File.WriteAllText(P("keys.json"), """{"keyframes": [{"frame": 3, "palette": "#2060d0", "paletteStrength": 3}]}""");
        var steered = CliRunner.Run(dir, "colorize", TestData.Fixture("clip.mp4"), "-o", P("steered.mp4"), "--hints", P("keys.json"));
        var automatic = CliRunner.Run(dir, "colorize", TestData.Fixture("clip.mp4"), "-o", P("auto.mp4"));
        Assert.True(steered.ExitCode == 0 && automatic.ExitCode == 0, steered.Stdout + steered.Stderr + automatic.Stderr);
        double MeanB(ImageData f) => Enumerable.Range(0, f.Width * f.Height).Average(p => AbAt(f, p % f.Width, p / f.Width).B);
        // The shot's first palette holds from the shot's start.
        foreach (int t in new[] { 0, 6 })
            Assert.True(MeanB(Frame(P("steered.mp4"), t)) < MeanB(Frame(P("auto.mp4"), t)) - 3, $"frame {t}: the keyframe's blue palette did not make it bluer");
    }
}
