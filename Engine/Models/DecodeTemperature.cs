namespace ColorKernels.Engine.Models;

/// <summary>
/// The one rule for a decode temperature, wherever one is given (colorize -t, <see cref="ColorizerOptions.Temperature"/>,
/// a model file's header, the web demo's slider), for both methods: 0 paints each pixel's most likely palette
/// colour (the arg-max); from 0.01 to 100 the annealed mean, 1 the expected colour, lower sharper (0.38 in
/// Zhang et al.). Below 0.01 the mean is the arg-max to float precision; above 100 it is the palette's
/// average whatever the prediction.
/// </summary>
public static class DecodeTemperature
{
    /// <summary>The lowest temperature above 0.</summary>
    public const float Min = 0.01f;

    /// <summary>The highest temperature.</summary>
    public const float Max = 100f;

    /// <summary>Whether <paramref name="temperature"/> is allowed.</summary>
    public static bool IsValid(float temperature) => temperature == 0f || temperature >= Min && temperature <= Max;

    /// <summary><paramref name="temperature"/> when allowed, else a one-line user error naming <paramref name="what"/> (e.g. "--temperature").</summary>
    public static float Check(float temperature, string what = "--temperature") =>
        IsValid(temperature) ? temperature
        : throw new UserErrorException($"{what} {temperature.ToString(System.Globalization.CultureInfo.InvariantCulture)}: must be 0 (each pixel's most likely colour) or from {Min} to {Max} (1 the mean colour, lower sharper)");
}
