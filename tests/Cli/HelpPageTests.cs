using System.CommandLine;
using System.Text;
using System.Text.RegularExpressions;
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

    /// <summary>
    /// Defaults are stated in three places: System.CommandLine's "[default: X]" in --help, printed from the
    /// option's own default (right by construction); prose in an option's description, "(default: the
    /// model's)", for a default decided at run time; and docs/cli.md, "`--crf` (default 20", written by hand.
    /// A prose default must not sit beside a fixed one (the help line would state two), and every default
    /// docs/cli.md states for an option with a fixed default must be that default. Both kinds must be found:
    /// a pattern that stops matching fails here instead of checking nothing.
    /// </summary>
    [Fact]
    public void Help_texts_that_name_a_default_name_the_real_one()
    {
        var commands = Commands(Host.Program.Commands(), "").ToList();
        string Shown(Option o) => Convert.ToString(o.GetDefaultValue(), System.Globalization.CultureInfo.InvariantCulture) ?? "";
        var wrong = new List<string>();

        int prose = 0;
        foreach (var (path, command) in commands)
            foreach (Option option in command.Options)
            {
                var said = Regex.Match(option.Description ?? "", @"\bdefault: ([^;,)]+)");
                if (!said.Success)
                    continue;
                prose++;
                if (option.HasDefaultValue)
                    wrong.Add($"colorkernels {path} {option.Name}: the description says 'default: {said.Groups[1].Value}' beside the option's own default '{Shown(option)}'");
            }
        Assert.True(prose > 0, "no option description states a default in prose ('default: ...'): the pattern no longer matches how help texts say it");

        // docs/cli.md: "`--max-megapixels N` (default 100)", "`--crf` (default 20; ...", under "## `colorkernels COMMAND ...`" headings.
        string[] doc = File.ReadAllLines(TestData.RepositoryFile("docs", "cli.md"));
        int verified = 0;
        Command? section = null;
        foreach (string line in doc)
        {
            var heading = Regex.Match(line, @"^## .*`colorkernels ([a-z-]+)");
            if (heading.Success)
                section = commands.Select(c => c.Command).FirstOrDefault(c => c.Name == heading.Groups[1].Value);
            foreach (Match m in Regex.Matches(line, @"`(--[a-z-]+)[^`]*` \(default:? ([^;,):]+)"))
            {
                string name = m.Groups[1].Value, value = m.Groups[2].Value.Trim();
                Option[] candidates = section?.Options.Where(o => o.Name == name).ToArray() is { Length: > 0 } own ? own
                    : commands.SelectMany(c => c.Command.Options).Where(o => o.Name == name).ToArray();
                Assert.True(candidates.Length > 0, $"docs/cli.md states a default for {name}, which no command has");
                Option[] fixedDefault = candidates.Where(o => o.HasDefaultValue).ToArray();
                if (fixedDefault.Length == 0)
                    continue;   // decided at run time ("the input's"): the prose is the only statement of it
                verified++;
                if (!fixedDefault.Any(o => string.Equals(Shown(o), value, StringComparison.OrdinalIgnoreCase)))
                    wrong.Add($"docs/cli.md: {name} (default {value}), but the option's default is '{string.Join("' or '", fixedDefault.Select(Shown).Distinct())}'");
            }
        }
        Assert.True(verified > 0, "docs/cli.md states no default of an option with a fixed default ('`--option N` (default X)'): the pattern no longer matches how it says it");
        Assert.True(wrong.Count == 0, string.Join("; ", wrong));
    }
}
