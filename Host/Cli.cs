using System.CommandLine;
using ColorKernels.Engine;
using ColorKernels.Engine.Devices;

namespace ColorKernels.Host;

/// <summary>Options every command shares, and the error boundary every command runs inside.</summary>
public static class Cli
{
    /// <summary>Exit code of a run in which some inputs failed, or of a user error.</summary>
    public const int Failure = 1;

    /// <summary>Exit code of a command line that does not parse.</summary>
    public const int Usage = 2;

    /// <summary>Exit code of a bug: an exception nobody expected.</summary>
    public const int Internal = 70;

    public static readonly Option<string> Device = new("--device")
    {
        Description = "auto | cuda | opencl | cpu, with :N to pick one of several (see 'colorkernels devices')",
        DefaultValueFactory = _ => "auto",
    };

    /// <summary>
    /// Runs a command body. A <see cref="UserErrorException"/> becomes one line on stderr and exit code 1;
    /// anything else is a bug, reported in one line with its type and exit code 70; never a stack trace
    /// (set COLORKERNELS_TRACE=1 to get one).
    /// </summary>
    public static int Guard(Func<int> body)
    {
        try
        {
            return body();
        }
        // An error about an option's value names the option first ("--size 30: ...", the project's way of
        // wording them, whether the host or the engine found it): it is a usage error, like UsageException.
        // A device this machine does not have is the machine's failure (exit 1), though it names --device.
        catch (UserErrorException e) when (e is UsageException || e.Message.StartsWith("--", StringComparison.Ordinal) && e is not DeviceUnavailableException)
        {
            Error(e.Message);
            return Usage;
        }
        catch (UserErrorException e)
        {
            Error(e.Message);
            return Failure;
        }
        catch (Exception e)
        {
            Error($"internal error ({e.GetType().Name}): {OneLine(e.Message)}");
            if (Environment.GetEnvironmentVariable("COLORKERNELS_TRACE") == "1")
                Console.Error.WriteLine(e);
            return Internal;
        }
    }

    /// <summary>A network input size asked for with --size (null: the model's own): a multiple of 8 within the model format's range.</summary>
    public static void CheckSize(int? size)
    {
        if (size is { } asked)
            UsageException.Of(() => Engine.Models.NetworkInputSize.Check(asked));
    }

    /// <summary>A decode temperature asked for with --temperature (null: the model's own), by the engine's one rule.</summary>
    public static void CheckTemperature(float? temperature)
    {
        if (temperature is { } t)
            UsageException.Of(() => Engine.Models.DecodeTemperature.Check(t));
    }

    /// <summary>
    /// A parse's errors in the project's words: each token nobody knows once, as an unknown command or option
    /// with the nearest valid name (System.CommandLine's own "Required command was not provided" and
    /// "Unrecognized command or argument" are folded into it), then the other errors, made readable.
    /// </summary>
    public static IReadOnlyList<string> ParseErrors(ParseResult result)
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

    public static void Error(string message) => Console.Error.WriteLine("colorkernels: error: " + message);

    public static void Warning(string message) => Console.Error.WriteLine("colorkernels: warning: " + message);

    public static string OneLine(string text) =>
        string.Join(' ', text.Split(new[] { '\n', '\r' }, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>
    /// Turns the first Ctrl-C, or the first SIGTERM (what `kill`, job schedulers and container runtimes
    /// send, and what a background job gets instead of Ctrl-C), into a cancellation request: the command
    /// finishes or abandons its current step, cleans up and exits with <see cref="ExitCode"/>. A second one
    /// removes every temporary output file still being written, then stops the process as usual. Dispose
    /// to remove the handlers.
    /// </summary>
    public sealed class CtrlC : IDisposable
    {
        private readonly CancellationTokenSource source = new();
        private readonly System.Runtime.InteropServices.PosixSignalRegistration terminate;

        private static int active;

        /// <summary>Whether a command is handling signals itself (then the process-wide handler leaves temporaries alone).</summary>
        public static bool IsActive => Volatile.Read(ref active) > 0;

        public CtrlC()
        {
            Interlocked.Increment(ref active);
            Console.CancelKeyPress += OnCancel;
            terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(
                System.Runtime.InteropServices.PosixSignal.SIGTERM, OnTerminate);
        }

        public CancellationToken Token => source.Token;

        /// <summary>The conventional exit code of the signal that stopped the run: 130 (SIGINT) or 143 (SIGTERM).</summary>
        public int ExitCode { get; private set; } = Interrupted;

        /// <summary>"Ctrl-C" or "SIGTERM", for the interruption message.</summary>
        public string SignalName => ExitCode == Terminated ? "SIGTERM" : "Ctrl-C";

        private void OnTerminate(System.Runtime.InteropServices.PosixSignalContext context) =>
            context.Cancel = Request(Terminated);

        private void OnCancel(object? sender, ConsoleCancelEventArgs e) => e.Cancel = Request(Interrupted);

        /// <summary>True (keep running) for the first signal; for a second, cleans up and lets the process stop.</summary>
        private bool Request(int exitCode)
        {
            if (source.IsCancellationRequested)
            {
                Engine.Imaging.AtomicFile.DeleteTemporaries();
                return false;
            }
            ExitCode = exitCode;
            source.Cancel();
            return true;
        }

        public void Dispose()
        {
            Interlocked.Decrement(ref active);
            Console.CancelKeyPress -= OnCancel;
            terminate.Dispose();
            source.Dispose();
        }
    }

    /// <summary>Exit code of a run stopped by Ctrl-C (128 + SIGINT).</summary>
    public const int Interrupted = 130;

    /// <summary>Exit code of a run stopped by SIGTERM (128 + SIGTERM).</summary>
    public const int Terminated = 143;

    /// <summary>Opens the device the --device option names.</summary>
    public static ComputeDevice OpenDevice(ParseResult result)
    {
        ComputeDevice device = ComputeDevice.Open(result.GetValue(Device) ?? "auto");
        foreach (string note in device.Notes)
            Warning(note);
        return device;
    }

    public static readonly Option<bool> Verbose = new("--verbose")
    {
        Description = "Print device discovery details and ILGPU's trace (the CUDA driver's PTX JIT log) to stderr",
        Recursive = true,
    };

    /// <summary>Under --verbose, System.Diagnostics.Trace (where ILGPU writes the PTX JIT log) goes to stderr.</summary>
    public static void TraceToStderr()
    {
        if (!System.Diagnostics.Trace.Listeners.OfType<System.Diagnostics.TextWriterTraceListener>().Any(l => l.Name == "colorkernels-stderr"))
            System.Diagnostics.Trace.Listeners.Add(new System.Diagnostics.TextWriterTraceListener(Console.Error, "colorkernels-stderr"));
        System.Diagnostics.Trace.AutoFlush = true;
    }
}

/// <summary>A command line that parses but asks for what cannot be (an option's value out of range, options that exclude each other): exit 2, as a parse error.</summary>
public sealed class UsageException : UserErrorException
{
    public UsageException(string message) : base(message)
    {
    }

    /// <summary>Runs <paramref name="check"/>, turning its user error into a usage error (an option's value refused by the engine's own rule).</summary>
    public static T Of<T>(Func<T> check)
    {
        try
        {
            return check();
        }
        catch (UserErrorException e) when (e is not UsageException)
        {
            throw new UsageException(e.Message);
        }
    }
}
