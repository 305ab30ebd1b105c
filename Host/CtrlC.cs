using System.CommandLine;
using ColorKernels.Engine;
using ColorKernels.Engine.Devices;

namespace ColorKernels.Host;

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
    public int ExitCode { get; private set; } = Cli.Interrupted;

    /// <summary>"Ctrl-C" or "SIGTERM", for the interruption message.</summary>
    public string SignalName => ExitCode == Cli.Terminated ? "SIGTERM" : "Ctrl-C";

    private void OnTerminate(System.Runtime.InteropServices.PosixSignalContext context) =>
        context.Cancel = Request(Cli.Terminated);

    private void OnCancel(object? sender, ConsoleCancelEventArgs e) => e.Cancel = Request(Cli.Interrupted);

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
