using System.Globalization;

namespace ColorKernels.Engine.Models;

/// <summary>
/// A person's colour for one place of a picture: the square of <see cref="Size"/> x <see cref="Size"/> pixels
/// centred on pixel (<see cref="X"/>, <see cref="Y"/>) (origin top-left) should have the chroma (a, b) of
/// <see cref="A"/>, <see cref="B"/>; its lightness stays the picture's own. Decoding with hints spreads each
/// hint's correction (its ab minus the model's) over the picture where L is alike, stopping at edges, so
/// hints refine the model's colours rather than replace them.
/// </summary>
/// <param name="X">Column of the centre pixel.</param>
/// <param name="Y">Row of the centre pixel.</param>
/// <param name="A">CIELAB a (green-red), -128 to 127.</param>
/// <param name="B">CIELAB b (blue-yellow), -128 to 127.</param>
/// <param name="Size">Side of the square in pixels, 1 to 64.</param>
public sealed record ColorHint(int X, int Y, float A, float B, int Size = 1)
{
    /// <summary>The most hints one picture takes.</summary>
    public const int MaxHints = 10_000;

    /// <summary>A hint of the sRGB colour <paramref name="color"/> ("#rrggbb" or "rrggbb"): its a and b are used, its lightness is not.</summary>
    public static ColorHint FromColor(int x, int y, string color, int size = 1)
    {
        ArgumentNullException.ThrowIfNull(color);
        string hex = color.StartsWith('#') ? color[1..] : color;
        if (hex.Length != 6 || !int.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int rgb))
            throw new UserErrorException($"colour '{color}': expected #rrggbb");
        var (_, a, b) = Kernels.Color.SrgbLab.FromSrgb((rgb >> 16 & 255) / 255.0, (rgb >> 8 & 255) / 255.0, (rgb & 255) / 255.0);
        return new ColorHint(x, y, (float)a, (float)b, size);
    }

    /// <summary>The hint's square clipped to a <paramref name="width"/> x <paramref name="height"/> picture: its first and last columns and rows (inclusive).</summary>
    internal (int X0, int Y0, int X1, int Y1) Square(int width, int height) =>
        (Math.Max(0, X - (Size - 1) / 2), Math.Max(0, Y - (Size - 1) / 2), Math.Min(width - 1, X + Size / 2), Math.Min(height - 1, Y + Size / 2));

    /// <summary>Refuses a hint outside a <paramref name="width"/> x <paramref name="height"/> picture, of a size outside 1-64, or of a chroma outside -128 to 127.</summary>
    public void Check(int width, int height)
    {
        if (X < 0 || Y < 0 || X >= width || Y >= height)
            throw new UserErrorException($"hint at ({X}, {Y}): outside the {width}x{height} picture");
        if (Size is < 1 or > 64)
            throw new UserErrorException($"hint at ({X}, {Y}): size {Size}, expected 1 to 64");
        if (!(A >= -128 && A <= 127 && B >= -128 && B <= 127))
            throw new UserErrorException($"hint at ({X}, {Y}): a = {A}, b = {B}, expected -128 to 127");
    }
}
