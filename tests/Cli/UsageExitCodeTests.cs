using Xunit;

namespace ColorKernels.Tests.Cli;

/// <summary>
/// A usage error exits 2 in every command (#28 item 2), whether the host or the engine finds it: an option's
/// value out of range, an unknown device, an unknown option. One line naming the option, nothing written,
/// and nothing else done (no device opened for a parse error, no photo read).
/// </summary>
public class UsageExitCodeTests : CliFolder
{
    public UsageExitCodeTests() : base("ck-usage") { }

    [Theory]
    [InlineData("colorize IN/a.png -o OUT/a.png --size 30", "--size 30")]
    [InlineData("colorize IN/a.png -o OUT/a.png -t -1", "--temperature -1")]
    [InlineData("colorize IN/a.png -o OUT/a.png --device tpu", "--device 'tpu'")]
    [InlineData("colorize IN/a.png -o OUT/a.png --crf 99", "--crf 99")]
    [InlineData("colorize IN/a.png -o OUT/a.png --predict-every 0", "--predict-every 0: expected 1")]
    [InlineData("desaturate IN/a.png -o OUT/ --format xyz", "--format 'xyz'")]
    [InlineData("train IN --out OUT --steps 0", "--steps 0")]
    [InlineData("train IN --out OUT --lr -1", "--lr -1")]
    [InlineData("train IN --out OUT --loss foo", "--loss 'foo'")]
    [InlineData("train IN --out OUT --method som-mlp --patch 4", "--patch 4")]
    [InlineData("eval IN -o OUT --size 30", "--size 30")]
    [InlineData("eval IN -o OUT --gallery -1", "--gallery -1")]
    [InlineData("prior IN -o OUT/p.csv --lambda 2", "--lambda 2")]
    [InlineData("profile --iterations 0", "--iterations 0")]
    [InlineData("som fit IN -o OUT/s.ckm --epochs 0", "--epochs 0")]
    [InlineData("som fit IN -o OUT/s.ckm --som 50x50", "--som '50x50'")]
    [InlineData("model init -o OUT/m.ckm --width 0", "--width 0")]
    [InlineData("serve --port 70000", "--port 70000")]
    [InlineData("colorize IN/a.png -o OUT/a.png --manifest OUT/logs/run.jsonl", "--manifest")]
    [InlineData("colorize IN/a.png -o OUT/a.png --pallete #aa0000", "unknown option '--pallete'")]
    [InlineData("devices --device cpu", "unknown option '--device'")]
    [InlineData("frobnicate", "unknown command 'frobnicate'")]
    public void A_usage_error_exits_2_with_one_line_and_writes_nothing(string line, string names)
    {
        WritePhoto(P("IN", "a.png"), 40, 30);
        string[] args = line.Split(' ').Select(a => a.StartsWith("IN", StringComparison.Ordinal) || a.StartsWith("OUT", StringComparison.Ordinal) ? P(a) : a).ToArray();
        var r = CliRunner.Run(dir, args);
        Assert.True(r.ExitCode == 2, $"exit {r.ExitCode}: {r.Stderr}");
        Assert.Contains(names, r.Stderr);
        Assert.StartsWith("colorkernels: error: ", r.Stderr);
        AssertNoStackTrace(r);
        Assert.False(Directory.Exists(P("OUT")), "the output was created");
    }
}
