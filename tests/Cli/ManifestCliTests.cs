using System.Text.Json;
using Xunit;

namespace ColorKernels.Tests.Cli;

/// <summary>
/// Run manifests (#30 item 1): colorize --manifest appends a JSON line per input as it finishes (done, skipped,
/// failed with its reason), reruns append, and 'manifest summary' merges files by each input's latest line.
/// </summary>
public class ManifestCliTests : CliFolder
{
    public ManifestCliTests() : base("ck-manifest") { }

    private static List<JsonElement> Lines(string path) =>
        File.ReadAllLines(path).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    [Fact]
    public void Each_input_gets_a_line_and_the_summary_merges_reruns_by_the_latest()
    {
        foreach (string name in new[] { "a", "b", "c" })
            WritePhoto(P("in", name + ".png"), 40, 30);
        File.WriteAllBytes(P("in", "broken.png"), File.ReadAllBytes(P("in", "a.png"))[..60]);
        Directory.CreateDirectory(P("out"));
        File.WriteAllBytes(P("out", "c.png"), File.ReadAllBytes(P("in", "c.png")));   // an existing output: skipped

        var first = CliRunner.Run(dir, "colorize", P("in"), "-o", P("out"), "--manifest", P("run.jsonl"), "--size", "32");
        Assert.Equal(1, first.ExitCode);
        AssertNoStackTrace(first);
        var lines = Lines(P("run.jsonl"));
        Assert.Equal(4, lines.Count);
        string Status(string name) => lines.Single(l => l.GetProperty("input").GetString() == P("in", name)).GetProperty("status").GetString()!;
        Assert.Equal("done", Status("a.png"));
        Assert.Equal("done", Status("b.png"));
        Assert.Equal("skipped", Status("c.png"));
        Assert.Equal("failed", Status("broken.png"));
        JsonElement done = lines.Single(l => l.GetProperty("input").GetString() == P("in", "a.png"));
        Assert.Equal(P("out", "a.png"), done.GetProperty("output").GetString());
        Assert.Matches("^[0-9a-f]{64}$", done.GetProperty("model_sha256").GetString());
        Assert.StartsWith("cpu:0", done.GetProperty("device").GetString());
        Assert.True(done.GetProperty("seconds").GetDouble() > 0);
        Assert.Contains("broken.png", lines.Single(l => l.GetProperty("status").GetString() == "failed").GetProperty("reason").GetString());

        // A resubmitted task (the same command) skips what exists: a skipped line does not hide how an output was made.
        var again = CliRunner.Run(dir, "colorize", P("in"), "-o", P("out"), "--manifest", P("run.jsonl"), "--size", "32");
        Assert.Equal(8, Lines(P("run.jsonl")).Count);
        Assert.Contains("4 inputs in 1 file: 2 done, 0 partial, 1 skipped, 1 failed", CliRunner.Run(dir, "manifest", "summary", P("run.jsonl")).Stdout);

        // A rerun with --overwrite appends: the broken file fails again, the others are replaced.
        var second = CliRunner.Run(dir, "colorize", P("in"), "-o", P("out"), "--manifest", P("run.jsonl"), "--size", "32", "--overwrite");
        Assert.Equal(1, second.ExitCode);
        Assert.Equal(12, Lines(P("run.jsonl")).Count);

        var summary = CliRunner.Run(dir, "manifest", "summary", P("run.jsonl"));
        Assert.True(summary.ExitCode == 0, summary.Stderr);
        Assert.Contains("4 inputs in 1 file: 3 done, 0 partial, 0 skipped, 1 failed", summary.Stdout);
        Assert.Contains("broken.png", summary.Stdout);
        Assert.Contains("cpu:0", summary.Stdout);
    }

    [Fact]
    public void Retry_failed_colours_only_the_failed_inputs_into_their_recorded_outputs()
    {
        foreach (string name in new[] { "a", "b" })
            WritePhoto(P("in", "sub", name + ".png"), 40, 30);
        File.WriteAllBytes(P("in", "sub", "late.png"), File.ReadAllBytes(P("in", "sub", "a.png"))[..60]);
        var first = CliRunner.Run(dir, "colorize", P("in"), "-o", P("out"), "--manifest", P("run.jsonl"), "--size", "32");
        Assert.Equal(1, first.ExitCode);
        DateTime a = File.GetLastWriteTimeUtc(P("out", "sub", "a.png"));

        // The broken file is repaired (a scan redone); only it is coloured again, into the layout's place.
        WritePhoto(P("in", "sub", "late.png"), 40, 30);
        var retry = CliRunner.Run(dir, "colorize", "--retry-failed", P("run.jsonl"), "-o", P("out"), "--manifest", P("run.jsonl"), "--size", "32");
        Assert.True(retry.ExitCode == 0, retry.Stderr);
        Assert.Contains("1 written", retry.Stdout);
        Assert.True(File.Exists(P("out", "sub", "late.png")));
        Assert.Equal(a, File.GetLastWriteTimeUtc(P("out", "sub", "a.png")));
        Assert.Contains("3 inputs in 1 file: 3 done, 0 partial, 0 skipped, 0 failed", CliRunner.Run(dir, "manifest", "summary", P("run.jsonl")).Stdout);

        // Nothing left to retry: nothing done. Inputs beside --retry-failed, or another -o, are usage errors.
        Assert.Contains("0 written", CliRunner.Run(dir, "colorize", "--retry-failed", P("run.jsonl"), "-o", P("out")).Stdout);
        var both = CliRunner.Run(dir, "colorize", P("in"), "--retry-failed", P("run.jsonl"), "-o", P("out"));
        Assert.Equal(2, both.ExitCode);
        // A later line marks a.png failed: its recorded output lies in out/, not in other/.
        File.AppendAllText(P("run.jsonl"), JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["input"] = P("in", "sub", "a.png"), ["output"] = P("out", "sub", "a.png"), ["status"] = "failed", ["time"] = "2999-01-01T00:00:00Z",
        }) + "\n");
        var elsewhere = CliRunner.Run(dir, "colorize", "--retry-failed", P("run.jsonl"), "-o", P("other"));
        Assert.Equal(2, elsewhere.ExitCode);
        Assert.Contains("outside -o", elsewhere.Stderr);
        Assert.Equal(2, CliRunner.Run(dir, "colorize", "-o", P("out")).ExitCode);
    }

    [Fact]
    public void A_line_that_is_not_an_entry_is_one_line_naming_the_file_and_line()
    {
        File.WriteAllText(P("run.jsonl"), "{\"input\": \"/a.png\", \"status\": \"done\"}\nnot json\n");
        var r = CliRunner.Run(dir, "manifest", "summary", P("run.jsonl"));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("run.jsonl' line 2: not a manifest entry", r.Stderr);
        AssertNoStackTrace(r);
        File.WriteAllText(P("odd.jsonl"), "{\"input\": \"/a.png\", \"status\": \"maybe\"}\n");
        Assert.Contains("status must be", CliRunner.Run(dir, "manifest", "summary", P("odd.jsonl")).Stderr);
    }
}
