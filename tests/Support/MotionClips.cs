using ColorKernels.Engine.Imaging;
using ColorKernels.Kernels.Color;

namespace ColorKernels.Tests.Support;

/// <summary>
/// A clip whose motion is known, made from still photos (issue #29): its colour frames (the truth), the
/// greyscale frames a colourizer is given, and per frame t >= 1 the true backward flow (where each pixel of
/// frame t was in frame t-1, in pixels) with the pixels that were visible there; for a moving object, the
/// band around its edge.
/// </summary>
public sealed class MotionClip
{
    public required string Name { get; init; }
    public required int Width { get; init; }
    public required int Height { get; init; }
    public List<byte[]> Colour { get; } = new();
    public List<byte[]> Grey { get; } = new();

    /// <summary>Per frame (index 0 unused): u then v, [2, H, W].</summary>
    public List<float[]> Flow { get; } = new();

    /// <summary>Per frame (index 0 unused): the pixel's point was inside frame t-1 and not hidden there.</summary>
    public List<bool[]> Visible { get; } = new();

    /// <summary>Per frame: pixels within 4 of the moving object's edge (empty without one).</summary>
    public List<bool[]> EdgeBand { get; } = new();

    /// <summary>Per frame: the gate weave's shift (frame t shows the scene point at pixel (x, y) + the shift); zero without old film's weave.</summary>
    public List<(double X, double Y)> Weave { get; } = new();

    public IReadOnlyList<ImageData> GreyFrames() => Grey.Select(g => ImageData.FromRgb8(Width, Height, g)).ToList();
}

/// <summary>Makes <see cref="MotionClip"/>s from the committed CC0 photos in tests/Fixtures/motion (512 x 512), or from a photo named by its full path.</summary>
public static class MotionClips
{
    private static readonly Dictionary<string, ImageData> Photos = new();

    public static ImageData Photo(string name)
    {
        lock (Photos)
        {
            if (!Photos.TryGetValue(name, out ImageData? photo))
            {
                // A photo's own path (perf's larger clips), else beside the tests' assembly (copied there); from perf/, in the repository.
                string path = Path.IsPathRooted(name) && File.Exists(name) ? name : TestData.Fixture(Path.Combine("motion", name + ".jpg"));
                if (!File.Exists(path))
                    path = TestData.RepositoryFile("tests", "Fixtures", "motion", name + ".jpg");
                Photos[name] = photo = ImageIO.Load(path);
            }
            return photo;
        }
    }

    /// <summary>A photo's name in a clip's name: a fixture's name, or a path's file name without its extension.</summary>
    private static string Label(string photo) => Path.GetFileNameWithoutExtension(photo);

    /// <summary>Bilinear RGB sample of a photo at index coordinates (x, y), clamped to it.</summary>
    private static (double R, double G, double B) Sample(ImageData photo, double x, double y)
    {
        x = Math.Clamp(x, 0, photo.Width - 1);
        y = Math.Clamp(y, 0, photo.Height - 1);
        int x0 = (int)x, y0 = (int)y, x1 = Math.Min(x0 + 1, photo.Width - 1), y1 = Math.Min(y0 + 1, photo.Height - 1);
        double lx = x - x0, ly = y - y0;
        byte[] rgb = photo.Rgb8!;
        double At(int c) =>
            (rgb[3 * (y0 * photo.Width + x0) + c] * (1 - lx) + rgb[3 * (y0 * photo.Width + x1) + c] * lx) * (1 - ly)
            + (rgb[3 * (y1 * photo.Width + x0) + c] * (1 - lx) + rgb[3 * (y1 * photo.Width + x1) + c] * lx) * ly;
        return (At(0), At(1), At(2));
    }

    /// <summary>A frame's greyscale: its L with a = b = 0, back to sRGB (what desaturate gives).</summary>
    public static byte[] Greyscale(byte[] rgb, int pixels)
    {
        double[] lab = LabReference.SrgbBytesToLab(rgb, 1, pixels);
        var grey = new float[3 * pixels];
        for (int p = 0; p < pixels; p++)
            grey[p] = (float)lab[p];
        return LabReference.LabToSrgbBytes(grey, 1, pixels);
    }

