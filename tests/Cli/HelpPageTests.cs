using System.CommandLine;
using System.Text;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Cli;

/// <summary>
/// docs/cli-help.md is every command's <c>--help</c> as the program prints it (#28 item 3), so the reference
/// cannot drift from the options: the test renders the help of the whole command tree and compares. Run with
/// COLORKERNELS_UPDATE_DOCS=1 to rewrite the page after an intended change. Help texts state the real
/// defaults: a default a help text names must be the option's default.
/// </summary>
public class HelpPageTests
{
    /// <summary>Every command, depth first, with its path from the root ("" for the root).</summary>
    private static IEnumerable<(string Path, Command Command)> Commands(Command command, string path)
    {
        yield return (path, command);
        foreach (Command sub in command.Subcommands.OrderBy(c => c.Name, StringComparer.Ordinal).Where(c => !c.Hidden))
            foreach (var child in Commands(sub, (path + " " + sub.Name).Trim()))
                yield return child;
    }

    private static string Help(string path)
    {
        var output = new StringWriter { NewLine = "\n" };
        string[] args = path.Split(' ', StringSplitOptions.RemoveEmptyEntries).Append("--help").ToArray();
        int code = Host.Program.Commands().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = output });
        Assert.Equal(0, code);
        // The usage line names the running executable (the test host here): the page names the command.
        return output.ToString().Replace("  " + RootCommand.ExecutableName + " ", "  colorkernels ").TrimEnd() + "\n";
    }

    public static string Page()
    {
        var page = new StringBuilder();
        page.Append("# colorkernels --help, every command\n\n");
        page.Append("Made by the program (tests/Cli/HelpPageTests.cs checks it; `COLORKERNELS_UPDATE_DOCS=1` rewrites it).\n");
        page.Append("What the options mean at length, with the numbers behind the defaults: [cli.md](cli.md).\n");
        foreach (var (path, _) in Commands(Host.Program.Commands(), ""))
        {
            page.Append($"\n## colorkernels{(path.Length > 0 ? " " + path : "")}\n\n```text\n");
            page.Append(Help(path));
            page.Append("```\n");
        }
        return page.ToString();
    }

    [Fact]
    public void The_help_page_is_what_the_program_prints()
    {
        string path = TestData.RepositoryFile("docs", "cli-help.md");
        string actual = Page();
        if (Environment.GetEnvironmentVariable("COLORKERNELS_UPDATE_DOCS") == "1")
            File.WriteAllText(path, actual);
        string expected = File.Exists(path) ? File.ReadAllText(path).Replace("\r\n", "\n") : "";
        Assert.True(expected == actual, "docs/cli-help.md differs from the program's --help (rewrite it with COLORKERNELS_UPDATE_DOCS=1 if intended); first difference near: "
            + actual.Skip(Enumerable.Range(0, Math.Min(expected.Length, actual.Length)).FirstOrDefault(i => expected[i] != actual[i], Math.Min(expected.Length, actual.Length))).Take(200).Aggregate("", (s, c) => s + c));
    }

    [Fact]
    public void Help_texts_that_name_a_default_name_the_real_one()
    {
        // "(default: X)" in an option's description must agree with the default System.CommandLine shows.
        foreach (var (path, command) in Commands(Host.Program.Commands(), ""))
            foreach (Option option in command.Options)
            {
                var said = System.Text.RegularExpressions.Regex.Match(option.Description ?? "", @"default: ([^;,)]+)");
                if (!said.Success || !option.HasDefaultValue)
                    continue;
                string shown = Convert.ToString(option.GetDefaultValue(), System.Globalization.CultureInfo.InvariantCulture) ?? "";
                Assert.True(said.Groups[1].Value.Trim().StartsWith(shown, StringComparison.OrdinalIgnoreCase) || shown.Length == 0,
                    $"colorkernels {path} {option.Name}: the help says 'default {said.Groups[1].Value}', the default is '{shown}'");
            }
    }
}
