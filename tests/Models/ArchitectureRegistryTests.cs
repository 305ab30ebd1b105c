using ColorKernels.Engine.Models;
using ColorKernels.Tests.Cli;
using Xunit;

namespace ColorKernels.Tests.Models;

/// <summary>
/// The one list of architectures (<see cref="NetworkArchitecture.All"/>) drives the command line: every
/// registered architecture can be made (model init --arch), described (model info) and used to colour, and an
/// unknown name is refused with the list. A third architecture added to the list is reached the same way.
/// </summary>
public class ArchitectureRegistryTests : CliFolder
{
    public ArchitectureRegistryTests() : base("ck-archs") { }

    public static IEnumerable<object[]> Architectures => NetworkArchitecture.All.Select(a => new object[] { a.Name });

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Every_registered_architecture_is_made_described_and_colours(string name)
    {
        WritePhoto(P("a.png"), 24, 16);
        CliRunner.Result init = CliRunner.Run(dir, "model", "init", "--arch", name, "--width", "0.0625", "-o", P("m.ckm"));
        Assert.True(init.ExitCode == 0, init.Stderr);
        Assert.Contains($"{name} width 0.0625", init.Stdout);
        CliRunner.Result info = CliRunner.Run(dir, "model", "info", P("m.ckm"));
        Assert.True(info.ExitCode == 0, info.Stderr);
        Assert.Contains($"architecture  {name} ", info.Stdout);
        CliRunner.Result colour = CliRunner.Run(dir, "colorize", P("a.png"), "-o", P("out.png"), "--model", P("m.ckm"), "--size", "32");
        Assert.True(colour.ExitCode == 0, colour.Stderr);
        Assert.True(File.Exists(P("out.png")));
    }

    [Fact]
    public void An_unknown_architecture_is_refused_with_the_ones_this_build_knows()
    {
        CliRunner.Result r = CliRunner.Run(dir, "model", "init", "--arch", "eccv17", "-o", P("m.ckm"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"--arch 'eccv17': unknown architecture (this build knows {NetworkArchitecture.KnownNames})", r.Stderr);
        Assert.False(File.Exists(P("m.ckm")));
    }
}
