using System.Globalization;
using ColorKernels.Engine.Models;
using Microsoft.AspNetCore.Http;

namespace ColorKernels.Host.Serve;

/// <summary>The API's query parameters, each read and checked; a bad one is a one-line 400 naming it and what it takes.</summary>
internal static class DemoQuery
{
    /// <summary>The request's decode temperature under the engine's one rule (<see cref="DecodeTemperature"/>), or null.</summary>
    public static float? Temperature(IQueryCollection query)
    {
        if (query["temperature"].FirstOrDefault() is not { Length: > 0 } text)
            return null;
        if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) || !DecodeTemperature.IsValid(value))
            throw new DemoException(400, FormattableString.Invariant($"temperature '{text}': expected 0 (each pixel's most likely colour) or a number from {DecodeTemperature.Min} to {DecodeTemperature.Max}"));
        return value;
    }

    /// <summary>The number <paramref name="name"/> from <paramref name="min"/> to <paramref name="max"/>, or null when it is not given.</summary>
    public static float? Number(IQueryCollection query, string name, float min, float max)
    {
        if (query[name].FirstOrDefault() is not { Length: > 0 } text)
            return null;
        if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) || !float.IsFinite(value) || value < min || value > max)
            throw new DemoException(400, FormattableString.Invariant($"{name} '{text}': expected a number from {min} to {max}"));
        return value;
    }

    /// <summary>
    /// size: a whole number, or null when it is not given. Its range is the engine's one rule for a network input
    /// size at the page's limits, applied where the colourizer is chosen (<see cref="DemoModel.At"/>).
    /// </summary>
    public static int? Size(IQueryCollection query)
    {
        if (query["size"].FirstOrDefault() is not { Length: > 0 } text)
            return null;
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value
            : throw new DemoException(400, $"size '{text}': expected a whole number, a multiple of 8 from {NetworkInputSize.PageMin} to {NetworkInputSize.PageMax}");
    }

    /// <summary>format: "png" (the default) or "jpeg" (also "jpg").</summary>
    public static string Format(IQueryCollection query) => (query["format"].FirstOrDefault() ?? "png").ToLowerInvariant() switch
    {
        "png" => "png",
        "jpeg" or "jpg" => "jpeg",
        var other => throw new DemoException(400, $"format '{other}': png or jpeg"),
    };

    /// <summary>grids: one to four SOM grids WxH with sides from 1 to 8 (default 2x2,3x3).</summary>
    public static List<(int, int)> Grids(IQueryCollection query)
    {
        string[] names = (query["grids"].FirstOrDefault() ?? "2x2,3x3").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var grids = new List<(int, int)>();
        foreach (string name in names)
        {
            string[] parts = name.Split('x');
            if (parts.Length != 2 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out int w) || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out int h)
                || w is < 1 or > 8 || h is < 1 or > 8)
                throw new DemoException(400, $"grid '{name}': WxH with sides from 1 to 8, e.g. 2x2,3x3");
            grids.Add((w, h));
        }
        if (grids.Count is 0 or > 4)
            throw new DemoException(400, "grids: one to four maps, e.g. 2x2,3x3");
        return grids;
    }
}
