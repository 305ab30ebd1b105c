namespace ColorKernels.Engine.Som;

/// <summary>
/// Reference mode: Richart, Visca and Baliosian's method as they use it, trained on photos like the ones to
/// colour (the same scene, shoot or film) rather than on a general collection. The map is fitted to the
/// references' ab, the MLP to their patches, both in seconds at a small working scale, and the result
/// colours the greyscale inputs. The settings were chosen by measurement on pairs of photo halves
/// (docs/som-mlp.md).
/// </summary>
public static class ReferenceColorizer
{
    /// <summary>MLP training steps of a reference fit for pictures (seconds: a person waits for it).</summary>
    public const int DefaultSteps = 400;

    /// <summary>
    /// MLP training steps of a reference fit that colours a film (<c>--reference</c> on a film, a keyframe's
    /// reference photos, a colour frame's model): fitted once for hundreds of frames, where 400 steps underfit. On
    /// the film-steering clips with the true frame 0 as reference, 2000 steps gave +0.4 to +2.4 dB mean PSNR and
    /// colourfulness 0.75-0.86 of the truth against 0.75-0.79 (6000: +0.7 to +3.9 dB, three times the fit's time);
    /// docs/hints.md. A fit takes about five times 400 steps' time (some 15 s on 2 cores; 26 s at <see cref="FilmHidden"/>).
    /// </summary>
    public const int FilmSteps = 2000;

    /// <summary>The width of the patch MLP's two hidden layers in a picture's reference fit (chosen on photo halves: docs/som-mlp.md).</summary>
    public const int DefaultHidden = 64;

    /// <summary>
    /// The width of the patch MLP's two hidden layers in a film's reference fit (the fits <see cref="FilmSteps"/> is
    /// for): twice a picture's. With the true frame 0 as reference, 2000 steps: mean PSNR +0.3/+0.5/+1.0 dB on the
    /// film-steering clips and +1.3/+1.8/-0.1 dB on three clips not used for choosing, held-out patches' balanced
    /// accuracy 47 -> 59 %; the fit some 26 s instead of 15 on 2 cores (docs/hints.md). At 1200 steps (about 64's
    /// time at 2000) it lost on the zoom.
    /// </summary>
    public const int FilmHidden = 128;

    /// <summary>The longer side references are scaled to when no size is given (and inputs are coloured at).</summary>
    public const int DefaultWorkingSize = 128;

    /// <summary>
    /// The settings reference mode trains with: a 4x4 map, 7x7 patches, two hidden layers of 64 (a film's: of
    /// <see cref="FilmHidden"/>), rebalanced, decoded at T = 0.38 (each measured against its alternatives on photo
    /// halves: docs/som-mlp.md).
    /// </summary>
    public static SomMlpSettings Settings(int workingSize, int steps, TimeSpan? timeLimit, int hidden = DefaultHidden) => new()
    {
        GridW = 4,
        GridH = 4,
        Patch = 7,
        Hidden = new[] { hidden, hidden },
        Steps = steps,
        Batch = 256,
        LearningRate = 2e-3f,
        Seed = 1,
        ColoursPerPhoto = 5000,
        PatchesPerPhoto = 20000,
        SomEpochs = 20,
        Rebalance = 0.5,
        WorkingSize = workingSize,
        TimeLimit = timeLimit,
        Temperature = 0.38f,
    };

    /// <summary>Fits a SOM + MLP model to colour reference photos in seconds (reference mode): the model and its held-out report.</summary>
    public static (SomMlpModel Model, SomMlpReport Report) Fit(Devices.ComputeDevice device, IReadOnlyList<string> references, int? size,
        int steps, TimeSpan? timeLimit, Action<string> skip, int hidden = DefaultHidden) =>
        FitLoading(device, references, size, steps, timeLimit, skip, hidden, path => Imaging.ImageIO.Load(path));

    /// <summary>The same fit to <paramref name="photos"/>, each read through it (the photos a film also lines up with, read once).</summary>
    internal static (SomMlpModel Model, SomMlpReport Report) FitPhotos(Devices.ComputeDevice device, ReferencePhotos photos, int? size,
        int steps, TimeSpan? timeLimit, Action<string> skip, int hidden) =>
        FitLoading(device, photos.Paths, size, steps, timeLimit, skip, hidden, photos.Load);

    private static (SomMlpModel Model, SomMlpReport Report) FitLoading(Devices.ComputeDevice device, IReadOnlyList<string> references, int? size,
        int steps, TimeSpan? timeLimit, Action<string> skip, int hidden, Func<string, Imaging.ImageData> load)
    {
        if (references.Count == 0)
            throw new UserErrorException("--reference: no reference photos");
        SomMlpSettings settings = Settings(size ?? DefaultWorkingSize, steps, timeLimit, hidden);
        return SomMlpTrainer.Train(device, references, settings, (_, _) => { }, skip, load: load);
    }

    /// <summary>The same fit to pictures in memory (a film's colour frame, a keyframe's inline references), at the default size.</summary>
    internal static SomMlpModel FitPictures(Devices.ComputeDevice device, IReadOnlyList<Imaging.ImageData> pictures, int steps, int hidden)
    {
        var names = pictures.Select((_, i) => $"picture {i}").ToList();
        return SomMlpTrainer.Train(device, names, Settings(DefaultWorkingSize, steps, null, hidden), (_, _) => { },
            skipped => throw new UserErrorException(skipped), load: name => pictures[names.IndexOf(name)]).Model;
    }
}
