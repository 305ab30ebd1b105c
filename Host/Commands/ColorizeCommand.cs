using System.CommandLine;
using ColorKernels.Engine;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Models;

namespace ColorKernels.Host.Commands;

/// <summary><c>colorkernels colorize IN... -o OUT --model FILE</c>: colourize pictures with an ECCV16 model.</summary>
public static class ColorizeCommand
{
    public static Command Create()
    {
        var options = new BatchOptions(inputsOptional: true);
        var model = new Option<string?>("--model", "-m")
        {
            Description = "Model file (.ckm) from 'train' or 'model init', or 'default': the built-in model (see docs/model-card.md), used when --model is not given; " +
                "'hints': the built-in hint network, which reads --hints as its input (see docs/hint-model-card.md); " +
                "or 'none' (with --hints: no model, the hints' colours spread over grey)",
        };
        var temperature = new Option<float?>("--temperature", "-t")
        {
            Description = FormattableString.Invariant($"Decode temperature: 0 gives each pixel's most likely colour, {DecodeTemperature.Min} to {DecodeTemperature.Max} the annealed mean (1 the mean colour, lower sharper; default: the model's)"),
        };
        var size = new Option<int?>("--size")
        {
            Description = "The network sees each picture resized to SIZE x SIZE (a multiple of 8); colours are predicted at SIZE/4 and scaled back to the picture's own size (default: the model's input_size, else 256)",
        };
        var batch = new Option<int?>("--batch")
        {
            Description = "Pictures per device launch (default: 1 on the CPU accelerator, 8 on a GPU)",
        };
        var reference = new Option<string[]>("--reference")
        {
            Description = "A colour photo like the ones to colour (the same scene, shoot or film; repeat the option, or give a folder or glob): " +
                "a SOM + MLP model is fitted to it in seconds and colours the inputs (Richart, Visca, Baliosian's method as they use it)",
        };
        var saveModel = new Option<string?>("--save-model")
        {
            Description = "With --reference: also write the fitted model to this file (for colorize --model, eval, export-onnx)",
        };
        var referenceSteps = new Option<int?>("--reference-steps")
        {
            Description = $"With --reference, and for a film's keyframe references and colour frames: training steps of the MLP (batches of 256 patches; " +
                $"default {Engine.Som.ReferenceColorizer.DefaultSteps} for pictures, {Engine.Som.ReferenceColorizer.FilmSteps} for films, whose MLP is also twice as wide: fitted once for all their frames)",
        };
        var referenceSeconds = new Option<double?>("--reference-seconds")
        {
            Description = "With --reference: stop the MLP's training after this many seconds, whatever the steps",
        };
        var crf = new Option<int>("--crf")
        {
            Description = "Videos: the encoder's constant rate factor (H.264 in mp4, mkv, mov, avi; VP9 in webm): lower is better and larger",
            DefaultValueFactory = _ => 20,
        };
        var perFrame = new Option<bool>("--per-frame")
        {
            Description = "Videos: colour every frame on its own (by default colours are kept steady across frames, reset at scene cuts)",
        };
        var predictEvery = new Option<int>("--predict-every")
        {
            Description = "Stabilised videos: run the model on every N-th frame of a shot (always on a shot's first), the frames between decoding its last prediction " +
                "with their own lightness while the stabiliser carries the colour along the motion; 1 runs it on every frame (1 to " + Engine.Video.VideoOptions.MaxPredictEvery + ")",
            DefaultValueFactory = _ => new Engine.Video.VideoOptions().PredictEvery,
        };
        var segment = new Option<string?>("--segment")
        {
            Description = "Videos: colour only part of one film, to join with others (colorkernels join): START-END in frames (END not included: 0-1000, 1000-2000) " +
                "or times (00:10:00-00:20:00), END left off for the film's end, or I/N (the I-th of N equal parts, from 0, as a Slurm array task). " +
                "The stabiliser starts " + Engine.Video.FilmSegment.LeadFrames + " frames early so the seams match a single run",
        };
        var sequence = new Option<bool>("--sequence")
        {
            Description = "Each input is a folder of numbered frames (film scans): coloured in order as one sequence, with the videos' stabilisation, into -o (one folder) or -o/NAME (several)",
        };
        var allowPartial = new Option<bool>("--allow-partial")
        {
            Description = "Videos: write a film cut short (fewer frames, or a shorter duration, than its container declares) from what could be read, with a warning; by default it fails and nothing is written",
        };
        var hints = new Option<string?>("--hints")
        {
            Description = "Colour hints: a JSON file for one input ({\"hints\": [{\"x\": 120, \"y\": 48, \"color\": \"#c03020\", \"size\": 3}]}: " +
                "the pixel, the colour whose chroma is used, the square's side 1-64), or a folder of STEM.json files for several inputs; " +
                "each hint's correction spreads where L is alike and stops at edges. A film's file gives keyframes " +
                "({\"keyframes\": [{\"frame\": 0, \"hints\": [...]}, {\"time\": \"00:01:12.500\", \"hints\": [...], \"palette\": \"#aa3322\"}]}): " +
                "each keyframe's hints are carried along the motion through its shot; a keyframe's \"colorFrame\" (a colour picture of that frame, coloured by hand: a path, or the picture as a data URL) " +
                "gives the frame its colours, carried through the shot (docs/hints.md). A bad hints file stops the run (exit 2), nothing written",
        };
        var palette = new Option<string?>("--palette")
        {
            Description = "Steer the colours toward these: '#aa3322,#334455' (their chroma is used). Re-weights the model's distribution before the decode; any model that predicts one",
        };
        var paletteFrom = new Option<string?>("--palette-from")
        {
            Description = "Steer the colours toward a colour photo's (its ab histogram), e.g. a photo of the same place or time",
        };
        var paletteStrength = new Option<double>("--palette-strength")
        {
            Description = "How strongly --palette or --palette-from steers, 0 (not at all) to 10",
            DefaultValueFactory = _ => ColorPalette.DefaultStrength,
        };
        var hintPaletteStrength = new Option<double>("--hint-palette-strength")
        {
            Description = "How strongly hints also steer the places they do not reach, as a palette of their colours, gated by the model's own distribution and to the places alike to a hinted one, 0 (hints only spread) to 10; ECCV16 models, not with --palette or --palette-from",
            DefaultValueFactory = _ => ColorPalette.DefaultStrength,
        };
        var fused = new Option<bool>("--unfused")
        {
            Description = "Run every layer as its own kernel (the reference path) instead of fused conv+ReLU+batch-norm kernels",
        };
        var manifest = new Option<string?>("--manifest")
        {
            Description = "Append one JSON line per input as it finishes (input, output, status done/partial/skipped/failed with the reason, seconds, model and its SHA-256, device) to this file; 'colorkernels manifest summary' merges such files",
        };
        var retryFailed = new Option<string[]>("--retry-failed")
        {
            Description = "In place of inputs: colour again only the inputs whose latest line in these manifests (from --manifest) is 'failed', each into the output recorded for it (which must lie in -o)",
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("colorize", "Colourize greyscale (or colour) pictures: the full-resolution L is kept and ab is predicted by the model.");
        options.AddTo(command);
        foreach (Option option in new Option[] { model, temperature, size, batch, fused, reference, saveModel, referenceSteps, referenceSeconds, crf, perFrame, predictEvery, segment, sequence, allowPartial, hints, palette, paletteFrom, paletteStrength, hintPaletteStrength, manifest, retryFailed })
            command.Options.Add(option);
        command.SetAction(result => Cli.Guard(() =>
        {
            string[] retryFrom = result.GetValue(retryFailed) ?? Array.Empty<string>();
            int inputCount = result.GetValue(options.Inputs)?.Length ?? 0;
            if (retryFrom.Length > 0 && inputCount > 0)
                throw new UsageException("--retry-failed takes its inputs from the manifests: give no inputs beside it");
            if (retryFrom.Length == 0 && inputCount == 0)
                throw new UsageException("no inputs: give picture or video files, folders or globs (or --retry-failed MANIFEST)");
            List<(string Input, string Output)>? retry = retryFrom.Length == 0 ? null : UsageException.Of(() => FailedInputs(retryFrom));
            BatchRunner runner = options.Runner(result, "colorize", retry);
            Engine.Video.FilmSegment? filmSegment = result.GetValue(segment) is { } segmentText ? UsageException.Of(() => Engine.Video.FilmSegment.Parse(segmentText)) : null;
            if (filmSegment is not null)
            {
                string[] films = result.GetValue(options.Inputs) ?? Array.Empty<string>();
                if (result.GetValue(sequence) || films.Length != 1 || !Engine.Video.Ffmpeg.HasVideoExtension(films[0]))
                    throw new UsageException($"--segment {filmSegment}: takes one video file (a part of that film)");
                if (result.GetValue(hints) is not null)
                    throw new UsageException($"--segment {filmSegment} with --hints: a segment is coloured without keyframes (colour the whole film to steer it)");
            }
            // VideoOptions refuses a --crf or --predict-every out of range here, before the device opens.
            var videoOptions = UsageException.Of(() => new Engine.Video.VideoOptions
            {
                Crf = result.GetValue(crf), MaxPixels = runner.MaxPixels, Stabilize = !result.GetValue(perFrame), PredictEvery = result.GetValue(predictEvery), AllowPartial = result.GetValue(allowPartial), Segment = filmSegment,
                ReferenceSteps = result.GetValue(referenceSteps) ?? Engine.Som.ReferenceColorizer.FilmSteps,
            });
            string given = result.GetValue(model) ?? ModelFile.DefaultName;
            string path = ModelFile.DisplayName(given);
            Cli.CheckSize(result.GetValue(size));
            runner.Sequences = result.GetValue(sequence);
            runner.HintsPath = result.GetValue(hints);
            string[] references = result.GetValue(reference) ?? Array.Empty<string>();
            if (references.Length > 0 && result.GetValue(model) is not null)
                throw new UsageException("--reference fits its own model: give --model or --reference, not both");
            if (references.Length == 0 && result.GetValue(saveModel) is not null)
                throw new UsageException("--save-model goes with --reference (it saves the model fitted to the reference photos)");
            // Palettes are read and checked before the device opens (a photo's histogram is made on it).
            string? paletteColours = result.GetValue(palette), palettePhotoPath = result.GetValue(paletteFrom);
            if (paletteColours is not null && palettePhotoPath is not null)
                throw new UsageException("--palette and --palette-from: give one of them");
            double strength = result.GetValue(paletteStrength);
            UsageException.Of(() => ColorPalette.CheckStrength(strength, "--palette-strength"));
            double hintStrength = result.GetValue(hintPaletteStrength);
            UsageException.Of(() => ColorPalette.CheckStrength(hintStrength, "--hint-palette-strength"));
            ColorPalette? colorPalette = paletteColours is null ? null : UsageException.Of(() => ColorPalette.Parse(paletteColours)) with { Strength = strength };
            UsageException.Of(() => BatchSize.Check(result.GetValue(batch)));
            Cli.CheckTemperature(result.GetValue(temperature));
            Engine.Imaging.ImageData? palettePhoto = palettePhotoPath is null ? null : LoadPalettePhoto(palettePhotoPath, runner.MaxPixels);
            var colorizerOptions = new ColorizerOptions
            {
                Temperature = result.GetValue(temperature),
                Size = result.GetValue(size),
                Unfused = result.GetValue(fused),
                HintPaletteStrength = hintStrength,
            };
            bool noModel = given == Engine.Models.NoModelColorizer.Name;
            if (noModel && runner.HintsPath is null)
                throw new UsageException("--model none colours only where hints say: give --hints");
            if (noModel && (colorPalette is not null || palettePhoto is not null))
                throw new UsageException("--model none has no distribution for a palette to re-weight: give a model with --palette");
            // Reference mode fits a model; otherwise the model file is read (and refused) before the device opens.
            ModelFile? file = references.Length > 0 || noModel ? null : ModelFile.Open(given);
            if (file is not null)
                Colorizer.MethodOf(file, path);
            // A film lines each shot's first frame up with the reference photos: a still of that shot gives its colours
            // there (VideoOptions.ReferencePictures). The films' jobs are planned before the fit, so they are given here,
            // as a list read when a film first asks for it; the fit reads the same photos through it, once.
            Engine.Som.ReferencePhotos? referencePhotos = references.Length > 0
                ? new Engine.Som.ReferencePhotos(FindReferences(references), runner.MaxPixels) : null;
            if (referencePhotos is not null && videoOptions.Stabilize)
                videoOptions = videoOptions with { ReferencePictures = referencePhotos.Pictures };
            // The inputs, outputs and hints are planned (and a plan that cannot work refused) before the device opens.
            runner.Videos = videoOptions;
            if (runner.Prepare() is { } stopped)
                return stopped;
            // Without a film to line up with them, the photos are not held in memory (each of the fit's reads reads anew).
            if (referencePhotos is not null)
                referencePhotos.Keep = runner.HasFilms && videoOptions.Stabilize;
            using Files.RunManifest? log = result.GetValue(manifest) is { } manifestPath
                ? Files.RunManifest.Open(manifestPath, new Files.ManifestEntry
                {
                    Input = "", Status = "", Model = references.Length > 0 ? "reference:" + string.Join(",", references) : path,
                    ModelSha256 = file is null ? "" : Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(file.ToBytes())),
                    Shard = result.GetValue(options.Shard) ?? "", Host = Environment.MachineName,
                })
                : null;
            runner.Manifest = log;
            using ComputeDevice device = Cli.OpenDevice(result);
            if (log is not null)
                log.Device = device.Description;
            if (palettePhoto is not null)
                colorPalette = ColorPalette.FromImage(device, palettePhoto) with { Strength = strength };
            colorizerOptions = colorizerOptions with { ColorPalette = colorPalette };
            using IColorizer colorizer = noModel ? Colorizer.Open(device, given, colorizerOptions)
                : file is null ? Colorizer.Open(device, FitReference(device, referencePhotos!, result.GetValue(size),
                    result.GetValue(referenceSteps) ?? (runner.HasFilms ? Engine.Som.ReferenceColorizer.FilmSteps : Engine.Som.ReferenceColorizer.DefaultSteps),
                    runner.HasFilms ? Engine.Som.ReferenceColorizer.FilmHidden : Engine.Som.ReferenceColorizer.DefaultHidden,
                    result.GetValue(referenceSeconds), result.GetValue(saveModel)), colorizerOptions)
                : Colorizer.Open(device, file, path, colorizerOptions);
            return runner.Run(new Engine.Frames.FramePipeline(colorizer, result.GetValue(batch)), device.Description);
        }));
        return command;
    }

