using System.Text.RegularExpressions;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Docs;

/// <summary>
/// docs/design.md stays true to the tree (#39): every op family folder (each folder directly under Kernels/ and
/// Engine/Ops/) is named there as a path, so a new family cannot be left out of the op table; and every source
/// path it writes in backticks exists, so a renamed or moved file cannot leave the design notes behind.
/// </summary>
public class DesignDocTests
{
    private static string Root => Path.GetDirectoryName(TestData.RepositoryFile("ColorKernels.sln"))!;

    private static string Doc => File.ReadAllText(TestData.RepositoryFile("docs", "design.md"));

    /// <summary>"Kernels/Hints", "Engine/Ops/Video", ...: the folders directly under Kernels/ and Engine/Ops/, build outputs left out.</summary>
    public static IReadOnlyList<string> OpFamilyFolders() =>
        new[] { "Kernels", "Engine/Ops" }
            .SelectMany(parent => Directory.GetDirectories(Path.Combine(Root, parent))
                .Select(Path.GetFileName)
                .Where(name => name is not ("bin" or "obj"))
                .Select(name => parent + "/" + name))
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>
    /// Whether <paramref name="text"/> names <paramref name="folder"/> as a path: the folder itself or a path inside it
    /// ("Kernels/Hints", "Kernels/Hints/HintInputKernels.cs"), not a longer name ("Kernels/HintsX") nor the tail of
    /// another path ("tests/Kernels/Hints").
    /// </summary>
    public static bool NamesFolder(string text, string folder) =>
        Regex.IsMatch(text, @"(?<![A-Za-z0-9_./-])" + Regex.Escape(folder) + @"(?![A-Za-z0-9_])");

    /// <summary>
    /// The repository paths design.md writes in backticks: a span that is one path with a '/' and ends in .cs
    /// ("Engine/Models/LayerGraph.cs"); templates ("Kernels/&lt;Family&gt;/&lt;Op&gt;Kernels.cs") and fenced code blocks are not paths.
    /// </summary>
    public static IReadOnlyList<string> SourcePaths(string text)
    {
        string prose = Regex.Replace(text, "```.*?```", "", RegexOptions.Singleline);
        return Regex.Matches(prose, "`([^`\n]+)`")
            .Select(m => m.Groups[1].Value)
            .Where(span => span.Contains('/') && Regex.IsMatch(span, @"^[A-Za-z0-9_.\-/]+\.cs$"))
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    [Fact]
    public void Every_op_family_folder_is_named_in_the_design_notes()
    {
        IReadOnlyList<string> folders = OpFamilyFolders();
        Assert.Contains("Kernels/Hints", folders);   // the walk found the tree
        Assert.Contains("Engine/Ops/Video", folders);
        string doc = Doc;
        var missing = folders.Where(f => !NamesFolder(doc, f)).ToList();
        Assert.True(missing.Count == 0, "docs/design.md does not name these op family folders (add them to its op table): " + string.Join(", ", missing));
    }

    [Fact]
    public void Every_source_path_in_the_design_notes_exists()
    {
        IReadOnlyList<string> paths = SourcePaths(Doc);
        Assert.True(paths.Count >= 50, $"only {paths.Count} source paths found in docs/design.md: the pattern no longer finds them");
        var missing = paths.Where(p => !File.Exists(Path.Combine(Root, p))).ToList();
        Assert.True(missing.Count == 0, "docs/design.md names source files that do not exist: " + string.Join(", ", missing));
    }

    [Fact]
    public void The_checks_tell_a_path_from_a_longer_name_and_a_template()
    {
        Assert.True(NamesFolder("`Kernels/Hints`", "Kernels/Hints"));
        Assert.True(NamesFolder("see `Kernels/Hints/HintInputKernels.cs`.", "Kernels/Hints"));
        Assert.False(NamesFolder("`Kernels/HintsX`", "Kernels/Hints"));
        Assert.False(NamesFolder("`tests/Kernels/Hints`", "Kernels/Hints"));
        Assert.False(NamesFolder("`Engine/Ops/Hints`", "Ops/Hints"));
        Assert.Equal(new[] { "Engine/Models/LayerGraph.cs" },
            SourcePaths("`Engine/Models/LayerGraph.cs`, `Kernels/<Family>/<Op>Kernels.cs`, `LayerGraph.cs`, `Engine/Models/`\n```\n`Not/Here.cs`\n```"));
    }
}
