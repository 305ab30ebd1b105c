using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Frames;
using ColorKernels.Engine.Models;

namespace ColorKernels.Engine.Video;

/// <summary>How a video is written.</summary>
public sealed record VideoOptions
{
    /// <summary>Constant rate factor of the encoder (H.264 and VP9: lower is better and larger; 18 to 28 are usual).</summary>
    public int Crf
    {
        get => crf;
        init => crf = value is >= 0 and <= 63 ? value : throw new UserErrorException($"--crf {value}: expected 0 to 63");
    }

    private readonly int crf = 20;

    /// <summary>Refuse videos whose frames are larger than this many pixels.</summary>
    public long MaxPixels { get; init; } = ImageIO.DefaultMaxPixels;

    /// <summary>Keep colours steady across frames (reset at scene cuts); false colours every frame on its own.</summary>
    public bool Stabilize { get; init; } = true;

    /// <summary>
    /// Stabilisation by the fixed-pixel filter (each pixel averaged with itself in the frame before) instead of
    /// following the motion: kept for measurements (docs/motion.md), where it loses on moving cameras.
    /// </summary>
    internal bool FixedPixel { get; init; }

    /// <summary>Stabilisation: the share of the previous frame's ab a point that stayed visible keeps (0 to below 1).</summary>
    public float Strength { get; init; } = 0.95f;

    /// <summary>Stabilisation: the change of L (0-100) at which a pixel keeps none of the previous frame's colour.</summary>
    public float Threshold { get; init; } = 10f;

    /// <summary>Stabilisation: the mean absolute grey difference (0-255) between consecutive frames that counts as a scene cut.</summary>
    public float CutThreshold { get; init; } = 20f;

    /// <summary>
    /// Write a film whose decoded frames fall short of what its container declares (a file cut short) from
    /// the frames that could be read, with a warning; false (the default) fails it, nothing written.
    /// </summary>
    public bool AllowPartial { get; init; }

    /// <summary>
    /// Colour only this part of the film (frames or times; <see cref="FilmSegment"/>), its timestamps from 0 and
    /// its audio from the part's start, for joining parts coloured apart (<see cref="FilmJoin"/>); null: the whole film.
    /// </summary>
    public FilmSegment? Segment { get; init; }

    /// <summary>Sees every output frame before it is encoded (tests measure flicker without the encoder's noise).</summary>
    internal Action<ImageData>? FrameSink { get; init; }
}
