using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Tensors;

namespace ColorKernels.Engine.Models;

/// <summary>
/// What a colourizer predicts for one picture, kept on the device until disposed: per cell of a
/// <see cref="Width"/> x <see cref="Height"/> grid over the picture, logits over the model's palette of ab
/// colours (ECCV16: the 313 bins, the grid a quarter of its input size; SOM + MLP: the map's codewords, the
/// grid its working size), or ab itself for a regression-head model (<see cref="Classes"/> 0). Decode it at
/// any temperature with <see cref="IColorizer.Decode"/>: one device launch, the network does not run again.
/// Device memory: <see cref="Classes"/> x Width x Height floats (SOM + MLP: rounded up to whole chunks), and
/// once decoded the picture's Lab (3 floats a pixel), kept so that further decodes skip converting it.
/// </summary>
public sealed class Prediction : IDisposable
{
    internal Prediction(IColorizer owner, ImageData image, Tensor<float> values, int width, int height, int classes, int plane)
    {
        (Owner, Image, Values) = (owner, image, values);
        (Width, Height, Classes, Plane) = (width, height, classes, plane);
    }

    /// <summary>The picture it was predicted from: decoding keeps its full-resolution L.</summary>
    public ImageData Image { get; }

    /// <summary>Grid columns (cells across the picture).</summary>
    public int Width { get; }

    /// <summary>Grid rows.</summary>
    public int Height { get; }

    /// <summary>Palette entries the distribution is over (313 ECCV16 bins, a map's codewords); 0 for a regression head (no distribution).</summary>
    public int Classes { get; }

    internal IColorizer Owner { get; }

    /// <summary>The logits, class-major in chunks of <see cref="Plane"/> cells: cell g's logit q at (g / Plane) Classes Plane + q Plane + g mod Plane (regression: ab [1, 2, Height, Width]).</summary>
    internal Tensor<float> Values { get; }

    /// <summary>Cells per chunk of <see cref="Values"/> (Width x Height when it is one chunk).</summary>
    internal int Plane { get; }

    /// <summary>
    /// What <see cref="IColorizer.Distribution"/> read back, so that more clicks on the same prediction need no
    /// device work (a page clicks many pixels): the softmax of every cell (laid out as <see cref="Values"/>),
    /// and every cell's ab [2, Height, Width] decoded at <c>AbTemperature</c>.
    /// </summary>
    internal float[]? HostProbabilities { get; set; }

    internal (float[] Ab, float Temperature)? HostAb { get; set; }

    /// <summary>
    /// The hint network's classification head for the same picture (without hints): logits over the 313 bins
    /// at a quarter of its input, what <see cref="IColorizer.Distribution"/> reads (the page's recommended
    /// colours); null for every other model. Disposed with this prediction.
    /// </summary>
    internal Prediction? ClassHead { get; set; }

    /// <summary>The picture's Lab [1, 3, H, W]: made while predicting inside one colouring, else on the first decode, and kept (its a and b are each decode's).</summary>
    internal Tensor<float>? Lab { get; set; }

    /// <summary>The grid cell under pixel (x, y) of the picture.</summary>
    public (int X, int Y) CellOf(int x, int y)
    {
        if (x < 0 || y < 0 || x >= Image.Width || y >= Image.Height)
            throw new UserErrorException($"pixel ({x}, {y}): outside the {Image.Width}x{Image.Height} picture");
        return CellOf(x, y, Width, Height, Image.Width, Image.Height);
    }

    /// <summary>The cell of a <paramref name="gridWidth"/> x <paramref name="gridHeight"/> grid over an image of <paramref name="imageWidth"/> x <paramref name="imageHeight"/> under pixel (x, y).</summary>
    internal static (int X, int Y) CellOf(int x, int y, int gridWidth, int gridHeight, int imageWidth, int imageHeight) =>
        (Math.Min(gridWidth - 1, (int)((x + 0.5) * gridWidth / imageWidth)), Math.Min(gridHeight - 1, (int)((y + 0.5) * gridHeight / imageHeight)));

    /// <summary>
    /// Frees the picture's kept Lab (12 bytes a pixel), keeping the prediction itself: a further decode converts
    /// the picture again. For a holder of many predictions (the web demo) that decodes one at a time.
    /// </summary>
    internal void ReleaseLab()
    {
        Lab?.Dispose();
        Lab = null;
    }

    /// <summary>Frees the device memory.</summary>
    public void Dispose()
    {
        Values.Dispose();
        ClassHead?.Dispose();
        Lab?.Dispose();
        Lab = null;
    }
}

/// <summary>
/// One pixel as a colourizer sees it (<see cref="IColorizer.Distribution"/>): the grid cell under it, the
/// probabilities over the palette (softmax at temperature 1), the palette itself (ab pairs, a and b
/// interleaved), and the ab the palette decode gives that cell at <see cref="Temperature"/>.
/// </summary>
public sealed record PixelDistribution(int CellX, int CellY, float[] Probabilities, float[] Palette, float A, float B, float Temperature);