    private static MotionClip Make(string name, int w, int h, int frames, Func<int, double, double, (double R, double G, double B)> colour,
        Func<int, double, double, (double U, double V, bool Visible, bool Edge)> truth, OldFilm? old)
    {
        var clip = new MotionClip { Name = old is null ? name : $"{name}, {old}", Width = w, Height = h };
        int n = w * h;
        // Gate weave: frame t shows the scene shifted by (wx_t, wy_t), so a point's true motion gains the weave's change.
        var weave = new (double X, double Y)[frames];
        var random = new Random(old?.Seed ?? 0);
        if (old is { Weave: true })
            for (int t = 0; t < frames; t++)
                weave[t] = (random.NextDouble() * 4 - 2, random.NextDouble() * 4 - 2);
        for (int t = 0; t < frames; t++)
        {
            var rgb = new byte[3 * n];
            var flow = new float[2 * n];
            var visible = new bool[n];
            var edge = new bool[n];
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    int p = y * w + x;
                    double sx = x + weave[t].X, sy = y + weave[t].Y;
                    var (r, g, b) = colour(t, sx, sy);
                    rgb[3 * p] = (byte)Math.Clamp(Math.Round(r), 0, 255);
                    rgb[3 * p + 1] = (byte)Math.Clamp(Math.Round(g), 0, 255);
                    rgb[3 * p + 2] = (byte)Math.Clamp(Math.Round(b), 0, 255);
                    var (u, v, seen, band) = truth(t, sx, sy);
                    if (t > 0)
                        (u, v) = (u + weave[t].X - weave[t - 1].X, v + weave[t].Y - weave[t - 1].Y);
                    flow[p] = (float)u;
                    flow[n + p] = (float)v;
                    // A point must land inside frame t-1 to have been seen there.
                    visible[p] = t > 0 && seen && x + u >= 0 && x + u <= w - 1 && y + v >= 0 && y + v <= h - 1;
                    edge[p] = band;
                }
            clip.Colour.Add(rgb);
            byte[] grey = Greyscale(rgb, n);
            if (old is not null)
                old.Degrade(grey, w, h, t, random);
            clip.Grey.Add(grey);
            clip.Flow.Add(flow);
            clip.Visible.Add(visible);
            clip.EdgeBand.Add(edge);
            clip.Weave.Add(weave[t]);
        }
        return clip;
    }

    /// <summary>A camera panning over a photo by (dx, dy) pixels a frame: whole pixels, so frames are exact crops.</summary>
    public static MotionClip Pan(string photo, int dx, int dy, int frames = 20, int w = 256, int h = 192, OldFilm? old = null)
    {
        ImageData source = Photo(photo);
        int x0 = dx >= 0 ? 0 : source.Width - w, y0 = dy >= 0 ? 0 : source.Height - h;
        if (x0 + (frames - 1) * dx + w > source.Width || y0 + (frames - 1) * dy + h > source.Height || x0 + (frames - 1) * dx < 0 || y0 + (frames - 1) * dy < 0)
            throw new ArgumentException($"a pan of {dx},{dy} over {frames} frames leaves the {source.Width}x{source.Height} photo");
        return Make($"pan {dx},{dy} over {Label(photo)}", w, h, frames,
            (t, x, y) => Sample(source, x0 + t * dx + x, y0 + t * dy + y),
            (t, x, y) => (dx, dy, true, false), old);
    }

    /// <summary>
    /// A camera zooming in on a photo's centre: frame t shows a crop of scale s_t = start * rate^t (photo pixels a
    /// frame pixel) resampled bilinearly; a point of frame t was at its offset from the centre times s_t / s_(t-1).
    /// </summary>
    public static MotionClip Zoom(string photo, double rate = 0.97, double start = 1.6, int frames = 20, int w = 256, int h = 192, OldFilm? old = null)
    {
        ImageData source = Photo(photo);
        double cx = source.Width / 2.0, cy = source.Height / 2.0;
        double Scale(int t) => start * Math.Pow(rate, t);
        return Make($"zoom {rate} on {Label(photo)}", w, h, frames,
            (t, x, y) => Sample(source, cx + (x + 0.5 - w / 2.0) * Scale(t) - 0.5, cy + (y + 0.5 - h / 2.0) * Scale(t) - 0.5),
            (t, x, y) => t == 0 ? (0, 0, false, false)
                : ((x + 0.5 - w / 2.0) * (Scale(t) / Scale(t - 1) - 1), (y + 0.5 - h / 2.0) * (Scale(t) / Scale(t - 1) - 1), true, false), old);
    }

    /// <summary>
    /// A still camera on <paramref name="background"/> and a disc of <paramref name="objectPhoto"/>'s centre (radius
    /// <paramref name="radius"/>, the photo at half size) moving by (vx, vy) a frame from (<paramref name="x0"/>, <paramref name="y0"/>), over the background from its
    /// (<paramref name="backX"/>, <paramref name="backY"/>) on: the background a disc leaves
    /// is new (not visible in the frame before); the edge band is within 4 pixels of the disc's rim.
    /// </summary>
    public static MotionClip MovingObject(string background, string objectPhoto, int vx = 6, int vy = 2, double radius = 44, int frames = 20, int w = 256, int h = 192, OldFilm? old = null,
        double x0 = 60, double y0 = 80, double backX = 128, double backY = 160)
    {
        ImageData back = Photo(background), thing = Photo(objectPhoto);
        double ox = thing.Width / 2.0, oy = thing.Height / 2.0, scale = 2.0;
        (double X, double Y) Centre(int t) => (x0 + t * vx, y0 + t * vy);
        bool Inside(int t, double x, double y) => Math.Pow(x - Centre(t).X, 2) + Math.Pow(y - Centre(t).Y, 2) <= radius * radius;
        return Make($"{Label(objectPhoto)} moving {vx},{vy} over {Label(background)}", w, h, frames,
            (t, x, y) => Inside(t, x, y) ? Sample(thing, ox + (x - Centre(t).X) * scale, oy + (y - Centre(t).Y) * scale) : Sample(back, backX + x, backY + y),
            (t, x, y) =>
            {
                double rim = Math.Abs(Math.Sqrt(Math.Pow(x - Centre(t).X, 2) + Math.Pow(y - Centre(t).Y, 2)) - radius);
                if (Inside(t, x, y))
                    return (-vx, -vy, t > 0, rim <= 4);
                // Background: still, and seen in frame t-1 unless the disc covered it then.
                return (0, 0, t > 0 && !Inside(t - 1, x, y), rim <= 4);
            }, old);
    }
}

