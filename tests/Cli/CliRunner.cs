using System.Diagnostics;

namespace ColorKernels.Tests.Cli;

/// <summary>Runs the real colorkernels executable in a child process, as a user would.</summary>
public static class CliRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Result Run(string workingDirectory, params string[] args)
    {
        using Process process = Start(workingDirectory, args);
        return Finish(process, args);
    }

    /// <summary>Runs it with extra environment variables (the test process's own are left alone).</summary>
    public static Result RunWith(IReadOnlyDictionary<string, string> environment, string workingDirectory, params string[] args)
    {
        using Process process = Start(workingDirectory, args, environment);
        return Finish(process, args);
    }

    /// <summary>Starts the executable without waiting (for tests that signal it); finish with <see cref="Finish"/>.</summary>
    public static Process Start(string workingDirectory, params string[] args) => Start(workingDirectory, args, null);

    private static Process Start(string workingDirectory, string[] args, IReadOnlyDictionary<string, string>? environment)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "colorkernels.dll");
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var info = new ProcessStartInfo(dotnet)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
            info.Environment[name] = value;
        info.ArgumentList.Add(dll);
        foreach (string arg in args)
            info.ArgumentList.Add(arg);
        return Process.Start(info)!;
    }

    public static Result Finish(Process process, params string[] args)
    {
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"colorkernels {string.Join(' ', args)} did not finish in 120 s");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}
