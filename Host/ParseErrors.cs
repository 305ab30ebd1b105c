using System.CommandLine;
using ColorKernels.Engine;
using ColorKernels.Engine.Devices;

namespace ColorKernels.Host;

/// <summary>
/// A command line that does not parse, in the project's words: unknown commands and options with the nearest
/// X
/// </summary>
public static class ParseErrors
{
    /// <summary>
    /// A parse's errors in the project's words: each token nobody knows once, as an unknown command or option
    /// with the nearest valid name (System.CommandLine's own "Required command was not provided" and
    /// "Unrecognized command or argument" are folded into it), then the other errors, made readable.
    /// </summary>
    public static IReadOnlyList<string> Of(ParseResult result)
    {
        Command command = result.CommandResult.Command;
        var names = command.Subcommands.SelectMany(c => c.Aliases.Prepend(c.Name))
            .Concat(command.Options.SelectMany(o => o.Aliases.Prepend(o.Name))).Distinct().ToList();
        var messages = new List<string>();
        bool commandReported = false;
        foreach (string token in result.UnmatchedTokens)
        {
            // After an unknown command its arguments are unknown too: the command is the one to name.
            if (!token.StartsWith('-') && command.Subcommands.Count > 0 && commandReported)
                continue;
            commandReported |= !token.StartsWith('-') && command.Subcommands.Count > 0;
            string? nearest = Nearest(token, names);
            string what = token.StartsWith('-') ? "option" : command.Subcommands.Count > 0 ? "command" : "argument";
            string where = command.Parents.Any() ? $" for '{command.Name}'" : "";
            messages.Add($"unknown {what} '{token}'{where}" + (nearest is not null ? $": did you mean '{nearest}'?" : what == "command" ? $": the commands are {string.Join(", ", command.Subcommands.Select(c => c.Name))}" : ""));
        }
        foreach (var error in result.Errors)
        {
            if (result.UnmatchedTokens.Count > 0 && (error.Message.StartsWith("Unrecognized command or argument", StringComparison.Ordinal)
                || error.Message.StartsWith("Required command was not provided", StringComparison.Ordinal)))
                continue;
            string text = ReadableParseError(error.Message);
            messages.Add(text.Length > 0 ? char.ToLowerInvariant(text[0]) + text[1..].TrimEnd('.') : text);
        }
        return messages;
    }

    /// <summary>The name in <paramref name="names"/> nearest to <paramref name="token"/> (an option for an option, a command for a word; help's "/h" aliases left out), when near enough to be a typo.</summary>
    /// <remarks>
    /// Kept by hand: System.CommandLine 2.0.15's typo corrections are not an API. Its only public handle is the
    /// switch ParseErrorAction.ShowTypoCorrections; the search (ParseErrorAction.WriteTypoCorrectionSuggestions
    /// and its distance functions) is private and writes a localised "Did you mean one of the following?" list
    /// to the output, so using it would mean scraping that text instead of the CLI's one-line error.
    /// </remarks>
    public static string? Nearest(string token, IEnumerable<string> names) =>
        names.Where(n => !n.StartsWith('/') && n.StartsWith('-') == token.StartsWith('-'))
            .Select(n => (Name: n, Distance: Distance(n, token))).Where(n => n.Distance <= Math.Max(2, token.Length / 3))
            .OrderBy(n => n.Distance).Select(n => n.Name).FirstOrDefault();

    /// <summary>The edit distance of two names (insertions, deletions, substitutions), for "did you mean".</summary>
    private static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }

    /// <summary>
    /// System.CommandLine names .NET types in its messages ("as expected type 'System.Nullable`1[System.Int32]'");
    /// users are told what to type instead.
    /// </summary>
    public static string ReadableParseError(string message) =>
        System.Text.RegularExpressions.Regex.Replace(message, @"as expected type '([^']+)'\.?", m =>
        {
            string type = m.Groups[1].Value;
            string wanted = type.Contains("Int32") || type.Contains("Int64") ? "a whole number"
                : type.Contains("Double") || type.Contains("Single") ? "a number"
                : type.Contains("Boolean") ? "true or false"
                : "a value of the right kind";
            return $"as {wanted}.";
        });
}