/// <summary>
/// What archive film does to a clip (issue #41), on its greyscale frames (the truth keeps the clean colours):
/// exposure flicker (on about half the frames, contrast by 0.9-1.0 about the frame's mean grey, then brightness by
/// 0.8-1.2, as in the degradation recipe of Wan et al., CVPR 2022; on every frame a slow local variation, a gain
/// of 1 +- 0.06 in a broad wave across the picture drifting from frame to frame), grain (fresh Gaussian noise of
/// standard deviation 6 grey levels on every frame, per pixel or, with <see cref="GrainSize"/>, in clumps), gate weave (the whole frame shifted by up to 2 pixels, whole
/// and sub-pixel, each frame anew; the clip's true motion includes it) and dust (on about a fifth of the frames 15
/// black or white specks of radius 1-2, on about a sixth a bright vertical scratch). Seeded: the same clip each time.
/// </summary>
public sealed record OldFilm(bool Flicker = true, bool Grain = true, bool Weave = true, bool Dust = true, int Seed = 41, int GrainSize = 1)
{
    public static OldFilm All { get; } = new();

    public override string ToString() =>
        "old film (" + string.Join(", ", new[] { Flicker ? "flicker" : null, Grain ? GrainSize > 1 ? $"grain of {GrainSize} px" : "grain" : null, Weave ? "weave" : null, Dust ? "dust" : null }.Where(s => s is not null)) + ")";

