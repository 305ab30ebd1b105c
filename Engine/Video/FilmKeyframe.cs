using System.Globalization;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;

namespace ColorKernels.Engine.Video;

/// <summary>
/// A person's steering of one frame of a film (issue #40): colour hints placed on that frame, and optionally a
/// palette for its shot. The frame is named by its index (<see cref="Frame"/>, from 0) or by its start time
/// (<see cref="Time"/>, which must fall on a frame's start at the film's nominal rate, to the millisecond).
/// A keyframe's hints are carried along the optical flow to the later frames of its shot, and from the shot's
/// first keyframe back to the shot's start; they stop at cuts, and each point is dropped where the flow no
/// longer holds (it left the picture, or its lightness no longer matches); the shot's next keyframe takes over.
/// A keyframe's palette and reference photos hold from it (from the shot's start for the shot's first) to the
/// shot's next palette (reference) or its end. Give keyframes to a film job with <see cref="Frames.FrameJob.WithKeyframes"/>.
/// </summary>
public sealed record FilmKeyframe
{
    /// <summary>The most keyframes one film takes.</summary>
    public const int MaxKeyframes = 100_000;

    /// <summary>The most keyframes with a <see cref="ColorFrame"/> one film's file takes (each is held in memory for the run).</summary>
    public const int MaxColorFrames = 100;

    /// <summary>The frame's index from 0; null when <see cref="Time"/> names it.</summary>
    public int? Frame { get; init; }

    /// <summary>The frame's start time from the film's first frame; null when <see cref="Frame"/> names it.</summary>
    public TimeSpan? Time { get; init; }

    /// <summary>Hints on this frame (as for a picture: centre pixels of the film's frames).</summary>
    public IReadOnlyList<ColorHint> Hints { get; init; } = Array.Empty<ColorHint>();

    /// <summary>A palette for this keyframe's shot (from this frame on; from the shot's start for its first), or null.</summary>
    public ColorPalette? Palette { get; init; }

    /// <summary>A colour photo whose colours become this shot's palette (<see cref="ColorPalette.FromImage"/>, made on the run's device), or null.</summary>
    public ImageData? PalettePhoto { get; init; }

    /// <summary>
    /// Colour reference photos for this keyframe's shot (files, as <c>colorize --reference</c> takes): a SOM + MLP
    /// model is fitted to them once (<see cref="Som.ReferenceColorizer.Fit"/>, on the run's device, when the pass that
    /// carries the hints reaches the keyframe) and colours the shot from this frame on (from the shot's start for its
    /// first reference) to its next reference or its end; null: the run's model.
    /// </summary>
    public IReadOnlyList<string>? ReferencePhotos { get; init; }

    /// <summary>
    /// Colour reference pictures held in memory (a keyframes file's inline data URLs, the web page's), fitted and held
    /// as <see cref="ReferencePhotos"/> are (<see cref="Som.ReferenceColorizer.FitPictures"/>); a keyframe gives one of
    /// the two, or neither.
    /// </summary>
    public IReadOnlyList<ImageData>? ReferencePictures { get; init; }

    /// <summary>
    /// A colour picture of this very frame (the film's frame size), coloured by a person (a keyframe coloured by
    /// hand in an image editor), or null. The frame takes its colours: its ab become the picture's (the film's own
    /// L kept, the picture's L unused), and the stabiliser carries them along the motion to the shot's end,
    /// keeping <see cref="VideoOptions.ColorFrameStrength"/> of them where a point stayed visible instead of the
    /// <see cref="VideoOptions.Strength"/> it keeps of a model's guess. What enters the picture, or changes, is
    /// coloured by a SOM + MLP model fitted to this picture (as <see cref="ReferencePhotos"/> are fitted), which holds
    /// as a keyframe's reference does (from the shot's start for its first, so the frames before the keyframe take it
    /// too) to the shot's end, unless the keyframe names its own <see cref="ReferencePhotos"/>. Each colour frame is also
    /// carried back along the motion to the frames before it, to the shot's start or its colour frame before (taking
    /// over from that one's colours gradually), at most <see cref="KeyframeCarrier.MaxBackwardFrames"/> back
    /// (<see cref="KeyframeCarrier.MaxCarriedBackFrames"/> in a film),
    /// by the same <see cref="VideoOptions.ColorFrameStrength"/> a frame. Only with the stabiliser: without it a colour
    /// frame colours its own frame alone.
    /// </summary>
    public ImageData? ColorFrame { get; init; }

