using System.Diagnostics;
using System.Text.Json.Nodes;
using ColorKernels.Engine.Models;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace ColorKernels.Tests.Cli;

/// <summary>
/// The command line against what archives and strangers will give it: symlink loops, FIFOs, interrupted
/// runs, command-line slips, hand-edited model headers. Each case failed (hang, stack trace, silent
/// acceptance, leftovers) before the hostile-input work; each now gives one line and the right exit code.
/// </summary>
public sealed class HostileCliTests : CliFolder
{
    public HostileCliTests() : base("ck-hostile-") { }


    private static void Run(string program, string arguments)
    {
        using Process process = Process.Start(program, arguments);
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }

    [Fact]
    public void Symlink_loops_are_searched_once_and_every_picture_is_processed_once()
    {
        WritePhoto(P("in", "a.png"));
        WritePhoto(P("in", "sub", "b.png"));
        Directory.CreateSymbolicLink(P("in", "sub", "up"), "..");
        Directory.CreateSymbolicLink(P("in", "sub", "up2"), "..");
        File.CreateSymbolicLink(P("in", "sub", "again.png"), "../a.png");   // a second path to a.png

        var r = CliRunner.Run(dir, "desaturate", "in", "-o", "out");

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("desaturate: 2 written", r.Stdout);
        Assert.Contains("a link to a folder already searched, skipped", r.Stderr);
        Assert.Equal(new[] { "a.png", Path.Combine("sub", "b.png") },
            Directory.GetFiles(P("out"), "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(P("out"), f)).Order());
    }

    [Fact]
    public void A_fifo_in_a_folder_is_skipped_and_one_named_on_the_command_line_is_refused()
    {
        WritePhoto(P("in", "a.png"));
        Run("mkfifo", P("in", "pipe.png"));

        var folder = CliRunner.Run(dir, "desaturate", "in", "-o", "out");
        Assert.Equal(0, folder.ExitCode);
        Assert.Contains("pipe.png': a FIFO (named pipe), not a regular file, skipped", folder.Stderr);
        Assert.True(File.Exists(P("out", "a.png")));

        var named = CliRunner.Run(dir, "desaturate", P("in", "pipe.png"), "-o", "x.png");
        Assert.Equal(1, named.ExitCode);
        Assert.Contains("a FIFO (named pipe), not a regular file", named.Stderr);
        AssertNoStackTrace(named);

        var model = CliRunner.Run(dir, "model", "info", P("in", "pipe.png"));
        Assert.Equal(1, model.ExitCode);
        Assert.Contains("not a model file", model.Stderr);
    }

    [Fact]
    public void Names_that_are_not_utf8_are_skipped_with_a_warning_naming_the_folder_and_count()
    {
        WritePhoto(P("in", "a.png"));
        // Two names with a byte (0xFF) that is not UTF-8, made by the shell (a .NET string cannot spell them).
        using (Process bash = Process.Start(new ProcessStartInfo("bash") { ArgumentList = { "-c", "cp a.png $'b\\xff.png' && cp a.png $'c\\xfe.png'" }, WorkingDirectory = P("in") })!)
        {
            bash.WaitForExit();
            Assert.Equal(0, bash.ExitCode);
        }
        try
        {
            Assert.Equal(3, Directory.GetFiles(P("in")).Length);
            var r = CliRunner.Run(dir, "desaturate", "in", "-o", "out");
            Assert.Equal(0, r.ExitCode);
            Assert.Contains("2 entries whose names are not valid UTF-8 skipped (this tool cannot open such names: rename them)", r.Stderr);
            Assert.Contains($"'{P("in")}'", r.Stderr);
            Assert.True(File.Exists(P("out", "a.png")));
        }
        finally
        {
            // .NET cannot delete what it cannot name either: the shell removes them.
            using Process rm = Process.Start(new ProcessStartInfo("bash") { ArgumentList = { "-c", "rm -f ./*" }, WorkingDirectory = P("in") })!;
            rm.WaitForExit();
        }
    }

    [Theory]
    [InlineData("INT", 130)]
    [InlineData("TERM", 143)]
    public void An_interrupted_run_stops_cleanly_says_so_and_leaves_no_temporary_files(string signal, int exitCode)
    {
        for (int i = 0; i < 40; i++)
            WritePhoto(P("in", $"p{i:00}.png"), 400, 300);
        Process process = CliRunner.Start(dir, "desaturate", "in", "-o", "out");
        var clock = Stopwatch.StartNew();
        while (!(Directory.Exists(P("out")) && Directory.GetFiles(P("out"), "*.png").Length > 0) && clock.Elapsed < TimeSpan.FromSeconds(60))
            Thread.Sleep(20);
        Run("kill", $"-{signal} {process.Id}");
        CliRunner.Result r = CliRunner.Finish(process);

        if (r.Stdout.Contains("desaturate: 40 written", StringComparison.Ordinal))
            return;   // the machine finished all 40 before the signal landed: nothing to check
        Assert.Equal(exitCode, r.ExitCode);
        Assert.Contains($"interrupted by {(signal == "INT" ? "Ctrl-C" : "SIGTERM")}", r.Stderr);
        Assert.Contains("no temporary files left", r.Stderr);
        Assert.Empty(Directory.GetFiles(P("out"), "*.tmp", new EnumerationOptions { AttributesToSkip = 0, RecurseSubdirectories = true }));
        foreach (string written in Directory.GetFiles(P("out")))
            using (Image.Load(written)) { }   // every output there is complete
    }

    [Fact]
    public void Command_line_slips_are_usage_errors_and_write_nothing()
    {
        WritePhoto(P("a.png"));
        var empty = CliRunner.Run(dir, "colorize", "a.png", "-o", "");
        Assert.Equal(2, empty.ExitCode);
        Assert.Contains("the output path is empty", empty.Stderr);

        var unknown = CliRunner.Run(dir, "desaturate", "a.png", "--unknown-flag", "-o", "b.png");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("unknown option '--unknown-flag'", unknown.Stderr);
        Assert.False(File.Exists(P("b.png")));

        var type = CliRunner.Run(dir, "colorize", "a.png", "-o", "c.png", "--batch", "abc");
        Assert.Equal(2, type.ExitCode);
        Assert.Contains("as a whole number", type.Stderr);
        Assert.DoesNotContain("System.", type.Stderr);

        var size = CliRunner.Run(dir, "colorize", "a.png", "-o", "c.png", "--size", "100000");
        Assert.Equal(2, size.ExitCode);
        Assert.Contains("--size 100000: must be a multiple of 8 from 8 to 4096", size.Stderr);

        var folderModel = CliRunner.Run(dir, "colorize", "a.png", "-o", "c.png", "--model", dir);
        Assert.Equal(1, folderModel.ExitCode);
        Assert.Contains("is a folder, not a model file", folderModel.Stderr);
        foreach (var r in new[] { empty, unknown, type, size, folderModel })
            AssertNoStackTrace(r);
    }

    [Fact]
    public void Failed_inputs_leave_no_empty_folders_behind()
    {
        Directory.CreateDirectory(P("dir.jpg"));
        var single = CliRunner.Run(dir, "desaturate", "dir.jpg", "-o", "X.png");
        Assert.Equal(1, single.ExitCode);
        Assert.False(Directory.Exists(P("X.png")));

        WritePhoto(P("in", "good", "a.png"));
        Directory.CreateDirectory(P("in", "bad"));
        File.WriteAllBytes(P("in", "bad", "broken.png"), new byte[] { 0x89, 0x50, 0x4E, 0x47, 1, 2, 3 });
        var tree = CliRunner.Run(dir, "desaturate", "in", "-o", "out");
        Assert.Equal(1, tree.ExitCode);
        Assert.True(File.Exists(P("out", "good", "a.png")));
        Assert.False(Directory.Exists(P("out", "bad")));
    }

    private string EditedModel(string name, Action<JsonObject> edit, Func<IReadOnlyList<StoredTensor>, IReadOnlyList<StoredTensor>>? tensors = null)
    {
        ModelFile source = ModelFile.Read(Support.TestData.Fixture("eccv16-w32.ckm"));
        var header = (JsonObject)source.Header.DeepClone();
        edit(header);
        string path = P(name);
        new ModelFile(header, tensors?.Invoke(source.Tensors) ?? source.Tensors).Write(path);
        return path;
    }

    [Theory]
    [InlineData("ab_scale", "1e39", "header field 'ab_scale' is 1E+39; above 0 to 1000 expected")]
    [InlineData("input_size", "0", "header field 'input_size' is 0; a multiple of 8 from 8 to 4096 expected")]
    [InlineData("input_size", "7", "header field 'input_size' is 7; a multiple of 8 from 8 to 4096 expected")]
    [InlineData("input_size", "1000000", "header field 'input_size' is 1000000; a multiple of 8 from 8 to 4096 expected")]
    [InlineData("temperature", "-1", "header field 'temperature' is -1; 0 or from")]   // (the range itself: ValueRuleTests)
    public void Model_headers_that_pass_their_checksum_are_still_range_checked(string key, string value, string expected)
    {
        string model = EditedModel("edited.ckm", h => h[key] = JsonNode.Parse(value));
        WritePhoto(P("a.png"));
        foreach (string[] args in new[]
        {
            new[] { "model", "info", model },
            new[] { "colorize", "a.png", "-o", "b.png", "--model", model },
        })
        {
            var r = CliRunner.Run(dir, args);
            Assert.Equal(1, r.ExitCode);
            Assert.Contains(expected, r.Stderr);
            AssertNoStackTrace(r);
        }
        Assert.False(File.Exists(P("b.png")));
    }

    [Fact]
    public void A_som_mlp_header_over_eccv16_tensors_is_named_not_a_null_reference()
    {
        string model = EditedModel("fake-som.ckm", h =>
        {
            h["architecture"] = "som-mlp";
            h["grid_w"] = 2;
            h["grid_h"] = 2;
            h["patch"] = 5;
            h["hidden"] = new JsonArray(8);
        });
        WritePhoto(P("a.png"));
        var r = CliRunner.Run(dir, "colorize", "a.png", "-o", "b.png", "--model", model);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("tensor 'codebook' is missing (is this a som-mlp model?", r.Stderr);
        AssertNoStackTrace(r);
    }

    [Fact]
    public void Model_info_takes_default_and_describes_som_files()
    {
        var builtIn = CliRunner.Run(dir, "model", "info", "default");
        Assert.Equal(0, builtIn.ExitCode);
        Assert.Contains("default (built in)", builtIn.Stdout);
        Assert.Contains("architecture  eccv16", builtIn.Stdout);

        for (int i = 0; i < 2; i++)
            WritePhoto(P("photos", $"c{i}.png"), 20, 20);
        Assert.Equal(0, CliRunner.Run(dir, "som", "fit", "photos", "-o", "map.ckm", "--som", "2x2", "--epochs", "3").ExitCode);
        var map = CliRunner.Run(dir, "model", "info", "map.ckm");
        Assert.Equal(0, map.ExitCode);
        Assert.Contains("a 2x2 self-organising map of ab colours", map.Stdout);
    }
}

/// <summary>
/// A few hundred bad inputs of every kind in one folder, as an archive would have them: one CLI run over
/// the lot must name each bad file in one line, write every good one, and leave nothing else behind.
/// </summary>
public sealed class BadInputFolderTests : CliFolder
{
    public BadInputFolderTests() : base("ck-bad-") { }

    [Fact]
    public void Hundreds_of_bad_inputs_give_one_line_each_and_the_good_ones_are_written()
    {
        string input = Path.Combine(dir, "in");
        Directory.CreateDirectory(input);
        var random = new Random(11);
        int bad = 0;
        foreach ((string format, byte[] valid) in Imaging.HostileInputTests.Valid)
        {
            string ext = format.Split('-')[0];
            File.WriteAllBytes(Path.Combine(input, $"good-{format}.{ext}"), valid);
            // Truncations at 30 points, and 10 random overwrites of 1 to 16 bytes that break the structure.
            for (int i = 1; i <= 30; i++)
            {
                File.WriteAllBytes(Path.Combine(input, $"cut{i:00}-{format}.{ext}"), valid[..Math.Max(1, (valid.Length - 2) * i / 31)]);
                bad++;
            }
        }
        for (int i = 0; i < 40; i++, bad++)
        {
            var noise = new byte[random.Next(0, 3000)];
            random.NextBytes(noise);
            File.WriteAllBytes(Path.Combine(input, $"noise{i:00}.{new[] { "png", "jpg", "gif", "bmp", "tif", "webp" }[i % 6]}"), noise);
        }
        Assert.True(bad >= 250);

        var r = CliRunner.Run(dir, "desaturate", "in", "-o", "out", "--format", "png");

        Assert.Equal(1, r.ExitCode);
        string[] errors = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(errors, line => Assert.StartsWith("colorkernels: error: '", line));
        Assert.Equal(bad, errors.Length);   // one line per bad file, nothing else
        Assert.DoesNotContain("internal error", r.Stderr);
        Assert.Contains($"{Imaging.HostileInputTests.Valid.Count} written, {bad} failed", r.Stdout);
        string[] written = Directory.GetFiles(Path.Combine(dir, "out"), "*", new EnumerationOptions { AttributesToSkip = 0, RecurseSubdirectories = true });
        Assert.Equal(Imaging.HostileInputTests.Valid.Count, written.Length);   // no temporary files, no outputs for bad inputs
        Assert.All(written, f => Assert.StartsWith("good-", Path.GetFileName(f)));
    }
}