    /// <summary>The inputs whose latest line in the manifests is 'failed', with the output recorded for them (those with none are left out, with a warning).</summary>
    private static List<(string Input, string Output)> FailedInputs(string[] manifests)
    {
        var failed = Files.RunManifest.States(Files.RunManifest.Read(manifests)).Where(e => e.Status == "failed").ToList();
        foreach (Files.ManifestEntry e in failed.Where(e => e.Output.Length == 0))
            Cli.Warning($"'{e.Input}': failed before an output was planned for it; colour it on its own");
        return failed.Where(e => e.Output.Length > 0).Select(e => (e.Input, e.Output)).OrderBy(e => e.Input, StringComparer.Ordinal).ToList();
    }

    private static Engine.Imaging.ImageData LoadPalettePhoto(string path, long maxPixels)
    {
        if (Directory.Exists(path))
            throw new UsageException($"--palette-from '{path}': a folder; give one colour photo");
        if (!File.Exists(path))
            throw new UsageException($"--palette-from '{path}': no such file");
        return Engine.Imaging.ImageIO.Load(path, maxPixels);
    }

    /// <summary>The reference photos <paramref name="references"/> names (files, folders, globs), its notes said; the first error refused.</summary>
    private static List<string> FindReferences(string[] references)
    {
        Files.InputFiles.Expansion found = Files.InputFiles.Expand(references);
        foreach (string note in found.Notes)
            Cli.Warning(note);
        if (found.Errors.Count > 0)
            throw new UsageException("--reference " + found.Errors[0]);
        return found.Files.Select(f => f.FullPath).ToList();
    }

