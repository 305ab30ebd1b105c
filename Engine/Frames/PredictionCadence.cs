using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Video;

namespace ColorKernels.Engine.Frames;

/// <summary>
/// Which frames of a stabilised film run the model (<see cref="VideoOptions.PredictEvery"/>): a shot's first frame
/// (the first coloured, one after a cut of the input's grey, <see cref="SceneCuts"/>, or a steered shot's start) and
/// every frame whose index in the film is a multiple of <c>every</c>; the frames between may decode the film's kept
/// output (<see cref="PredictionReuse"/>). The film's own index, not a count from the first frame coloured, so that
/// a segment (<see cref="FilmSegment"/>) runs the model on the same frames as a single run once past its first.
/// The cut test reads the input frames, before any colouring, so that no frame of a new shot decodes the
/// last shot's output; exposure flicker that it takes for a cut only runs the model more often. One per film,
/// called in frame order on the pipeline's thread.
/// </summary>
internal sealed class PredictionCadence(int every, float cutThreshold) : IDisposable
{
    private readonly SceneCuts cuts = new(cutThreshold);

    /// <summary>The film's kept output.</summary>
    public PredictionReuse Kept { get; } = new();

    /// <summary>
    /// The next frame's part: whether it may reuse the kept output. <paramref name="index"/>: its index in the film
    /// (from 0); <paramref name="startsShot"/>: a steered shot begins at it.
    /// </summary>
    public FrameReuse Next(ImageData frame, long index, bool startsShot)
    {
        bool cut = frame.Rgb8 is not { } rgb || cuts.Starts(rgb);
        return new FrameReuse(Kept, !cut && !startsShot && index % every != 0);
    }

    public void Dispose() => Kept.Dispose();
}
