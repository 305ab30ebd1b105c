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

    public IReadOnlyList<ImageData> GreyFrames() => Grey.Select(g => ImageData.FromRgb8(Width, Height, g)).ToList();
}

/// <summary>Makes <see cref="MotionClip"/>s from the committed CC0 photos in tests/Fixtures/motion (512 x 512).</summary>
public static class MotionClips
{
    private static readonly Dictionary<string, ImageData> Photos = new();

    public static ImageData Photo(string name)
    {
        lock (Photos)
        {
            if (!Photos.TryGetValue(name, out ImageData? photo))
            {
                // Beside the tests' assembly (copied there); from perf/, in the repository.
                string path = TestData.Fixture(Path.Combine("motion", name + ".jpg"));
                if (!File.Exists(path))
                    path = TestData.RepositoryFile("tests", "Fixtures", "motion", name + ".jpg");
                Photos[name] = photo = ImageIO.Load(path);
            }
            return photo;
        }
    }

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
    private static byte[] Greyscale(byte[] rgb, int pixels)
    {
        double[] lab = LabReference.SrgbBytesToLab(rgb, 1, pixels);
        var grey = new float[3 * pixels];
        for (int p = 0; p < pixels; p++)
            grey[p] = (float)lab[p];
        return LabReference.LabToSrgbBytes(grey, 1, pixels);
    }

    private static MotionClip Make(string name, int w, int h, int frames, Func<int, int, int, (double R, double G, double B)> colour,
        Func<int, int, int, (double U, double V, bool Visible, bool Edge)> truth)
    {
        var clip = new MotionClip { Name = name, Width = w, Height = h };
        int n = w * h;
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
                    var (r, g, b) = colour(t, x, y);
                    rgb[3 * p] = (byte)Math.Clamp(Math.Round(r), 0, 255);
                    rgb[3 * p + 1] = (byte)Math.Clamp(Math.Round(g), 0, 255);
                    rgb[3 * p + 2] = (byte)Math.Clamp(Math.Round(b), 0, 255);
                    var (u, v, seen, band) = truth(t, x, y);
                    flow[p] = (float)u;
                    flow[n + p] = (float)v;
                    // A point must land inside frame t-1 to have been seen there.
                    visible[p] = t > 0 && seen && x + u >= 0 && x + u <= w - 1 && y + v >= 0 && y + v <= h - 1;
                    edge[p] = band;
                }
            clip.Colour.Add(rgb);
            clip.Grey.Add(Greyscale(rgb, n));
            clip.Flow.Add(flow);
            clip.Visible.Add(visible);
            clip.EdgeBand.Add(edge);
        }
        return clip;
    }

    /// <summary>A camera panning over a photo by (dx, dy) pixels a frame: whole pixels, so frames are exact crops.</summary>
    public static MotionClip Pan(string photo, int dx, int dy, int frames = 20, int w = 256, int h = 192)
    {
        ImageData source = Photo(photo);
        int x0 = dx >= 0 ? 0 : source.Width - w, y0 = dy >= 0 ? 0 : source.Height - h;
        if (x0 + (frames - 1) * dx + w > source.Width || y0 + (frames - 1) * dy + h > source.Height || x0 + (frames - 1) * dx < 0 || y0 + (frames - 1) * dy < 0)
            throw new ArgumentException($"a pan of {dx},{dy} over {frames} frames leaves the {source.Width}x{source.Height} photo");
        return Make($"pan {dx},{dy} over {photo}", w, h, frames,
            (t, x, y) => Sample(source, x0 + t * dx + x, y0 + t * dy + y),
            (t, x, y) => (dx, dy, true, false));
    }

    /// <summary>
    /// A camera zooming in on a photo's centre: frame t shows a crop of scale s_t = start * rate^t (photo pixels a
    /// frame pixel) resampled bilinearly; a point of frame t was at its offset from the centre times s_t / s_(t-1).
    /// </summary>
    public static MotionClip Zoom(string photo, double rate = 0.97, double start = 1.6, int frames = 20, int w = 256, int h = 192)
    {
        ImageData source = Photo(photo);
        double cx = source.Width / 2.0, cy = source.Height / 2.0;
        double Scale(int t) => start * Math.Pow(rate, t);
        return Make($"zoom {rate} on {photo}", w, h, frames,
            (t, x, y) => Sample(source, cx + (x + 0.5 - w / 2.0) * Scale(t) - 0.5, cy + (y + 0.5 - h / 2.0) * Scale(t) - 0.5),
            (t, x, y) => t == 0 ? (0, 0, false, false)
                : ((x + 0.5 - w / 2.0) * (Scale(t) / Scale(t - 1) - 1), (y + 0.5 - h / 2.0) * (Scale(t) / Scale(t - 1) - 1), true, false));
    }

    /// <summary>
    /// A still camera on <paramref name="background"/> and a disc of <paramref name="objectPhoto"/>'s centre (radius
    /// <paramref name="radius"/>, the photo at half size) moving by (vx, vy) a frame: the background a disc leaves
    /// is new (not visible in the frame before); the edge band is within 4 pixels of the disc's rim.
    /// </summary>
    public static MotionClip MovingObject(string background, string objectPhoto, int vx = 6, int vy = 2, double radius = 44, int frames = 20, int w = 256, int h = 192)
    {
        ImageData back = Photo(background), thing = Photo(objectPhoto);
        double ox = thing.Width / 2.0, oy = thing.Height / 2.0, scale = 2.0;
        (double X, double Y) Centre(int t) => (60 + t * vx, 80 + t * vy);
        bool Inside(int t, int x, int y) => Math.Pow(x - Centre(t).X, 2) + Math.Pow(y - Centre(t).Y, 2) <= radius * radius;
        return Make($"{objectPhoto} moving {vx},{vy} over {background}", w, h, frames,
            (t, x, y) => Inside(t, x, y) ? Sample(thing, ox + (x - Centre(t).X) * scale, oy + (y - Centre(t).Y) * scale) : Sample(back, 128 + x, 160 + y),
            (t, x, y) =>
            {
                double rim = Math.Abs(Math.Sqrt(Math.Pow(x - Centre(t).X, 2) + Math.Pow(y - Centre(t).Y, 2)) - radius);
                if (Inside(t, x, y))
                    return (-vx, -vy, t > 0, rim <= 4);
                // Background: still, and seen in frame t-1 unless the disc covered it then.
                return (0, 0, t > 0 && !Inside(t - 1, x, y), rim <= 4);
            });
    }
}
