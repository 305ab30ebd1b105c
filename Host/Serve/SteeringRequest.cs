using System.Text.Json;
using ColorKernels.Engine.Models;
using ColorKernels.Host.Files;

namespace ColorKernels.Host.Serve;

/// <summary>
/// The JSON body that steers a kept picture (POST /api/colorize?picture=ID, Content-Type application/json):
/// {"hints": [{"x", "y", "color", "size"}] (as colorize --hints reads), "palette": "#aa3322,#334455" or
/// [{"a", "b", "weight"}] (as POST /api/palette gives), "paletteStrength": 0-10}. Each problem is one line (400).
/// </summary>
/// <remarks>
/// Read by walking a <see cref="JsonDocument"/>, not by deserialising into records, because the messages
/// would be worse: (1) the hints go through the walk a --hints file goes through (<see cref="HintFiles.Hints"/>),
/// whose messages name the entry and the field ("hints: hint 3: \"x\" must be a whole number", "\"x\" is
/// missing"), where System.Text.Json (tried on .NET 10) says "The JSON value could not be converted to Hint.
/// Path: $.hints[3].x | LineNumber: 0 | BytePositionInLine: 20." and "JSON deserialization for type 'Hint' was
/// missing required properties including: 'x'." (no entry named), and the page shows the message as it is;
/// (2) "palette" is a string or a list, which a record can hold only as a <see cref="JsonElement"/> (or behind
/// a converter that would be this walk again); (3) the list lengths (hints, palette colours) are checked before
/// any entry is read, where the serializer reads every entry first and would report a bad entry of an
/// over-long list instead; (4) "weight": null is refused, where a <c>double?</c> would take it for no weight.
/// </remarks>
internal static class SteeringRequest
{
    /// <summary>The hints and palette of a steering body, checked against a <paramref name="width"/> x <paramref name="height"/> picture; each problem a <see cref="DemoException"/> (400).</summary>
    public static (IReadOnlyList<ColorHint>? Hints, ColorPalette? Palette) Parse(byte[] json, int width, int height)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw new DemoException(400, $"the steering body is not valid JSON ({e.Message.Split('.')[0]})");
        }
        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new DemoException(400, "the steering body: expected {\"hints\": [...], \"palette\": ...}");
            IReadOnlyList<ColorHint>? hints = null;
            if (root.TryGetProperty("hints", out JsonElement list) && list.ValueKind != JsonValueKind.Null)
                hints = list.ValueKind == JsonValueKind.Array ? HintFiles.Hints(list, "hints", width, height)
                    : throw new DemoException(400, "hints: expected a list [{\"x\": 10, \"y\": 20, \"color\": \"#c03020\", \"size\": 3}, ...]");
            ColorPalette? palette = null;
            if (root.TryGetProperty("palette", out JsonElement given) && given.ValueKind != JsonValueKind.Null)
                palette = Palette(given);
            if (root.TryGetProperty("paletteStrength", out JsonElement strength) && strength.ValueKind != JsonValueKind.Null)
            {
                if (palette is null)
                    throw new DemoException(400, "paletteStrength: no palette to steer with");
                palette = strength.ValueKind == JsonValueKind.Number && strength.TryGetDouble(out double alpha) ? palette with { Strength = ColorPalette.CheckStrength(alpha, "paletteStrength") } : throw new DemoException(400, "paletteStrength: expected a number from 0 to 10");
            }
            return (hints, palette);
        }
    }

    /// <summary>"palette": a string of colours ("#aa3322,#334455") or a list of at most <see cref="ColorPalette.MaxColors"/> {"a", "b", "weight"}.</summary>
    private static ColorPalette Palette(JsonElement given) => given.ValueKind switch
    {
        JsonValueKind.String => ColorPalette.Parse(HintFiles.Text(given, "palette")),
        JsonValueKind.Array => ColorPalette.FromColors(Colours(given)),
        _ => throw new DemoException(400, "palette: expected \"#aa3322,#334455\" or [{\"a\": 40, \"b\": 30, \"weight\": 0.2}, ...]"),
    };

    /// <summary>A list's {"a", "b", "weight"} entries, its length checked first (ColorPalette's one rule for the count).</summary>
    private static List<PaletteColor> Colours(JsonElement list)
    {
        ColorPalette.CheckCount(list.GetArrayLength());
        return list.EnumerateArray().Select((c, i) =>
            c.ValueKind == JsonValueKind.Object && Number(c, "a") is { } av && Number(c, "b") is { } bv
            && (c.TryGetProperty("weight", out _) ? Number(c, "weight") : 1) is { } wv
                ? new PaletteColor((float)av, (float)bv, wv)
                : throw new DemoException(400, $"palette colour {i}: expected {{\"a\": 40, \"b\": 30, \"weight\": 0.2}}")).ToList();
    }

    /// <summary>A JSON object's number property, or null when it is missing or not a number.</summary>
    private static double? Number(JsonElement entry, string name) =>
        entry.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out double number) ? number : null;
}
