using System.Text.Json;
using ColorKernels.Engine;
using ColorKernels.Engine.Models;

namespace ColorKernels.Host.Files;

/// <summary>
/// Reads colour hints for <c>colorize --hints</c>: <c>{"hints": [{"x": 120, "y": 48, "color": "#c03020", "size": 3}]}</c>,
/// x and y the centre pixel in the input picture (origin top-left), the colour's chroma used (its lightness
/// is the picture's), size the side of the square in pixels (default 1, at most 64), at most
/// <see cref="ColorHint.MaxHints"/> hints. Every problem is one line naming the file and the entry.
/// </summary>
/// <remarks>
/// The document is walked by hand rather than deserialised into records, for the messages: JsonSerializer
/// stops at its first problem in document order and reports it as a JsonException in its own words ("The
/// JSON value could not be converted to System.Nullable`1[System.Int32]. Path: $.hints[3].x | LineNumber:
/// ..."), reads "x": null as a missing x, and finds missing required properties only after the whole object,
/// all in one sentence; getting "hint 3: \"x\" must be a whole number" back would mean parsing its paths and
/// messages. The count limit also comes first here, before any entry is looked at. And the web demo passes
/// its request's "hints" array in as a JsonElement (<see cref="Hints"/>), so the element walk stays either way.
/// </remarks>
public static class HintFiles
{
    /// <summary>Larger hint files are refused unread (10,000 hints take well under 1 MB).</summary>
    public const long MaxBytes = 4 << 20;

    /// <summary>The hints in <paramref name="path"/>, checked against a <paramref name="width"/> x <paramref name="height"/> picture.</summary>
    public static IReadOnlyList<ColorHint> Read(string path, int width, int height)
    {
        var file = new FileInfo(path);
        if (!file.Exists)
            throw new UserErrorException($"'{path}': no such hints file");
        if (file.Length > MaxBytes)
            throw new UserErrorException($"'{path}': {file.Length:N0} bytes, over the {MaxBytes:N0} a hints file may have");
        return Parse(File.ReadAllBytes(path), $"'{path}'", width, height);
    }

    /// <summary>The hints of a JSON document (as a hints file holds), checked against the picture; <paramref name="name"/> starts every message.</summary>
    public static IReadOnlyList<ColorHint> Parse(byte[] json, string name, int width, int height)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw new UserErrorException($"{name}: not valid JSON ({Cli.OneLine(e.Message.Split('.')[0])})");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("hints", out JsonElement list) || list.ValueKind != JsonValueKind.Array)
                throw new UserErrorException($"{name}: expected {{\"hints\": [{{\"x\": 10, \"y\": 20, \"color\": \"#c03020\", \"size\": 3}}, ...]}}");
            return Hints(list, name, width, height);
        }
    }

    /// <summary>The hints of a JSON array of hint objects, checked against the picture.</summary>
    public static IReadOnlyList<ColorHint> Hints(JsonElement list, string name, int width, int height)
    {
        int count = list.GetArrayLength();
        if (count > ColorHint.MaxHints)
            throw new UserErrorException($"{name}: {count} hints, at most {ColorHint.MaxHints}");
        var hints = new List<ColorHint>(count);
        int index = 0;
        foreach (JsonElement entry in list.EnumerateArray())
        {
            string where = $"{name}: hint {index}";
            if (entry.ValueKind != JsonValueKind.Object)
                throw new UserErrorException($"{where}: expected an object with x, y, color and optionally size");
            int x = Whole(entry, "x", where, required: true)!.Value, y = Whole(entry, "y", where, required: true)!.Value;
            int size = Whole(entry, "size", where, required: false) ?? 1;
            if (!entry.TryGetProperty("color", out JsonElement color) || color.ValueKind != JsonValueKind.String)
                throw new UserErrorException($"{where}: \"color\" must be a string such as \"#c03020\"");
            ColorHint hint;
            try
            {
                hint = ColorHint.FromColor(x, y, Text(color, "\"color\""), size);
                hint.Check(width, height);
            }
            catch (UserErrorException e)
            {
                throw new UserErrorException($"{where}: {Cli.OneLine(e.Message)}");
            }
            hints.Add(hint);
            index++;
        }
        return hints;
    }

    /// <summary>A JSON string's text; one whose bytes are not valid UTF-8 (the reader finds out only when asked) is a user error.</summary>
    public static string Text(JsonElement value, string what)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new UserErrorException($"{what} is not valid UTF-8");
        }
    }

    private static int? Whole(JsonElement entry, string name, string where, bool required)
    {
        if (!entry.TryGetProperty(name, out JsonElement value))
            return required ? throw new UserErrorException($"{where}: \"{name}\" is missing") : null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int n))
            throw new UserErrorException($"{where}: \"{name}\" must be a whole number");
        return n;
    }
}
