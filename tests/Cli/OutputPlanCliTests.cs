using Xunit;

namespace ColorKernels.Tests.Cli;

/// <summary>
/// Output paths are checked before any work (#28): a file name for several inputs, an extension that is no
/// format, a file where a folder must be, a folder that takes no files: one line naming the path, exit 2,
/// nothing written and nothing created, before a device opens or a picture is decoded.
/// </summary>
public class OutputPlanCliTests : CliFolder
{
    public OutputPlanCliTests() : base("ck-output-plan") { }

    [Theory]
    [InlineData("desaturate")]
    [InlineData("colorize")]
    public void An_output_plan_that_cannot_work_is_refused_before_any_work(string verb)
    {
        WritePhoto(P("a.png"));
        WritePhoto(P("b.png"));
        File.WriteAllText(P("x.jpg"), "a file, not a folder");
        foreach (var (args, message) in new (string[], string)[]
        {
            (new[] { P("a.png"), P("b.png"), "-o", P("two.png") }, $"-o '{P("two.png")}': names a file, but there are several inputs (or a folder): give a folder"),
            (new[] { P("a.png"), "-o", P("k.xyz") }, $"-o '{P("k.xyz")}': '.xyz' is not an image or video format"),
            (new[] { P("a.png"), "-o", P("x.jpg", "k.png") }, $"-o '{P("x.jpg", "k.png")}': '{P("x.jpg")}' is a file, where a folder must be"),
            (new[] { P("a.png"), "-o", "/proc/k.png" }, "-o '/proc/k.png': cannot write in '/proc' (this folder does not take new files)"),
        })
        {
            var r = CliRunner.Run(dir, new[] { verb }.Concat(args).ToArray());
            Assert.Equal(2, r.ExitCode);
            AssertNoStackTrace(r);
            string line = r.Stderr.Trim();
            Assert.DoesNotContain('\n', line);
            Assert.Contains(message, line);
            Assert.DoesNotContain(".tmp", line);
            // Refused before the work: no device was opened, nothing was written or created.
            Assert.DoesNotContain("written", r.Stdout);
        }
        Assert.False(Directory.Exists(P("two.png")));
        Assert.False(Directory.Exists(P("k.xyz")));
        Assert.Equal(new[] { "a.png", "b.png", "x.jpg" }, Directory.GetFileSystemEntries(dir).Select(Path.GetFileName).Order());
    }
}
