namespace ColorKernels.Kernels.Color;

/// <summary>
/// One sRGB colour to CIELAB (D65) in double precision on the host, for a person's colours (a hint's "#rrggbb",
/// a palette's entries): the same formulas and constants as the device's <see cref="ColorMath"/>. The tests'
/// <see cref="LabReference"/> converts through it too (it checks the kernels, which do not use it).
/// </summary>
public static class SrgbLab
{
    private const double Xn = 0.95047, Yn = 1.0, Zn = 1.08883;
    private const double Eps = 216.0 / 24389.0, Slope = 24389.0 / 27.0 / 116.0;

    /// <summary>sRGB components in [0, 1] to (L, a, b).</summary>
    public static (double L, double A, double B) FromSrgb(double r, double g, double b)
    {
        double rl = Linear(r), gl = Linear(g), bl = Linear(b);
        double x = 0.4124564 * rl + 0.3575761 * gl + 0.1804375 * bl;
        double y = 0.2126729 * rl + 0.7151522 * gl + 0.0721750 * bl;
        double z = 0.0193339 * rl + 0.1191920 * gl + 0.9503041 * bl;
        double fx = F(x / Xn), fy = F(y / Yn), fz = F(z / Zn);
        return (116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz));
    }

    private static double Linear(double c) => c <= 0.04045 ? c / 12.92 : Math.Pow((c + 0.055) / 1.055, 2.4);

    private static double F(double t) => t > Eps ? Math.Cbrt(t) : t * Slope + 4.0 / 29.0;
}
