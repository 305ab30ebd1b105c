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
        Recursive = true,
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

    public static void Error(string message) => Console.Error.WriteLine("colorkernels: error: " + message);

    public static void Warning(string message) => Console.Error.WriteLine("colorkernels: warning: " + message);

    public static string OneLine(string text) =>
        string.Join(' ', text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>
    /// Turns the first Ctrl-C, or the first SIGTERM (what `kill`, job schedulers and container runtimes
    /// send, and what a background job gets instead of Ctrl-C), into a cancellation request: the command
    /// finishes its step, writes a checkpoint and exits. A second one stops the process as usual. Dispose
    /// to remove the handlers.
    /// </summary>
    public sealed class CtrlC : IDisposable
    {
        private readonly CancellationTokenSource source = new();
        private readonly System.Runtime.InteropServices.PosixSignalRegistration terminate;

        public CtrlC()
        {
            Console.CancelKeyPress += OnCancel;
            terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(
                System.Runtime.InteropServices.PosixSignal.SIGTERM, OnTerminate);
        }

        public CancellationToken Token => source.Token;

        private void OnTerminate(System.Runtime.InteropServices.PosixSignalContext context)
        {
            if (source.IsCancellationRequested)
                return;
            context.Cancel = true;
            source.Cancel();
        }

        private void OnCancel(object? sender, ConsoleCancelEventArgs e)
        {
            if (source.IsCancellationRequested)
                return;
            e.Cancel = true;
            source.Cancel();
        }

        public void Dispose()
        {
            Console.CancelKeyPress -= OnCancel;
            terminate.Dispose();
            source.Dispose();
        }
    }

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