    private static Engine.Som.SomMlpModel FitReference(ComputeDevice device, Engine.Som.ReferencePhotos photos, int? size, int steps, int hidden, double? seconds, string? save)
    {
        // --reference-steps below 1 was refused with the film options (VideoOptions.ReferenceSteps), before the device opened.
        if (seconds is { } s && !(s > 0))
            throw new UsageException($"--reference-seconds {s}: must be above 0");
        string budget = $"{steps} steps" + (seconds is { } most ? $" or {most:0.#} s" : "");
        // A film's fit takes some seconds more than a picture's (2000 steps, a wider MLP): say what is happening before it starts.
        Console.Out.WriteLine($"reference: fitting a map and a patch MLP to {photos.Paths.Count} photo(s), {budget} ...");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (fitted, report) = Engine.Som.ReferenceColorizer.FitPhotos(device, photos, size, steps,
            seconds is { } limit ? TimeSpan.FromSeconds(limit) : null, skipped => Cli.Warning("reference " + skipped), hidden);
        Console.Out.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"reference: a {fitted.Map.GridW}x{fitted.Map.GridH} map and a patch MLP ({budget}) fitted to {photos.Paths.Count} photo(s) at {fitted.InputSize} px in {clock.Elapsed.TotalSeconds:F1} s; " +
            $"held-out patches: balanced accuracy {report.HeldOutBalancedAccuracy:P1} (majority class {report.MajorityBalancedAccuracy:P1})"));
        if (save is not null)
        {
            fitted.ToModelFile(report).Write(save);
            Console.Out.WriteLine($"reference: model written to {save}");
        }
        return fitted;
    }
}
