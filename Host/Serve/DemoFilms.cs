using System.Collections.Concurrent;
using System.Security.Cryptography;
using ColorKernels.Engine;
using ColorKernels.Engine.Color;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Frames;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Video;
using ColorKernels.Host.Files;

namespace ColorKernels.Host.Serve;

/// <summary>A short film the page opened: its frames as decoded, kept for scrubbing and steered previews.</summary>
internal sealed class Film
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required IReadOnlyList<ImageData> Frames { get; init; }
    public required VideoInfo Info { get; init; }
    public int Width => Frames[0].Width;
    public int Height => Frames[0].Height;
}

/// <summary>
/// Films on the web page (issue #40): a short film uploaded (within <see cref="MaxFrames"/> frames of at most
/// <see cref="MaxPixels"/> pixels: the page keeps every frame in memory), its frames for scrubbing, and a
/// preview of a keyframe's steering: the frames from the keyframe on, coloured by the same frame pipeline as
/// <c>colorize FILM --hints</c> with the keyframes file the page exports (hints carried along the motion,
/// stabilised). At most <see cref="Kept"/> films are kept; the oldest goes first.
/// </summary>
internal sealed class DemoFilms(ComputeDevice device)
{
    /// <summary>The most frames a film on the page may have.</summary>
    public const int MaxFrames = 250;

    /// <summary>The most pixels a frame of a film on the page may have (640 x 480).</summary>
    public const long MaxPixels = 640 * 480;

    /// <summary>The most frames one preview colours.</summary>
    public const int MaxPreview = 12;

    /// <summary>Films kept at once (about 250 x 0.3 MP x 3 bytes = 230 MB each at the limits).</summary>
    public const int Kept = 2;

    private readonly ConcurrentDictionary<string, Film> films = new();
    private readonly ConcurrentQueue<string> order = new();

