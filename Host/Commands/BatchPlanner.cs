using ColorKernels.Engine;
using ColorKernels.Engine.Frames;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Video;
using ColorKernels.Host.Files;

namespace ColorKernels.Host.Commands;

/// <summary>An input's outcome known from the plan (a skipped output, an input that could not be planned), for the manifest.</summary>
internal readonly record struct PlannedOutcome(string Input, string Output, string Status, string? Reason);

/// <summary>
/// What a run will do, planned before any device opens: the jobs, the outputs skipped (they exist), the
/// inputs that could not be planned (their one-line messages and their outcomes), and the problems of the
/// hints that stop the run.
/// </summary>
internal sealed record BatchPlan(IReadOnlyList<FrameJob> Jobs, int Skipped, IReadOnlyList<string> Failures, IReadOnlyList<PlannedOutcome> Outcomes, IReadOnlyList<string> HintErrors);

/// <summary>
/// Turns a run's inputs into frame jobs, one of three ways: input files (pictures and videos, expanded
/// from files, folders and globs), folders of numbered frames (--sequence), or the inputs a manifest
/// says failed (--retry-failed). Only this shard's inputs; an existing output is skipped unless
/// overwriting, and an input is never an output.
/// </summary>
internal sealed class BatchPlanner(BatchRunner run)
{
    private readonly List<string> failures = new();
    private readonly List<string> hintErrors = new();
    private readonly List<PlannedOutcome> outcomes = new();

    /// <summary>The plan; an output plan that cannot work (a file name for several inputs, a folder that cannot be written) throws a <see cref="UserErrorException"/>.</summary>
    public BatchPlan Plan()
    {
        var (jobs, skipped) = run.Retry is not null ? PlanRetry() : run.Sequences ? PlanSequences() : PlanFiles();
        return new BatchPlan(jobs, skipped, failures, outcomes, hintErrors);
    }

    /// <summary>
    /// One job per input file (pictures first, then videos), this shard's only; an existing output is skipped
    /// unless overwriting, and an input that cannot be planned (a video ffprobe cannot read) is a failure.
    /// </summary>
    private (List<FrameJob> Jobs, int Skipped) PlanFiles()
    {
        InputFiles.Expansion expansion = run.Videos is null ? InputFiles.Expand(run.Inputs)
            : InputFiles.Expand(run.Inputs, p => ImageIO.HasImageExtension(p) || Ffmpeg.HasVideoExtension(p));
        IReadOnlyList<InputFile> files = run.Shard is { } shard
            ? expansion.Files.Where((_, i) => i % shard.Count == shard.Index).ToList()
            : expansion.Files;
        foreach (string note in expansion.Notes)
            Cli.Warning(note);
        var plan = new OutputPlan(run.Output, expansion.SingleFile, run.Format, files.Count);
        if (files.Count > 0)
            plan.CheckWritable();
        failures.AddRange(expansion.Errors);
        outcomes.AddRange(expansion.Errors.Select(e => new PlannedOutcome("", "", "failed", e)));
        // Every input, not only this shard's, is protected from being overwritten.
        var inputSet = expansion.Files.Select(f => f.FullPath).ToHashSet(StringComparer.Ordinal);
        var pictures = new List<FrameJob>();
        var videos = new List<FrameJob>();
        int skipped = 0;
        string? hintsPath = run.HintsPath;
        bool hintFolder = hintsPath is not null && Directory.Exists(hintsPath);
        if (hintsPath is not null && !hintFolder && (files.Count != 1 || !expansion.SingleFile))
            hintErrors.Add($"--hints '{hintsPath}': with several inputs give a folder of STEM.json files (one per input), not one file");
        foreach (InputFile input in files)
        {
            string? path = null;
            try
            {
                path = plan.For(input, inputSet);
                string? hintsFile = hintsPath is null ? null : hintFolder ? Path.Combine(hintsPath, Path.GetFileNameWithoutExtension(input.FullPath) + ".json") : hintsPath;
                if (hintsFile is not null && hintFolder && !File.Exists(hintsFile))
                    hintsFile = null;
                if (File.Exists(path) && !run.Overwrite)
                {
                    skipped++;
                    outcomes.Add(new PlannedOutcome(input.FullPath, path, "skipped", null));
                }
                else if (run.Videos is not null && Ffmpeg.IsVideo(input.FullPath))
                {
                    FrameJob film = FrameJob.Video(input.FullPath, path, run.Videos);
                    videos.Add(hintsFile is null ? film : Keyframed(film, hintsFile));
                }
                else
                {
                    pictures.Add(FrameJob.Picture(input.FullPath, path, run.MaxPixels, run.MaxMetadataBytes, hintsFile is null ? null : Hints(input, hintsFile)));
                }
            }
            catch (UserErrorException e)
            {
                failures.Add(e.Message);
                outcomes.Add(new PlannedOutcome(input.FullPath, path ?? "", "failed", e.Message));
            }
        }
        return (pictures.Concat(videos).ToList(), skipped);
    }

