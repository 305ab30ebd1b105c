namespace ColorKernels.Engine.Models;

// The values a person gives that more than one entry point takes (the command line, the web page, model files,
// the library), each with its one rule here; every entry point checks through it. A palette's strength and
// colour count are ColorPalette's (ColorPalette.CheckStrength, CheckCount); a regression head's refusal of a
// distribution is CodebookColorizer.NoDistribution.

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

    /// <summary>"0 or from 0.01 to 100": the rule in words, for messages in other forms (a model file's header).</summary>
    public static string Range => FormattableString.Invariant($"0 or from {Min} to {Max}");

    /// <summary>Whether <paramref name="temperature"/> is allowed.</summary>
    public static bool IsValid(float temperature) => temperature == 0f || temperature >= Min && temperature <= Max;

    /// <summary><paramref name="temperature"/> when allowed, else a one-line user error naming <paramref name="what"/> (e.g. "--temperature").</summary>
    public static float Check(float temperature, string what = "--temperature") =>
        IsValid(temperature) ? temperature
        : throw new UserErrorException($"{what} {temperature.ToString(System.Globalization.CultureInfo.InvariantCulture)}: must be 0 (each pixel's most likely colour) or from {Min} to {Max} (1 the mean colour, lower sharper)");
}

/// <summary>
/// The one rule for a network input size, wherever one is given (colorize and eval --size,
/// <see cref="ColorizerOptions.Size"/>, a model file's header "input_size", model convert --input-size, the web
/// page's size): a multiple of 8 (the network halves the picture three times) from <see cref="Min"/> to
/// <see cref="Max"/> (a 4096 x 4096 input is 256 times the paper's work and memory). Two stricter maxima stand
/// beside it here: what a model file's header may ask for on its own (<see cref="MaxFromHeader"/>: a file from
/// elsewhere must not make a small picture cost gigabytes), and the web page's range (<see cref="PageMin"/> to
/// <see cref="PageMax"/>: one request of a page server that several people share stays within its memory).
/// (SOM + MLP's working size, 0 meaning the picture's own, is another value: <see cref="Som.SomMlpModel"/>.)
/// </summary>
public static class NetworkInputSize
{
    /// <summary>The smallest size.</summary>
    public const int Min = 8;

    /// <summary>The largest size.</summary>
    public const int Max = 4096;

    /// <summary>The largest size a model file's header may ask for when no size is given.</summary>
    public const int MaxFromHeader = 1024;

    /// <summary>The web page's smallest size.</summary>
    public const int PageMin = 32;

    /// <summary>The web page's largest size.</summary>
    public const int PageMax = 1024;

    /// <summary>Whether <paramref name="size"/> is a multiple of 8 from <paramref name="min"/> to <paramref name="max"/> (a header's number may be any double).</summary>
    public static bool IsValid(double size, int min = Min, int max = Max) => size >= min && size <= max && size % 8 == 0;

    /// <summary>"a multiple of 8 from 8 to 4096": the rule in words, for messages in other forms (a model file's header).</summary>
    public static string Range(int min = Min, int max = Max) => $"a multiple of 8 from {min} to {max}";

    /// <summary><paramref name="size"/> when allowed, else a one-line user error naming <paramref name="what"/> (e.g. "--size").</summary>
    public static int Check(long size, string what = "--size", int min = Min, int max = Max) =>
        IsValid(size, min, max) ? (int)size
        : throw new UserErrorException($"{what} {size.ToString(System.Globalization.CultureInfo.InvariantCulture)}: must be {Range(min, max)}");
}

/// <summary>
/// The one rule for how many pictures a colourizer runs at once (colorize --batch, <see cref="ColorizerOptions.Batch"/>,
/// the frame pipeline): at least 1. (Training's photos per step are another value, checked with the run.)
/// </summary>
public static class BatchSize
{
    /// <summary><paramref name="batch"/> when allowed (null: the colourizer's preference), else a one-line user error naming <paramref name="what"/>.</summary>
    public static int? Check(int? batch, string what = "--batch") =>
        batch is < 1 ? throw new UserErrorException($"{what} {batch}: must be at least 1") : batch;
}