    /// <summary>The strength of <see cref="PalettePhoto"/>'s palette (0 to 10).</summary>
    public double PalettePhotoStrength { get; init; } = ColorPalette.DefaultStrength;

    /// <summary>"frame 12" or "00:00:01.500": how messages name the keyframe.</summary>
    public override string ToString() => Frame is { } f ? $"frame {f}" : Time is { } t ? FormatTime(t) : "no frame";

    /// <summary>A time as keyframe files write it: HH:MM:SS.mmm.</summary>
    public static string FormatTime(TimeSpan t) => t.ToString(@"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture);

    /// <summary>
    /// A keyframe time: "HH:MM:SS.mmm", "MM:SS.mmm" or seconds ("72.5"), at most 3 decimals; a user error
    /// naming <paramref name="what"/> otherwise.
    /// </summary>
    public static TimeSpan ParseTime(string text, string what)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split(':');
        double seconds = 0;
        bool ok = parts.Length is >= 1 and <= 3;
        for (int i = 0; ok && i < parts.Length; i++)
        {
            string part = parts[i];
            bool last = i == parts.Length - 1;
            int dot = part.IndexOf('.');
            ok = part.Length > 0 && (last ? dot < 0 || (part.Length - dot - 1 is >= 1 and <= 3 && dot > 0) : dot < 0)
                && part.All(c => char.IsAsciiDigit(c) || c == '.')
                && double.TryParse(part, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value)
                && (i == 0 || value < 60);
            if (ok)
                seconds = seconds * 60 + double.Parse(part, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        }
        if (!ok || seconds > 1e7)
            throw new UserErrorException($"{what} '{text}': expected HH:MM:SS.mmm (or MM:SS.mmm, or seconds such as 72.5)");
        return TimeSpan.FromTicks((long)Math.Round(seconds * 1000) * TimeSpan.TicksPerMillisecond);
    }
}

/// <summary>A keyframe placed on its frame: the index the film's frames are counted by.</summary>
internal sealed record PlacedKeyframe(int Frame, FilmKeyframe Keyframe, int Index);

/// <summary>Checks keyframes against what is known of a film before it is decoded, and places each on its frame.</summary>
internal static class KeyframePlacement
{
    /// <summary>
    /// Places <paramref name="keyframes"/> on frames of a film of <paramref name="width"/> x <paramref name="height"/>
    /// (either 0: checked later, on the first frame), <paramref name="frames"/> frames (0: not known),
    /// <paramref name="estimated"/> when that count is the container's estimate (a frame just past it is left for
    /// the carrying pass to find), at <paramref name="rate"/> frames a second (null: the film has no times, so
    /// keyframes must name frames). Every problem is a one-line user error naming the keyframe.
    /// </summary>
    public static IReadOnlyList<PlacedKeyframe> Place(IReadOnlyList<FilmKeyframe> keyframes, int width, int height, int frames, bool estimated, (double Num, double Den)? rate)
    {
        ArgumentNullException.ThrowIfNull(keyframes);
        if (keyframes.Count == 0)
            throw new UserErrorException("no keyframes");
        if (keyframes.Count > FilmKeyframe.MaxKeyframes)
            throw new UserErrorException($"{keyframes.Count} keyframes, at most {FilmKeyframe.MaxKeyframes}");
        var placed = new List<PlacedKeyframe>(keyframes.Count);
        for (int i = 0; i < keyframes.Count; i++)
        {
            FilmKeyframe k = keyframes[i] ?? throw new ArgumentNullException(nameof(keyframes));
            string where = $"keyframe {i}";
            if ((k.Frame is null) == (k.Time is null))
                throw new UserErrorException($"{where}: give \"frame\" or \"time\", one of them");
            int frame;
            if (k.Frame is { } f)
            {
                if (f < 0)
                    throw new UserErrorException($"{where}: frame {f}, expected 0 or more");
                frame = f;
            }
            else
            {
                TimeSpan t = k.Time!.Value;
                if (rate is not { } r)
                    throw new UserErrorException($"{where} ({k}): these frames have no times; name the frame by its number (\"frame\")");
                if (t < TimeSpan.Zero)
                    throw new UserErrorException($"{where} ({k}): a time before the film's start");
                double seconds = t.TotalSeconds, step = r.Den / r.Num;
                double exact = seconds / step;
                frame = (int)Math.Min(int.MaxValue, Math.Round(exact));
                // Times are written to the millisecond: a frame's start rounded so is within half a millisecond of it.
                if (Math.Abs(seconds - frame * step) > 0.0005 + 1e-9)
                {
                    int before = (int)Math.Floor(exact);
                    throw new UserErrorException(string.Create(CultureInfo.InvariantCulture,
                        $"{where} ({k}): falls between frames {before} ({FilmKeyframe.FormatTime(TimeSpan.FromSeconds(before * step))}) and {before + 1} ({FilmKeyframe.FormatTime(TimeSpan.FromSeconds((before + 1) * step))}) at {r.Num / r.Den:0.###} frames/s; give a frame's start, or its number"));
                }
            }
            if (frames > 0 && frame >= frames + (estimated ? 2 : 0))
                throw new UserErrorException($"{where} ({k}): past the film's end (it has {(estimated ? "about " : "")}{frames} frames, 0 to {frames - 1})");
            if (k.Hints.Count > ColorHint.MaxHints)
                throw new UserErrorException($"{where} ({k}): {k.Hints.Count} hints, at most {ColorHint.MaxHints}");
            if (k.Palette is not null && k.PalettePhoto is not null)
                throw new UserErrorException($"{where} ({k}): a palette and a palette photo; give one of them");
            if (k.ReferencePhotos is { Count: 0 } || k.ReferencePictures is { Count: 0 })
                throw new UserErrorException($"{where} ({k}): no reference photos in its list");
            if (k.ReferencePhotos is not null && k.ReferencePictures is not null)
                throw new UserErrorException($"{where} ({k}): reference photos and reference pictures; give one of them");
            if (k.Hints.Count == 0 && k.Palette is null && k.PalettePhoto is null && k.ReferencePhotos is null && k.ReferencePictures is null && k.ColorFrame is null)
                throw new UserErrorException($"{where} ({k}): no hints, no palette, no reference and no colour frame");
            if (width > 0)
            {
                CheckHints(k, width, height, where);
                CheckColorFrame(k, width, height, where);
            }
            ColorPalette.CheckStrength(k.PalettePhotoStrength, $"{where} ({k}): palette strength");
            k.Palette?.CheckSettings();
            placed.Add(new PlacedKeyframe(frame, k, i));
        }
        if (placed.GroupBy(p => p.Frame).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new UserErrorException($"keyframes {string.Join(" and ", twice.Select(p => p.Index))} both name frame {twice.Key}; give one keyframe a frame");
        return placed.OrderBy(p => p.Frame).ToList();
    }

    /// <summary>Refuses a keyframe's colour frame of another size than the film's <paramref name="width"/> x <paramref name="height"/> frames.</summary>
    public static void CheckColorFrame(FilmKeyframe k, int width, int height, string where)
    {
        if (k.ColorFrame is { } c && (c.Width != width || c.Height != height))
            throw new UserErrorException($"{where} ({k}): its colour frame is {c.Width}x{c.Height}, the film's frames {width}x{height}: give a colour picture of that very frame");
    }

    /// <summary>Refuses a keyframe hint outside the film's <paramref name="width"/> x <paramref name="height"/> frames.</summary>
    public static void CheckHints(FilmKeyframe k, int width, int height, string where)
    {
        foreach (ColorHint hint in k.Hints)
        {
            try
            {
                hint.Check(width, height);
            }
            catch (UserErrorException e)
            {
                throw new UserErrorException($"{where} ({k}): {e.Message}");
            }
        }
    }
}
