using System.Reflection;
using System.Text.RegularExpressions;
using ColorKernels.Engine.Models;
using ColorKernels.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace ColorKernels.Tests.Api;

/// <summary>
/// The library example (docs/library.md, linked from the README) compiles as written against the engine (Roslyn, in memory), and it is
/// the code samples/LibraryDemo runs against the packed package (.ci/run builds and runs that sample).
/// </summary>
public class ReadmeExampleTests
{
    /// <summary>The first csharp block under <paramref name="heading"/> in docs/library.md.</summary>
    private static string Block(string heading)
    {
        string readme = File.ReadAllText(TestData.RepositoryFile("docs/library.md"));
        int section = readme.IndexOf(heading, StringComparison.Ordinal);
        Assert.True(section >= 0, $"docs/library.md has no '{heading}' heading");
        Match block = Regex.Match(readme[section..], "```csharp\n(.*?)```", RegexOptions.Singleline);
        Assert.True(block.Success, $"the section '{heading}' has no csharp block");
        return block.Groups[1].Value;
    }

    private static string Example() => Block("# As a .NET library");

    private static string FilmExample() => Block("## A film, steered by keyframes");

    [Fact]
    public void The_library_example_compiles_as_written()
    {
        string source = """
            using System;
            using System.IO;
            using ColorKernels.Engine.Devices;
            using ColorKernels.Engine.Frames;
            using ColorKernels.Engine.Imaging;
            using ColorKernels.Engine.Models;
            using ColorKernels.Engine.Video;

            static class Example
            {
                static void Run(string input, string output)
                {
            """ + Example() + """
                }

                static void Film(IColorizer colorizer, string film, string filmOutput)
                {
            """ + FilmExample() + """
                }
            }
            """;
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Append(typeof(IColorizer).Assembly.Location)
            .Append(typeof(SixLabors.ImageSharp.Image).Assembly.Location)
            .Select(path => MetadataReference.CreateFromFile(path));
        var compilation = CSharpCompilation.Create("ReadmeExample", new[] { CSharpSyntaxTree.ParseText(source) }, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        using var stream = new MemoryStream();
        var result = compilation.Emit(stream);
        Assert.True(result.Success, "the README's example does not compile:\n" +
            string.Join("\n", result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
    }

    [Fact]
    public void The_sample_program_runs_the_readme_example()
    {
        string program = File.ReadAllText(TestData.RepositoryFile("samples", "LibraryDemo", "Program.cs"));
        Match between = Regex.Match(program, "// README example begins\n(.*?)// README example ends", RegexOptions.Singleline);
        Assert.True(between.Success, "samples/LibraryDemo/Program.cs lost its README example markers");
        Assert.Equal(Example().Trim(), between.Groups[1].Value.Trim());
        Match film = Regex.Match(program, "// Film example begins\n(.*?)// Film example ends", RegexOptions.Singleline);
        Assert.True(film.Success, "samples/LibraryDemo/Program.cs lost its film example markers");
        Assert.Equal(string.Join("\n", FilmExample().Trim().Split('\n').Select(l => l.Trim())), string.Join("\n", film.Groups[1].Value.Trim().Split('\n').Select(l => l.Trim())));
    }
}