    /// <summary>Degrades frame <paramref name="t"/>'s grey sRGB bytes (R = G = B) in place.</summary>
    internal void Degrade(byte[] grey, int w, int h, int t, Random random)
    {
        int n = w * h;
        var v = new double[n];
        for (int p = 0; p < n; p++)
            v[p] = grey[3 * p];
        if (Flicker)
        {
            if (random.NextDouble() < 0.5)
            {
                double mean = v.Average(), contrast = 0.9 + 0.1 * random.NextDouble(), brightness = 0.8 + 0.4 * random.NextDouble();
                for (int p = 0; p < n; p++)
                    v[p] = ((v[p] - mean) * contrast + mean) * brightness;
            }
            for (int p = 0; p < n; p++)
                v[p] *= 1 + 0.06 * Math.Sin(2 * Math.PI * (0.6 * (p % w) / w + 0.4 * (p / w) / h) + 0.5 * t);
        }
        if (Grain)
        {
            var grain = new double[n];
            for (int p = 0; p < n; p++)
                grain[p] = 6 * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            if (GrainSize > 1)
                grain = Clumped(grain, w, h, GrainSize);
            for (int p = 0; p < n; p++)
                v[p] += grain[p];
        }
        if (Dust)
        {
            if (random.NextDouble() < 0.2)
                for (int k = 0; k < 15; k++)
                {
                    int cx = random.Next(w), cy = random.Next(h), radius = 1 + random.Next(2);
                    double value = random.NextDouble() < 0.5 ? 15 : 240;
                    for (int y = Math.Max(0, cy - radius); y <= Math.Min(h - 1, cy + radius); y++)
                        for (int x = Math.Max(0, cx - radius); x <= Math.Min(w - 1, cx + radius); x++)
                            if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= radius * radius)
                                v[y * w + x] = value;
                }
            if (random.NextDouble() < 0.17)
            {
                int x = random.Next(w);
                for (int y = 0; y < h; y++)
                    v[y * w + x] = 225;
            }
        }
        for (int p = 0; p < n; p++)
            grey[3 * p] = grey[3 * p + 1] = grey[3 * p + 2] = (byte)Math.Clamp(Math.Round(v[p]), 0, 255);
    }

    /// <summary>
    /// Grain in clumps of <paramref name="size"/> x <paramref name="size"/> pixels, as a film scanned finer than its grain
    /// shows it: the per-pixel noise averaged over a size x size box about each pixel and scaled by size, so that its
    /// standard deviation stays the same (an average of size² independent values has 1/size of theirs; the edges, where
    /// the box is cut, a little more).
    /// </summary>
    private static double[] Clumped(double[] noise, int w, int h, int size)
    {
        int before = (size - 1) / 2, after = size / 2;
        var rows = new double[noise.Length];
        var result = new double[noise.Length];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                double sum = 0;
                for (int k = Math.Max(0, x - before); k <= Math.Min(w - 1, x + after); k++)
                    sum += noise[y * w + k];
                rows[y * w + x] = sum;
            }
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                double sum = 0;
                for (int k = Math.Max(0, y - before); k <= Math.Min(h - 1, y + after); k++)
                    sum += rows[k * w + x];
                result[y * w + x] = sum / size;
            }
        return result;
    }
}

/// <summary>Temporal measures of a coloured clip against its known motion.</summary>
public static class MotionClipMetrics
{
    /// <summary>
    /// Warping errors: the mean ab distance between frame t and frame t-1 (short) or frame 0 (long) at the place its
    /// pixel came from along the true motion (chained for the long one), over the pixels visible all the way.
    /// </summary>
    public static (double Short, double Long) WarpingErrors(MotionClip clip, IReadOnlyList<byte[]> frames)
    {
        int w = clip.Width, h = clip.Height, n = w * h;
        double[][] labs = frames.Select(f => LabReference.SrgbBytesToLab(f, 1, n)).ToArray();
        double Sample(double[] lab, int c, double x, double y) => SampleClamped(lab, c, w, h, x, y);
        double shortSum = 0, longSum = 0;
        long shortCount = 0, longCount = 0;
        for (int t = 1; t < frames.Count; t++)
            for (int p = 0; p < n; p++)
            {
                double x = p % w, y = p / w;
                bool visible = true;
                for (int s = t; s >= 1 && visible; s--)
                {
                    int q = Math.Clamp((int)Math.Round(y), 0, h - 1) * w + Math.Clamp((int)Math.Round(x), 0, w - 1);
                    visible = clip.Visible[s][q];
                    (x, y) = (x + clip.Flow[s][q], y + clip.Flow[s][n + q]);
                    visible &= x >= 0 && y >= 0 && x <= w - 1 && y <= h - 1;
                    if (s == t && visible)
                    {
                        shortSum += Math.Sqrt(Math.Pow(labs[t][n + p] - Sample(labs[t - 1], 1, x, y), 2) + Math.Pow(labs[t][2 * n + p] - Sample(labs[t - 1], 2, x, y), 2));
                        shortCount++;
                    }
                }
                if (visible)
                {
                    longSum += Math.Sqrt(Math.Pow(labs[t][n + p] - Sample(labs[0], 1, x, y), 2) + Math.Pow(labs[t][2 * n + p] - Sample(labs[0], 2, x, y), 2));
                    longCount++;
                }
            }
        return (shortSum / shortCount, longCount == 0 ? double.NaN : longSum / longCount);
    }

