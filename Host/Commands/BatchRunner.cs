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

    /// <summary>Limit on a picture's metadata once inflated (PNG zTXt, iTXt, iCCP): <see cref="ImageIO.DefaultMaxMetadataBytes"/>.</summary>
    public long MaxMetadataBytes { get; init; } = ImageIO.DefaultMaxMetadataBytes;

    /// <summary>
    /// Colours one video (input path, output path, cancellation) when set: video files (by extension) are then
    /// accepted among the inputs and go through it one by one after the pictures; null: pictures only.
    /// </summary>
    public Func<string, string, IProgress<int>?, CancellationToken, Engine.Video.VideoReport>? Video { get; set; }

    /// <summary>Process only inputs whose index (in sorted expansion order) is Index modulo Count.</summary>
    public (int Index, int Count)? Shard { get; init; }

    /// <summary>Parses "i/n" (0 &lt;= i &lt; n) for --shard.</summary>
    public static (int Index, int Count)? ParseShard(string? text)
    {
        if (string.IsNullOrEmpty(text))
            return null;
        string[] parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], out int i) && int.TryParse(parts[1], out int n) && n >= 1 && i >= 0 && i < n)
            return (i, n);
        throw new UserErrorException($"--shard '{text}': expected i/n with 0 <= i < n, e.g. 0/4 for the first of four shards");
    }

    /// <summary>Counts of one run, for the summary and for tests.</summary>
    public sealed record Summary(int Done, int Skipped, int Failed, double Seconds, int Videos = 0);

    /// <summary>Runs <paramref name="process"/> on every input; returns the exit code (non-zero if any input failed).</summary>
    public int Run(Func<ImageData, ImageData> process, string deviceDescription) =>
        Run(images => images.Select(process).ToList(), 1, deviceDescription);

    /// <summary>
    /// Runs <paramref name="processBatch"/> on batches of up to <paramref name="batchSize"/> decoded inputs
    /// (one device launch sequence per batch); returns the exit code (non-zero if any input failed).
    /// </summary>
    public int Run(Func<IReadOnlyList<ImageData>, IReadOnlyList<ImageData>> processBatch, int batchSize, string deviceDescription)
    {
        if (batchSize < 1)
            throw new UserErrorException($"--batch {batchSize}: must be at least 1");
        InputFiles.Expansion expansion = Video is null ? InputFiles.Expand(Inputs)
            : InputFiles.Expand(Inputs, p => ImageIO.HasImageExtension(p) || Engine.Video.Ffmpeg.HasVideoExtension(p));
        IReadOnlyList<InputFile> files = Shard is { } shard
            ? expansion.Files.Where((_, i) => i % shard.Count == shard.Index).ToList()
            : expansion.Files;
        foreach (string note in expansion.Notes)
            Cli.Warning(note);
        var plan = new OutputPlan(Output, expansion.SingleFile, Format);
        var failures = new List<string>(expansion.Errors);
        // Every input, not only this shard's, is protected from being overwritten.
        var inputSet = expansion.Files.Select(f => f.FullPath).ToHashSet(StringComparer.Ordinal);

        var work = new List<(InputFile Input, string OutputPath)>();
        int skipped = 0;
        foreach (InputFile input in files)
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

        using var ctrlC = new Cli.CtrlC();
        CancellationToken cancel = ctrlC.Token;
        var clock = Stopwatch.StartNew();
        int done = 0, finished = 0, videosDone = 0;   // written; written or failed; videos written
        var videos = Video is null ? new List<(InputFile Input, string OutputPath)>() : work.Where(w => Engine.Video.Ffmpeg.IsVideo(w.Input.FullPath)).ToList();
        // A bar for several files, or for a video's frames (one film can take hours).
        bool showProgress = (work.Count > 1 || videos.Count > 0) && !Console.IsErrorRedirected;
        var errorConsole = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

        void RunAll(Action step, Func<string, FrameProgress> frames)
        {
            void advance()
            {
                finished++;
                step();
            }
            var batch = new List<((InputFile Input, string OutputPath) Item, ImageData Image)>();
            void Flush()
            {
                if (batch.Count == 0)
                    return;
                IReadOnlyList<ImageData> outputs;
                try
                {
                    outputs = processBatch(batch.Select(b => b.Image).ToList());
                }
                catch (UserErrorException e)
                {
                    // A device failure (out of memory, say) fails the whole batch; each file is named.
                    foreach (var (item, _) in batch)
                    {
                        Fail($"'{item.Input.FullPath}': {e.Message}");
                        advance();
                    }
                    batch.Clear();
                    return;
                }
                for (int i = 0; i < batch.Count; i++)
                {
                    try
                    {
                        // The batch's device work is done: its files are written even after an interrupt
                        // (each write is atomic, and a second signal removes a half-written one).
                        ImageIO.Save(batch[i].Item.OutputPath, outputs[i]);
                        done++;
                    }
                    catch (UserErrorException e)
                    {
                        Fail(e.Message);
                    }
                    advance();
                }
                batch.Clear();
            }

            foreach (var (item, loaded) in Prefetch(work.Except(videos).ToList(), cancel))
            {
                if (cancel.IsCancellationRequested)
                    break;
                try
                {
                    batch.Add((item, loaded.Value));
                }
                catch (UserErrorException e)
                {
                    Fail(e.Message);
                    advance();
                }
                if (batch.Count == batchSize)
                    Flush();
            }
            // After an interrupt the decoded but unprocessed pictures of a partial batch are abandoned.
            if (!cancel.IsCancellationRequested)
                Flush();
            foreach (var (input, outputPath) in videos)
            {
                if (cancel.IsCancellationRequested)
                    break;
                try
                {
                    Engine.Video.VideoReport report;
                    using (FrameProgress progress = frames(input.FullPath))
                        report = Video!(input.FullPath, outputPath, progress, cancel);
                    done++;
                    videosDone++;
                    if (!showProgress)
                        Console.Out.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                            $"{outputPath}: {report.Frames} frames in {report.Seconds:0.0} s ({report.Frames / Math.Max(report.Seconds, 1e-9):0.0} frames/s; {report.Stages?.Describe(report.Seconds)})"));
                }
                catch (UserErrorException e)
                {
                    Fail(e.Message);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                advance();
            }
        }

        void Fail(string message)
        {
            failures.Add(message);
            if (!showProgress)
                Cli.Error(message);
        }

        if (showProgress)
        {
            errorConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                    new RateColumn(), new RemainingTimeColumn(), new ElapsedTimeColumn())
                .Start(context =>
                {
                    ProgressTask task = context.AddTask($"{Verb} {work.Count} files", maxValue: work.Count);
                    RunAll(() => task.Increment(1), path => FrameProgress.Bar(context, path));
                });
            foreach (string failure in failures)
                Cli.Error(failure);
        }
        else
        {
            foreach (string failure in failures)
                Cli.Error(failure);
            RunAll(() => { }, path => FrameProgress.Lines(Verb, path));
        }

        var summary = new Summary(done, skipped, failures.Count, clock.Elapsed.TotalSeconds, videosDone);
        Console.Out.WriteLine(Describe(summary, deviceDescription));
        if (cancel.IsCancellationRequested)
        {
            Cli.Error($"{Verb}: interrupted by {ctrlC.SignalName}: {done} written, {work.Count - finished} not processed; no temporary files left");
            return ctrlC.ExitCode;
        }
        return failures.Count == 0 ? 0 : Cli.Failure;
    }

    private string Describe(Summary s, string device)
    {
        var text = $"{Verb}: {s.Done} written";
        if (s.Skipped > 0)
            text += $", {s.Skipped} skipped (output exists; --overwrite replaces)";
        if (s.Failed > 0)
            text += $", {s.Failed} failed";
        // With videos among the outputs a pictures-per-second rate means nothing (each video said its frames/s).
        if (s.Videos > 0)
            return text + $" ({s.Videos} video{(s.Videos == 1 ? "" : "s")}) in {s.Seconds:0.00} s on {device}";
        double rate = s.Seconds > 0 ? s.Done / s.Seconds : 0;
        return text + $" in {s.Seconds:0.00} s ({rate:0.0} images/s) on {device}";
    }

    /// <summary>
    /// Decodes the next two inputs on a background thread while the current one is on the device.
    /// A decoding failure travels with its item and is thrown when the item is consumed.
    /// </summary>
    private IEnumerable<((InputFile Input, string OutputPath) Item, Lazy<ImageData> Image)> Prefetch(
        List<(InputFile Input, string OutputPath)> work, CancellationToken cancel)
    {
        using var queue = new BlockingCollection<((InputFile, string), Lazy<ImageData>)>(boundedCapacity: 2);
        // Stops the decoder when the consumer stops early (an interrupt) or is done.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var producer = Task.Run(() =>
        {
            try
            {
                foreach (var item in work)
                {
                    if (stop.IsCancellationRequested)
                        break;
                    Lazy<ImageData> image;
                    try
                    {
                        ImageData data = ImageIO.Load(item.Input.FullPath, MaxPixels, MaxMetadataBytes);
                        image = new Lazy<ImageData>(data);
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        var captured = e is UserErrorException ? e : new UserErrorException($"'{item.Input.FullPath}': {e.Message}", e);
                        image = new Lazy<ImageData>(() => throw captured);
                    }
                    queue.Add((item, image), stop.Token);
                }
            }
            catch (OperationCanceledException)
            {
                // The consumer stopped.
            }
            finally
            {
                queue.CompleteAdding();
            }
        });
        try
        {
            foreach (var entry in queue.GetConsumingEnumerable())
                yield return entry;
        }
        finally
        {
            stop.Cancel();
            producer.Wait();
        }
    }

}
