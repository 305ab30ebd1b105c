namespace ColorKernels.Kernels.Color;

/// <summary>
/// Plain C# double-precision reference for <see cref="LabKernels"/>: the same formulas and constants as
/// <see cref="ColorMath"/>, with naive loops over the same tensor layouts. Tests compare kernels with it;
/// perf/ uses it as the Parallel.For baseline.
/// </summary>
public static class LabReference
{
    private const double Xn = 0.95047, Yn = 1.0, Zn = 1.08883;
    private const double Slope = 24389.0 / 27.0 / 116.0, Delta = 6.0 / 29.0;

    public static double SrgbToLinear(double c) => c <= 0.04045 ? c / 12.92 : Math.Pow((c + 0.055) / 1.055, 2.4);

    public static double LinearToSrgb(double c)
    {
        c = Math.Clamp(c, 0.0, 1.0);
        return c <= 0.0031308 ? 12.92 * c : 1.055 * Math.Pow(c, 1 / 2.4) - 0.055;
    }

    private static double FInverse(double f) => f > Delta ? f * f * f : (f - 4.0 / 29.0) / Slope;

    public static (double L, double A, double B) SrgbToLab(double r, double g, double b) => SrgbLab.FromSrgb(r, g, b);

    /// <summary>As ColorMath.LabToSrgb, neutral colours (a = b = 0) included.</summary>
    public static (double R, double G, double B) LabToSrgb(double l, double a, double b)
    {
        if (a == 0 && b == 0)
        {
            double grey = LinearToSrgb(Yn * FInverse((l + 16) / 116));
            return (grey, grey, grey);
        }
        double fy = (l + 16) / 116, fx = fy + a / 500, fz = fy - b / 200;
        double x = Xn * FInverse(fx), y = Yn * FInverse(fy), z = Zn * FInverse(fz);
        return (LinearToSrgb(3.2404542 * x - 1.5371385 * y - 0.4985314 * z),
                LinearToSrgb(-0.9692660 * x + 1.8760108 * y + 0.0415560 * z),
                LinearToSrgb(0.0556434 * x - 0.2040259 * y + 1.0572252 * z));
    }

    public static byte ToByte(double v) => (byte)Math.Clamp(Math.Floor(v * 255 + 0.5), 0, 255);

    /// <summary>Packed 8-bit sRGB [N, H, W, 3] -> Lab [N, 3, H, W].</summary>
    public static double[] SrgbBytesToLab(byte[] rgb, int images, int pixels)
    {
        var lab = new double[images * 3 * pixels];
        for (int n = 0; n < images; n++)
            for (int q = 0; q < pixels; q++)
            {
                int p = n * pixels + q;
                var (l, a, b) = SrgbToLab(rgb[p * 3] / 255.0, rgb[p * 3 + 1] / 255.0, rgb[p * 3 + 2] / 255.0);
                lab[(n * 3 + 0) * pixels + q] = l;
                lab[(n * 3 + 1) * pixels + q] = a;
                lab[(n * 3 + 2) * pixels + q] = b;
            }
        return lab;
    }

    /// <summary>Planar sRGB [N, 3, H, W] -> Lab [N, 3, H, W] (same layout both ways).</summary>
    public static double[] SrgbToLab(float[] srgb, int images, int pixels) =>
        MapPlanar(srgb, images, pixels, (x, y, z) => SrgbToLab(x, y, z));

    /// <summary>Lab [N, 3, H, W] -> planar sRGB [N, 3, H, W] in [0, 1].</summary>
    public static double[] LabToSrgb(float[] lab, int images, int pixels) =>
        MapPlanar(lab, images, pixels, (x, y, z) => LabToSrgb(x, y, z));

    /// <summary>Lab [N, 3, H, W] -> packed 8-bit sRGB [N, H, W, 3].</summary>
    public static byte[] LabToSrgbBytes(float[] lab, int images, int pixels)
    {
        var rgb = new byte[images * pixels * 3];
        for (int n = 0; n < images; n++)
            for (int q = 0; q < pixels; q++)
            {
                var (r, g, b) = LabToSrgb(lab[(n * 3) * pixels + q], lab[(n * 3 + 1) * pixels + q], lab[(n * 3 + 2) * pixels + q]);
                int p = n * pixels + q;
                rgb[p * 3] = ToByte(r);
                rgb[p * 3 + 1] = ToByte(g);
                rgb[p * 3 + 2] = ToByte(b);
            }
        return rgb;
    }

    private static double[] MapPlanar(float[] input, int images, int pixels,
        Func<double, double, double, (double, double, double)> map)
    {
        var output = new double[input.Length];
        for (int n = 0; n < images; n++)
            for (int q = 0; q < pixels; q++)
            {
                int i0 = (n * 3) * pixels + q, i1 = i0 + pixels, i2 = i1 + pixels;
                (output[i0], output[i1], output[i2]) = map(input[i0], input[i1], input[i2]);
            }
        return output;
    }
}