    /// <summary>
    /// The floor of <see cref="WarpingErrors"/> for a film in 8-bit sRGB that keeps the clip's own L: the first
    /// frame's ab (read back from <paramref name="first"/>) carried along the true motion onto every frame's L, as
    /// 8-bit sRGB again. Its error is what perfect carrying still measures: where grain and flicker move a pixel's L
    /// from frame to frame, the same ab rounds to a different byte triple (coarsely near black, clipped near white),
    /// and reads back as a different ab.
    /// </summary>
    public static List<byte[]> CarriedAlongTruth(MotionClip clip, byte[] first)
    {
        int w = clip.Width, h = clip.Height, n = w * h;
        double[] ab = LabReference.SrgbBytesToLab(first, 1, n);
        var frames = new List<byte[]> { first };
        for (int t = 1; t < clip.Grey.Count; t++)
        {
            double[] before = ab;
            ab = new double[3 * n];
            for (int p = 0; p < n; p++)
                for (int c = 1; c <= 2; c++)
                    ab[c * n + p] = SampleClamped(before, c, w, h, p % w + clip.Flow[t][p], p / w + clip.Flow[t][n + p]);
            double[] grey = LabReference.SrgbBytesToLab(clip.Grey[t], 1, n);
            var lab = new float[3 * n];
            for (int p = 0; p < n; p++)
                (lab[p], lab[n + p], lab[2 * n + p]) = ((float)grey[p], (float)ab[n + p], (float)ab[2 * n + p]);
            frames.Add(LabReference.LabToSrgbBytes(lab, 1, n));
        }
        return frames;
    }

    /// <summary>Bilinear sample of plane c of a Lab frame [3, H, W] (double) at (x, y), clamped to the frame.</summary>
    public static double SampleClamped(double[] lab, int c, int w, int h, double x, double y)
    {
        x = Math.Clamp(x, 0, w - 1);
        y = Math.Clamp(y, 0, h - 1);
        int x0 = (int)x, y0 = (int)y, x1 = Math.Min(x0 + 1, w - 1), y1 = Math.Min(y0 + 1, h - 1);
        double lx = x - x0, ly = y - y0;
        int o = c * w * h;
        return (lab[o + y0 * w + x0] * (1 - lx) + lab[o + y0 * w + x1] * lx) * (1 - ly) + (lab[o + y1 * w + x0] * (1 - lx) + lab[o + y1 * w + x1] * lx) * ly;
    }

    /// <summary>The standard deviations over frames of each frame's mean a and mean b (how much the whole picture's colour flickers).</summary>
    public static (double A, double B) MeanAbSpread(IReadOnlyList<byte[]> frames)
    {
        var means = MeanAb(frames);
        double Spread(IEnumerable<double> values)
        {
            var list = values.ToList();
            double mean = list.Average();
            return Math.Sqrt(list.Sum(x => (x - mean) * (x - mean)) / list.Count);
        }
        return (Spread(means.Select(m => m.A)), Spread(means.Select(m => m.B)));
    }

    /// <summary>
    /// The root mean square of the change of each frame's mean a and mean b from the frame before's: the whole picture's
    /// colour flickering from frame to frame, without the scene's own steady change (a zoom into a red bird raises the
    /// true mean a frame after frame, which <see cref="MeanAbSpread"/> counts as spread).
    /// </summary>
    public static (double A, double B) MeanAbChange(IReadOnlyList<byte[]> frames)
    {
        var means = MeanAb(frames);
        double Rms(Func<(double A, double B), double> part) =>
            Math.Sqrt(Enumerable.Range(1, means.Count - 1).Average(t => Math.Pow(part(means[t]) - part(means[t - 1]), 2)));
        return (Rms(m => m.A), Rms(m => m.B));
    }

    private static List<(double A, double B)> MeanAb(IReadOnlyList<byte[]> frames)
    {
        return frames.Select(f =>
        {
            int n = f.Length / 3;
            double[] lab = LabReference.SrgbBytesToLab(f, 1, n);
            double a = 0, b = 0;
            for (int p = 0; p < n; p++)
            {
                a += lab[n + p];
                b += lab[2 * n + p];
            }
            return (A: a / n, B: b / n);
        }).ToList();
    }
}