    /// <summary>Reads a film from <paramref name="bytes"/> (named <paramref name="name"/>: its extension picks the demuxer), keeps it, and describes it.</summary>
    public Film Open(byte[] bytes, string name)
    {
        if (!Ffmpeg.HasVideoExtension(name))
            throw new DemoException(400, $"name '{Cli.OneLine(name)}': a film's file name with its extension ({string.Join(", ", Ffmpeg.Extensions)})");
        string folder = Directory.CreateTempSubdirectory("ck-serve-film").FullName;
        try
        {
            string path = Path.Combine(folder, "upload" + Path.GetExtension(name).ToLowerInvariant());
            File.WriteAllBytes(path, bytes);
            VideoInfo info = Ffmpeg.Probe(path);
            if ((long)info.Width * info.Height > MaxPixels)
                throw new DemoException(400, $"{info.Width}x{info.Height} frames: the page takes films of at most {MaxPixels:N0} pixels a frame (640 x 480); colour larger ones with 'colorkernels colorize'");
            if (info.EstimatedFrames > MaxFrames)
                throw new DemoException(400, $"about {info.EstimatedFrames} frames: the page takes films of at most {MaxFrames}; colour longer ones with 'colorkernels colorize'");
            var frames = new List<ImageData>();
            FrameJob job = FrameJob.Video(path, Path.Combine(folder, "unused.mp4"), new VideoOptions { MaxPixels = MaxPixels });
            using (IFrameSource source = job.OpenSource(CancellationToken.None))
                while (source.Next(CancellationToken.None) is { } frame)
                {
                    if (frames.Count == MaxFrames)
                        throw new DemoException(400, $"over {MaxFrames} frames: the page takes films of at most {MaxFrames}; colour longer ones with 'colorkernels colorize'");
                    frames.Add(frame.Image);
                }
            var film = new Film { Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), Name = name, Frames = frames, Info = info };
            films[film.Id] = film;
            order.Enqueue(film.Id);
            while (films.Count > Kept && order.TryDequeue(out string? oldest))
                films.TryRemove(oldest, out _);
            return film;
        }
        catch (UserErrorException e)
        {
            // ffprobe's and the decoder's messages name the temporary file: name the upload instead.
            throw new DemoException(400, e.Message.Replace(folder + Path.DirectorySeparatorChar, "", StringComparison.Ordinal).Replace("upload" + Path.GetExtension(name).ToLowerInvariant(), name, StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    public Film Get(string? id) =>
        id is not null && films.TryGetValue(id, out Film? film) ? film
            : throw new DemoException(404, $"film '{Cli.OneLine(id ?? "")}': not kept (upload it again: the server keeps the {Kept} latest)");

    /// <summary>Frame <paramref name="index"/> in greyscale (its L alone): what is coloured.</summary>
    public ImageData Grey(Film film, int index) => Desaturation.Desaturate(device, Frame(film, index));

    private static ImageData Frame(Film film, int index) =>
        index >= 0 && index < film.Frames.Count ? film.Frames[index]
            : throw new DemoException(400, $"frame {index}: the film has {film.Frames.Count} frames, 0 to {film.Frames.Count - 1}");

    /// <summary>
    /// Frames <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> - 1 coloured by
    /// <paramref name="colorizer"/>, steered by the keyframes document <paramref name="keyframesJson"/> (the CLI's
    /// format; its pictures, "colorFrame", "paletteFrom" and "reference", inline as data URLs: a path is refused): the keyframes in that window, and those up to <see cref="FilmSegment.LeadFrames"/>
    /// frames before it, carried along its motion as <c>colorize --hints</c> carries them: the colouring starts at the
    /// earliest of those keyframes (or at the window) and the frames before the window are not returned. Keyframes
    /// further back are not carried in (the CLI, reading the whole film, carries them); nor are colour frames after
    /// the window carried back to it.
    /// </summary>
    public (int First, IReadOnlyList<ImageData> Frames, int Keyframes) Preview(Film film, Engine.Models.IColorizer colorizer, int first, int count, byte[]? keyframesJson)
    {
        Frame(film, first);
        if (count is < 1 or > MaxPreview)
            throw new DemoException(400, $"count {count}: 1 to {MaxPreview} frames a preview");
        int last = Math.Min(film.Frames.Count - 1, first + count - 1), start = first;
        var window = new List<FilmKeyframe>();
        if (keyframesJson is not null)
        {
            IReadOnlyList<FilmKeyframe> keyframes = HintFiles.ParseKeyframes(keyframesJson, "keyframes", null, MaxPixels);
            IReadOnlyList<PlacedKeyframe> placed = KeyframePlacement.Place(keyframes, film.Width, film.Height, film.Frames.Count, false, film.Info.Rate);
            start = placed.Select(p => p.Frame).Where(f => f < first && f >= first - FilmSegment.LeadFrames).DefaultIfEmpty(first).Min();
            window.AddRange(placed.Where(p => p.Frame >= start && p.Frame <= last).Select(p => p.Keyframe with { Frame = p.Frame - start, Time = null }));
        }
        var coloured = new List<ImageData>();
        // A colour frame's or a reference's SOM + MLP fit takes a picture's steps here, not a film's: a preview is
        // waited for, and colours a few frames (ReferenceColorizer.FilmSteps and FilmHidden are for a whole film, some 26 s a fit).
        var options = new VideoOptions { ReferenceSteps = Engine.Som.ReferenceColorizer.DefaultSteps, ReferenceHidden = Engine.Som.ReferenceColorizer.DefaultHidden };
        FrameJob job = FrameJob.Frames(film.Name, film.Frames.Skip(start).Take(last - start + 1).ToList(), coloured.Add, options);
        if (window.Count > 0)
            job = job.WithKeyframes(window);
        new FramePipeline(colorizer).Run(job);
        return (first, coloured.Skip(first - start).ToList(), window.Count);
    }
}