    /// <summary>
    /// The hints of <paramref name="hintsFile"/> checked against the picture's size (read from its header);
    /// a hints file that cannot be used is a hint error (it stops the run), and the picture gets none.
    /// </summary>
    private IReadOnlyList<Engine.Models.ColorHint>? Hints(InputFile input, string hintsFile)
    {
        var (width, height) = ImageIO.OrientedSize(input.FullPath, run.MaxPixels, run.MaxMetadataBytes);
        try
        {
            return HintFiles.Read(hintsFile, width, height);
        }
        catch (UserErrorException e)
        {
            hintErrors.Add(e.Message);
            return null;
        }
    }

    /// <summary>
    /// <paramref name="film"/> steered by the keyframes of <paramref name="hintsFile"/> (checked against the film:
    /// its frames, times and size); a file that cannot be used is a hint error (it stops the run), and the film gets none.
    /// </summary>
    private FrameJob Keyframed(FrameJob film, string hintsFile)
    {
        IReadOnlyList<Engine.Video.FilmKeyframe> keyframes;
        try
        {
            keyframes = HintFiles.ReadKeyframes(hintsFile, run.MaxPixels);
        }
        catch (UserErrorException e)
        {
            hintErrors.Add(e.Message);
            return film;
        }
        try
        {
            return film.WithKeyframes(keyframes);
        }
        catch (UserErrorException e)
        {
            hintErrors.Add($"'{hintsFile}': {e.Message}");
            return film;
        }
    }

    /// <summary>One job per input to retry, into the output its manifest recorded (skipped when that exists now, unless overwriting).</summary>
    private (List<FrameJob> Jobs, int Skipped) PlanRetry()
    {
        string root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(run.Output));
        var jobs = new List<FrameJob>();
        int skipped = 0;
        foreach (var (input, output) in run.Retry!)
        {
            string full = Path.GetFullPath(output);
            if (full != root && !full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                throw new UsageException($"--retry-failed: '{input}' was written to '{output}', outside -o '{run.Output}'; give the run's own -o");
            if (File.Exists(full) && !run.Overwrite)
            {
                skipped++;
                outcomes.Add(new PlannedOutcome(input, full, "skipped", null));
            }
            else if (!File.Exists(input))
            {
                failures.Add($"'{input}': no such file (any more)");
                outcomes.Add(new PlannedOutcome(input, full, "failed", "no such file"));
            }
            else if (run.Videos is not null && Ffmpeg.HasVideoExtension(input) && Ffmpeg.IsVideo(input))
                jobs.Add(FrameJob.Video(input, full, run.Videos));
            else
                jobs.Add(FrameJob.Picture(input, full, run.MaxPixels, run.MaxMetadataBytes));
        }
        return (jobs, skipped);
    }

    /// <summary>One job per folder of numbered frames (this shard's); a folder that cannot be planned (no frames, outputs in the way) is a failure.</summary>
    private (List<FrameJob> Jobs, int Skipped) PlanSequences()
    {
        IReadOnlyList<string> inputs = run.Inputs;
        var jobs = new List<FrameJob>();
        string? hintsPath = run.HintsPath;
        bool hintFolder = hintsPath is not null && Directory.Exists(hintsPath);
        if (hintsPath is not null && !hintFolder && inputs.Count != 1)
            hintErrors.Add($"--hints '{hintsPath}': with several sequences give a folder of NAME.json files (one per sequence folder), not one file");
        for (int i = 0; i < inputs.Count; i++)
        {
            if (run.Shard is { } shard && i % shard.Count != shard.Index)
                continue;
            string folder = inputs[i];
            string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));
            string target = inputs.Count == 1 ? run.Output : Path.Combine(run.Output, name);
            string? hintsFile = hintsPath is null ? null : hintFolder ? Path.Combine(hintsPath, name + ".json") : hintsPath;
            if (hintsFile is not null && hintFolder && !File.Exists(hintsFile))
                hintsFile = null;
            try
            {
                FrameJob sequence = FrameJob.FrameFolder(folder, target, run.Overwrite, run.Videos);
                jobs.Add(hintsFile is null ? sequence : Keyframed(sequence, hintsFile));
            }
            catch (UserErrorException e)
            {
                failures.Add(e.Message);
                outcomes.Add(new PlannedOutcome(Path.GetFullPath(folder), Path.GetFullPath(target), "failed", e.Message));
            }
        }
        return (jobs, 0);
    }
}
