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

    public static void Error(string message) => Console.Error.WriteLine("colorkernels: error: " + message);

    public static void Warning(string message) => Console.Error.WriteLine("colorkernels: warning: " + message);

    public static string OneLine(string text) =>
        string.Join(' ', text.Split(new[] { '\n', '\r' }, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

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
