using System.Collections.Concurrent;
using System.Diagnostics;
using ColorKernels.Engine;
using ColorKernels.Engine.Imaging;
using ColorKernels.Host.Files;
using Spectre.Console;

namespace ColorKernels.Host.Commands;

/// <summary>
/// Runs a picture-to-picture job over many inputs: decodes on a background thread into a small bounded
/// queue, applies the device work in order, writes each output atomically, skips existing outputs unless
/// overwriting, keeps going when one file fails, shows a progress bar on a terminal, and ends with a summary.
/// </summary>
public sealed class BatchRunner
{
    public required string Verb { get; init; }
    public required IReadOnlyList<string> Inputs { get; init; }
    public required string Output { get; init; }
    public string? Format { get; init; }
    public bool Overwrite { get; init; }
    public long MaxPixels { get; init; } = ImageIO.DefaultMaxPixels;

    /// <summary>Counts of one run, for the summary and for tests.</summary>
    public sealed record Summary(int Done, int Skipped, int Failed, double Seconds);

    /// <summary>Runs <paramref name="process"/> on every input; returns the exit code (non-zero if any input failed).</summary>
    public int Run(Func<ImageData, ImageData> process, string deviceDescription)
    {
        InputFiles.Expansion expansion = InputFiles.Expand(Inputs);
        var plan = new OutputPlan(Output, expansion.SingleFile, Format);
        var failures = new List<string>(expansion.Errors);
        var inputSet = expansion.Files.Select(f => f.FullPath).ToHashSet(StringComparer.Ordinal);

        var work = new List<(InputFile Input, string OutputPath)>();
        int skipped = 0;
        foreach (InputFile input in expansion.Files)
        {
            try
            {
                string path = plan.For(input, inputSet);
                if (File.Exists(path) && !Overwrite)
                    skipped++;
                else
                    work.Add((input, path));
            }
            catch (UserErrorException e)
            {
                failures.Add(e.Message);
            }
        }

        var clock = Stopwatch.StartNew();
        int done = 0;
        bool showProgress = work.Count > 1 && !Console.IsErrorRedirected;
        var errorConsole = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

        void RunAll(Action advance)
        {
            foreach (var (item, loaded) in Prefetch(work))
            {
                try
                {
                    ImageIO.Save(item.OutputPath, process(loaded.Value));
                    done++;
                }
                catch (UserErrorException e)
                {
                    failures.Add(e.Message);
                    if (!showProgress)
                        Cli.Error(e.Message);
                }
                advance();
            }
        }

        if (showProgress)
        {
            errorConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                    new RemainingTimeColumn(), new ElapsedTimeColumn())
                .Start(context =>
                {
                    ProgressTask task = context.AddTask($"{Verb} {work.Count} files", maxValue: work.Count);
                    RunAll(() => task.Increment(1));
                });
            foreach (string failure in failures)
                Cli.Error(failure);
        }
        else
        {
            foreach (string failure in failures)
                Cli.Error(failure);
            RunAll(() => { });
        }

        var summary = new Summary(done, skipped, failures.Count, clock.Elapsed.TotalSeconds);
        Console.Out.WriteLine(Describe(summary, deviceDescription));
        return failures.Count == 0 ? 0 : Cli.Failure;
    }

    private string Describe(Summary s, string device)
    {
        var text = $"{Verb}: {s.Done} written";
        if (s.Skipped > 0)
            text += $", {s.Skipped} skipped (output exists; --overwrite replaces)";
        if (s.Failed > 0)
            text += $", {s.Failed} failed";
        double rate = s.Seconds > 0 ? s.Done / s.Seconds : 0;
        return text + $" in {s.Seconds:0.00} s ({rate:0.0} images/s) on {device}";
    }

    /// <summary>
    /// Decodes the next two inputs on a background thread while the current one is on the device.
    /// A decoding failure travels with its item and is thrown when the item is consumed.
    /// </summary>
    private IEnumerable<((InputFile Input, string OutputPath) Item, Lazy<ImageData> Image)> Prefetch(
        List<(InputFile Input, string OutputPath)> work)
    {
        using var queue = new BlockingCollection<((InputFile, string), Lazy<ImageData>)>(boundedCapacity: 2);
        var producer = Task.Run(() =>
        {
            try
            {
                foreach (var item in work)
                {
                    Lazy<ImageData> image;
                    try
                    {
                        ImageData data = ImageIO.Load(item.Input.FullPath, MaxPixels);
                        image = new Lazy<ImageData>(data);
                    }
                    catch (Exception e)
                    {
                        var captured = e is UserErrorException ? e : new UserErrorException($"'{item.Input.FullPath}': {e.Message}", e);
                        image = new Lazy<ImageData>(() => throw captured);
                    }
                    queue.Add((item, image));
                }
            }
            finally
            {
                queue.CompleteAdding();
            }
        });
        foreach (var entry in queue.GetConsumingEnumerable())
            yield return entry;
        producer.Wait();
    }
}
