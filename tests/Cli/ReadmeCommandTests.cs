using System.CommandLine;
using System.Text.RegularExpressions;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Cli;

/// <summary>
/// The documented command lines match the CLI (#28): every `colorkernels ...` or `dotnet run --project Host
/// ... -- ...` line in the shell blocks of the README and docs/*.md parses against the real command tree
/// with no unknown command or option, so a renamed option cannot leave the documentation behind.
/// </summary>
public class ReadmeCommandTests
{
    /// <summary>The documentation's shell command lines that run the CLI, continuation lines joined, comments dropped: the CLI's arguments.</summary>
    public static IEnumerable<object[]> Lines()
    {
        string docs = Path.GetDirectoryName(TestData.RepositoryFile("docs/cli.md"))!;
        string all = string.Join("\n", new[] { TestData.RepositoryFile("README.md") }.Concat(Directory.GetFiles(docs, "*.md").Order(StringComparer.Ordinal)).Select(File.ReadAllText));
        foreach (Match block in Regex.Matches(all, "```sh\n(.*?)```", RegexOptions.Singleline))
        {
            string text = block.Groups[1].Value.Replace("\\\n", " ");
            foreach (string raw in text.Split('\n'))
            {
                string[] tokens = Tokens(raw);
                int at = Array.IndexOf(tokens, "colorkernels");
                int dotnet = Array.IndexOf(tokens, "--project") is >= 0 and var p && p + 1 < tokens.Length && tokens[p + 1] == "Host" ? Array.IndexOf(tokens, "--") : -1;
                string[]? args = at >= 0 ? tokens[(at + 1)..] : dotnet >= 0 ? tokens[(dotnet + 1)..] : null;
                if (args is { Length: > 0 })
                    yield return new object[] { string.Join(' ', args) };
            }
        }
    }

    /// <summary>A shell line's words: single and double quotes kept together, a '#' outside quotes ends the line, usage brackets dropped.</summary>
    private static string[] Tokens(string line)
    {
        var tokens = new List<string>();
        var word = new System.Text.StringBuilder();
        char quote = '\0';
        bool inWord = false;
        foreach (char c in line)
        {
            if (quote != '\0')
            {
                if (c == quote)
                    quote = '\0';
                else
                    word.Append(c);
                continue;
            }
            if (c is '\'' or '"')
            {
                quote = c;
                inWord = true;
            }
            else if (c == '#' && !inWord)
                break;
            else if (char.IsWhiteSpace(c) || c is '[' or ']')   // [--option VALUE]: the usage's optional part, checked as written
            {
                if (inWord)
                    tokens.Add(word.ToString());
                word.Clear();
                inWord = false;
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }
        if (inWord)
            tokens.Add(word.ToString());
        return tokens.ToArray();
    }

    [Fact]
    public void The_readme_has_command_lines_to_check()
    {
        Assert.True(Lines().Count() >= 10, $"only {Lines().Count()} command lines found in the README and docs");
    }

    [Theory]
    [MemberData(nameof(Lines))]
    public void A_readme_command_line_parses_with_no_unknown_command_or_option(string line)
    {
        string[] args = Tokens(line);
        ParseResult result = Host.Program.Commands().Parse(args);
        Assert.True(result.UnmatchedTokens.Count == 0, $"'{line}': unknown {string.Join(", ", result.UnmatchedTokens)}");
        var unknown = result.Errors.Select(e => e.Message).Where(m => m.Contains("nrecognized", StringComparison.Ordinal) || m.StartsWith("unknown option", StringComparison.Ordinal)).ToList();
        Assert.True(unknown.Count == 0, $"'{line}': {string.Join("; ", unknown)}");
    }
}
