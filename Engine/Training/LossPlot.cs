using ColorKernels.Engine.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ColorKernels.Engine.Training;

/// <summary>
/// The loss curve as a PNG: training loss (blue; a running mean over 1% of the steps in dark blue) and
/// validation loss (red squares) against the step, on axes from 0 to the largest value. Numbers are in
/// log.csv beside it; the picture is for a glance.
/// </summary>
internal static class LossPlot
{
    private const int Width = 800, Height = 400, Margin = 30;

    public static void Save(string path, IReadOnlyList<(double Step, double Loss)> train, IReadOnlyList<(double Step, double Loss)> val)
    {
        using var image = new Image<Rgb24>(Width, Height, new Rgb24(255, 255, 255));
        var all = train.Concat(val).Where(p => double.IsFinite(p.Loss)).ToList();
        double maxStep = Math.Max(1, all.Count == 0 ? 1 : all.Max(p => p.Step));
        double maxLoss = all.Count == 0 ? 1 : Math.Max(1e-9, all.Max(p => p.Loss));
        int X(double step) => Margin + (int)Math.Round(step / maxStep * (Width - 2 * Margin));
        int Y(double loss) => Height - Margin - (int)Math.Round(loss / maxLoss * (Height - 2 * Margin));

        Line(image, X(0), Y(0), X(maxStep), Y(0), new Rgb24(0, 0, 0));
        Line(image, X(0), Y(0), X(0), Y(maxLoss), new Rgb24(0, 0, 0));
        for (int i = 1; i < train.Count; i++)
            Line(image, X(train[i - 1].Step), Y(train[i - 1].Loss), X(train[i].Step), Y(train[i].Loss), new Rgb24(150, 180, 255));
        int window = Math.Max(1, train.Count / 100);
        for (int i = window; i < train.Count; i++)
        {
            double a = train.Skip(i - window).Take(window).Average(p => p.Loss), b = train.Skip(i - window + 1).Take(window).Average(p => p.Loss);
            Line(image, X(train[i - 1].Step), Y(a), X(train[i].Step), Y(b), new Rgb24(0, 40, 160));
        }
        foreach (var (step, loss) in val)
            for (int dy = -3; dy <= 3; dy++)
                for (int dx = -3; dx <= 3; dx++)
                    Plot(image, X(step) + dx, Y(loss) + dy, new Rgb24(220, 30, 30));
        AtomicFile.Write(path, s => image.SaveAsPng(s));
    }

    private static void Line(Image<Rgb24> image, int x0, int y0, int x1, int y1, Rgb24 colour)
    {
        int steps = Math.Max(Math.Abs(x1 - x0), Math.Abs(y1 - y0));
        for (int i = 0; i <= steps; i++)
        {
            double t = steps == 0 ? 0 : (double)i / steps;
            Plot(image, (int)Math.Round(x0 + t * (x1 - x0)), (int)Math.Round(y0 + t * (y1 - y0)), colour);
        }
    }

    private static void Plot(Image<Rgb24> image, int x, int y, Rgb24 colour)
    {
        if (x >= 0 && x < image.Width && y >= 0 && y < image.Height)
            image[x, y] = colour;
    }
}
