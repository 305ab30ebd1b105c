namespace ColorKernels.Kernels.Color;

/// <summary>
/// sRGB / CIELAB formulas in single precision, callable from kernels (device code) and from the host.
/// D65 white, 2-degree observer, IEC 61966-2-1 sRGB companding. The double-precision twin used as the
/// reference lives in <see cref="LabReference"/>; the constants below are the same numbers.
/// </summary>
public static class ColorMath
{
    // D65 reference white (2-degree observer), the values skimage and most references use.
    public const float WhiteX = 0.95047f, WhiteY = 1.0f, WhiteZ = 1.08883f;

    // CIE constants: epsilon = (6/29)^3, the linear-segment slope 1 / (3 (6/29)^2), delta = 6/29.
    public const float Epsilon = 216f / 24389f;
    public const float LinearSlope = 24389f / 27f / 116f;
    public const float Delta = 6f / 29f;

    /// <summary>sRGB-encoded value in [0, 1] to linear light.</summary>
    public static float SrgbToLinear(float c) =>
        c <= 0.04045f ? c / 12.92f : MathF.Pow((c + 0.055f) / 1.055f, 2.4f);

    /// <summary>Linear light to sRGB encoding; input clamped to [0, 1] first (out-of-gamut colours clamp to the cube).</summary>
    public static float LinearToSrgb(float c)
    {
        c = c < 0f ? 0f : (c > 1f ? 1f : c);
        return c <= 0.0031308f ? 12.92f * c : 1.055f * MathF.Pow(c, 1f / 2.4f) - 0.055f;
    }

    /// <summary>
    /// Cube root for t > 0 without MathF.Cbrt: Cbrt leaves an unresolved extern in ILGPU's PTX output.
    /// pow(t, 1/3) is accurate to a few ulp on the host but only ~1e-6 relative with the GPU's approximate
    /// exp2/log2, so one Newton step (y -= (y^3 - t) / 3y^2) restores full single precision.
    /// </summary>
    public static float CubeRoot(float t)
    {
        float y = MathF.Pow(t, 1f / 3f);
        return y - (y * y * y - t) / (3f * y * y);
    }

    /// <summary>The CIELAB companding function f(t).</summary>
    public static float LabF(float t) => t > Epsilon ? CubeRoot(t) : t * LinearSlope + 4f / 29f;

    /// <summary>Inverse of <see cref="LabF"/>.</summary>
    public static float LabFInverse(float f) => f > Delta ? f * f * f : (f - 4f / 29f) / LinearSlope;

    /// <summary>
    /// sRGB in [0, 1] to L in [0, 100], a, b. A grey (r = g = b: every frame of a greyscale film) takes one
    /// companding and one cube root instead of three of each, with a = b = 0 exactly: the matrix's X and Z rows
    /// sum to the white's X and Z, so x / WhiteX = z / WhiteZ = the linear value, and y = 1.0000001 times it (its
    /// row's float sum), kept here so that L is the general path's to float rounding. Why: a 720p frame's
    /// conversion was 32 ms of a stabilised frame's 214 on the CPU accelerator (perf --filter video-profile).
    /// </summary>
    public static void SrgbToLab(float r, float g, float b, out float l, out float aOut, out float bOut)
    {
        if (r == g && g == b)
        {
            l = 116f * LabF((0.2126729f + 0.7151522f + 0.0721750f) * SrgbToLinear(r) / WhiteY) - 16f;
            aOut = 0f;
            bOut = 0f;
            return;
        }
        float rl = SrgbToLinear(r), gl = SrgbToLinear(g), bl = SrgbToLinear(b);
        float x = 0.4124564f * rl + 0.3575761f * gl + 0.1804375f * bl;
        float y = 0.2126729f * rl + 0.7151522f * gl + 0.0721750f * bl;
        float z = 0.0193339f * rl + 0.1191920f * gl + 0.9503041f * bl;
        float fx = LabF(x / WhiteX), fy = LabF(y / WhiteY), fz = LabF(z / WhiteZ);
        l = 116f * fy - 16f;
        aOut = 500f * (fx - fy);
        bOut = 200f * (fy - fz);
    }

    /// <summary>
    /// L, a, b to sRGB in [0, 1]; colours outside the sRGB gamut clamp to the cube. Neutral colours (a = b = 0
    /// exactly, what desaturation writes) take their luminance straight to R = G = B: through the rounded
    /// XYZ-to-RGB matrix a grey comes out split by one 8-bit step now and then.
    /// </summary>
    public static void LabToSrgb(float l, float a, float b, out float r, out float g, out float bOut)
    {
        if (a == 0f && b == 0f)
        {
            r = g = bOut = LinearToSrgb(LabFInverse((l + 16f) / 116f));
            return;
        }
        float fy = (l + 16f) / 116f;
        float fx = fy + a / 500f;
        float fz = fy - b / 200f;
        float x = WhiteX * LabFInverse(fx), y = WhiteY * LabFInverse(fy), z = WhiteZ * LabFInverse(fz);
        r = LinearToSrgb(3.2404542f * x - 1.5371385f * y - 0.4985314f * z);
        g = LinearToSrgb(-0.9692660f * x + 1.8760108f * y + 0.0415560f * z);
        bOut = LinearToSrgb(0.0556434f * x - 0.2040259f * y + 1.0572252f * z);
    }

    /// <summary>[0, 1] to the nearest 8-bit code; NaN maps to 0.</summary>
    public static byte ToByte(float v)
    {
        float s = v * 255f + 0.5f;
        return s >= 255f ? (byte)255 : (s > 0f ? (byte)s : (byte)0);
    }
}
