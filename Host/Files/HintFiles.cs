using System.Text.Json;
using ColorKernels.Engine;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Video;

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
    /// <summary>
    /// Larger hint files are refused unread: 10,000 hints take well under 1 MB; a film's keyframes file may carry its
    /// colour frames and palette photos inline as data URLs (the web page's export), a few MB each at full HD.
    /// </summary>
    public const long MaxBytes = 64 << 20;

    /// <summary>The hints in <paramref name="path"/>, checked against a <paramref name="width"/> x <paramref name="height"/> picture.</summary>
    public static IReadOnlyList<ColorHint> Read(string path, int width, int height) => Parse(Bytes(path), $"'{path}'", width, height);

    /// <summary>A hints file's bytes; a missing file, or one over <see cref="MaxBytes"/> (refused unread), is a user error.</summary>
    private static byte[] Bytes(string path)
    {
        var file = new FileInfo(path);
        if (!file.Exists)
            throw new UserErrorException($"'{path}': no such hints file");
        if (file.Length > MaxBytes)
            throw new UserErrorException($"'{path}': {file.Length:N0} bytes, over the {MaxBytes:N0} a hints file may have");
        return File.ReadAllBytes(path);
    }

    /// <summary>A JSON document (depth at most 8); bytes that are not JSON are a user error starting with <paramref name="name"/>.</summary>
    private static JsonDocument Document(byte[] json, string name)
    {
        try
        {
            return JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw new UserErrorException($"{name}: not valid JSON ({Cli.OneLine(e.Message.Split('.')[0])})");
        }
    }

    /// <summary>The hints of a JSON document (as a hints file holds), checked against the picture; <paramref name="name"/> starts every message.</summary>
    public static IReadOnlyList<ColorHint> Parse(byte[] json, string name, int width, int height)
    {
        using (JsonDocument document = Document(json, name))
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("hints", out JsonElement list) || list.ValueKind != JsonValueKind.Array)
                throw new UserErrorException($"{name}: expected {{\"hints\": [{{\"x\": 10, \"y\": 20, \"color\": \"#c03020\", \"size\": 3}}, ...]}}");
            return Hints(list, name, width, height);
        }
    }

    /// <summary>
    /// The keyframes of a film's hints file: <c>{"keyframes": [{"frame": 0, "hints": [...]}, {"time": "00:01:12.500",
    /// "hints": [...], "palette": "#aa3322,#334455"}]}</c>; each keyframe names a frame by its number from 0 or by
    /// its start time ("HH:MM:SS.mmm", "MM:SS.mmm" or seconds, a string or a number), gives hints as a picture's
    /// file does, and may give its shot a palette: "palette" (colours) or "paletteFrom" (a colour photo, its
    /// path relative to the file's folder), with "paletteStrength" (0 to 10, default 1), and reference photos:
    /// "reference" (a photo's path or a list of them, relative to the file's folder; a SOM + MLP model is fitted to
    /// them and colours the shot, as <c>colorize --reference</c> colours a whole film), and "colorFrame" (the path of a
    /// colour picture of that very frame, coloured by a person: <see cref="FilmKeyframe.ColorFrame"/>). Each picture
    /// may instead be given inline as a base64 data URL (the web page's export). A picture's file
    /// (<c>{"hints": [...]}</c>) is one keyframe on frame 0. Hint places are checked against the film's frames
    /// when the job takes the keyframes (<see cref="Engine.Frames.FrameJob.WithKeyframes"/>), with the frames and times.
    /// </summary>
    public static IReadOnlyList<FilmKeyframe> ReadKeyframes(string path, long maxPixels)
    {
        return ParseKeyframes(Bytes(path), $"'{path}'", Path.GetDirectoryName(Path.GetFullPath(path))!, maxPixels);
    }

    /// <summary>
    /// The keyframes of a JSON document (see <see cref="ReadKeyframes"/>); photos are found from <paramref name="folder"/>,
    /// or refused when <paramref name="folder"/> is null (the web page: a client must not name the server's files).
    /// </summary>
    public static IReadOnlyList<FilmKeyframe> ParseKeyframes(byte[] json, string name, string? folder, long maxPixels)
    {
        using (JsonDocument document = Document(json, name))
        {
            JsonElement root = document.RootElement;
            const string expected = "{\"keyframes\": [{\"frame\": 0, \"hints\": [{\"x\": 10, \"y\": 20, \"color\": \"#c03020\"}]}, {\"time\": \"00:01:12.500\", \"hints\": [...]}]}";
            if (root.ValueKind == JsonValueKind.Object && !root.TryGetProperty("keyframes", out _) && root.TryGetProperty("hints", out JsonElement only) && only.ValueKind == JsonValueKind.Array)
                return new[] { new FilmKeyframe { Frame = 0, Hints = Hints(only, name, int.MaxValue, int.MaxValue) } };
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("keyframes", out JsonElement list) || list.ValueKind != JsonValueKind.Array)
                throw new UserErrorException($"{name}: expected {expected}");
            int count = list.GetArrayLength();
            if (count == 0)
                throw new UserErrorException($"{name}: no keyframes");
            if (count > FilmKeyframe.MaxKeyframes)
                throw new UserErrorException($"{name}: {count} keyframes, at most {FilmKeyframe.MaxKeyframes}");
            var keyframes = new List<FilmKeyframe>(count);
            int index = 0, colorFrames = 0;
            foreach (JsonElement entry in list.EnumerateArray())
            {
                string where = $"{name}: keyframe {index}";
                if (entry.ValueKind != JsonValueKind.Object)
                    throw new UserErrorException($"{where}: expected an object with \"frame\" or \"time\", and \"hints\" or a palette");
                foreach (JsonProperty property in entry.EnumerateObject())
                {
                    string field;
                    try
                    {
                        field = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        // Found by the mutation test: the reader accepts the bytes and throws only when the name is read.
                        throw new UserErrorException($"{where}: a field's name is not valid UTF-8");
                    }
                    if (field is not ("frame" or "time" or "hints" or "palette" or "paletteFrom" or "paletteStrength" or "reference" or "colorFrame"))
                        throw new UserErrorException($"{where}: unknown field \"{Cli.OneLine(field)}\" (a keyframe has frame or time, hints, palette or paletteFrom, paletteStrength, reference, colorFrame)");
                }
                bool hasFrame = entry.TryGetProperty("frame", out _), hasTime = entry.TryGetProperty("time", out JsonElement time);
                if (hasFrame == hasTime)
                    throw new UserErrorException($"{where}: give \"frame\" (a number from 0) or \"time\" (\"HH:MM:SS.mmm\"), one of them");
                var keyframe = new FilmKeyframe();
                if (hasFrame)
                    keyframe = keyframe with { Frame = Whole(entry, "frame", where, required: true) };
                else if (time.ValueKind == JsonValueKind.String)
                    keyframe = keyframe with { Time = Time(Text(time, "\"time\""), where) };
                else if (time.ValueKind == JsonValueKind.Number && time.TryGetDouble(out double seconds))
                    keyframe = keyframe with { Time = Time(time.GetRawText(), where) };
                else
                    throw new UserErrorException($"{where}: \"time\" must be a string such as \"00:01:12.500\" or a number of seconds");
                if (entry.TryGetProperty("hints", out JsonElement hints))
                {
                    if (hints.ValueKind != JsonValueKind.Array)
                        throw new UserErrorException($"{where}: \"hints\" must be an array of hints");
                    keyframe = keyframe with { Hints = Hints(hints, where, int.MaxValue, int.MaxValue) };
                }
                double strength = ColorPalette.DefaultStrength;
                if (entry.TryGetProperty("paletteStrength", out JsonElement given))
                {
                    if (given.ValueKind != JsonValueKind.Number || !given.TryGetDouble(out strength))
                        throw new UserErrorException($"{where}: \"paletteStrength\" must be a number from 0 to 10");
                    Guarded(() => ColorPalette.CheckStrength(strength, "\"paletteStrength\""), where);
                }
                bool hasPalette = entry.TryGetProperty("palette", out JsonElement palette), hasPhoto = entry.TryGetProperty("paletteFrom", out JsonElement photo);
                if (hasPalette && hasPhoto)
                    throw new UserErrorException($"{where}: \"palette\" and \"paletteFrom\": give one of them");
                if (hasPalette)
                {
                    if (palette.ValueKind != JsonValueKind.String)
                        throw new UserErrorException($"{where}: \"palette\" must be a string such as \"#aa3322,#334455\"");
                    string colours = Text(palette, "\"palette\"");
                    keyframe = keyframe with { Palette = Guarded(() => ColorPalette.Parse(colours), where) with { Strength = strength } };
                }
                else if (hasPhoto)
                {
                    keyframe = keyframe with { PalettePhoto = Picture(photo, "paletteFrom", "a photo's path", "; give \"palette\" colours here", where, folder, maxPixels), PalettePhotoStrength = strength };
                }
                else if (entry.TryGetProperty("paletteStrength", out _))
                    throw new UserErrorException($"{where}: \"paletteStrength\" without \"palette\" or \"paletteFrom\"");
                if (entry.TryGetProperty("reference", out JsonElement reference))
                {
                    var (photos, pictures) = References(reference, where, folder, maxPixels);
                    keyframe = keyframe with { ReferencePhotos = photos, ReferencePictures = pictures };
                }
                if (entry.TryGetProperty("colorFrame", out JsonElement colorFrame))
                {
                    // Each is held in memory for the run: a bound on how many, as on everything a file can ask for.
                    if (++colorFrames > FilmKeyframe.MaxColorFrames)
                        throw new UserErrorException($"{where}: more than {FilmKeyframe.MaxColorFrames} colour frames in one film");
                    keyframe = keyframe with { ColorFrame = Picture(colorFrame, "colorFrame", "the path of a colour picture of that frame", "", where, folder, maxPixels) };
                }
                if (keyframe.Hints.Count == 0 && keyframe.Palette is null && keyframe.PalettePhoto is null && keyframe.ReferencePhotos is null && keyframe.ReferencePictures is null && keyframe.ColorFrame is null)
                    throw new UserErrorException($"{where}: no hints, no palette, no reference and no colour frame");
                keyframes.Add(keyframe);
                index++;
            }
            return keyframes;
        }
    }

    /// <summary>
    /// A keyframe's "reference": a colour photo's path or a list of 1 to 100 (relative to the file's
    /// <paramref name="folder"/>; refused without one, the page), or of pictures as data URLs (held in memory), one way
    /// or the other for the whole list.
    /// </summary>
    private static (IReadOnlyList<string>? Photos, IReadOnlyList<Engine.Imaging.ImageData>? Pictures) References(JsonElement reference, string where, string? folder, long maxPixels)
    {
        JsonElement[] names = reference.ValueKind == JsonValueKind.String ? new[] { reference }
            : reference.ValueKind == JsonValueKind.Array && reference.GetArrayLength() is > 0 and <= 100 && reference.EnumerateArray().All(r => r.ValueKind == JsonValueKind.String)
                ? reference.EnumerateArray().ToArray()
                : throw new UserErrorException($"{where}: \"reference\" must be a colour photo's path, or a list of 1 to 100 of them (or of pictures as data URLs)");
        int inline = names.Count(n => Text(n, "\"reference\"").StartsWith("data:", StringComparison.OrdinalIgnoreCase));
        if (inline == names.Length)
            return (null, names.Select(n => Picture(n, "reference", "a colour photo's path", "", where, folder, maxPixels)).ToList());
        if (inline > 0)
            throw new UserErrorException($"{where}: \"reference\" mixes paths and data URLs; give all of them one way");
        if (folder is null)
            throw new UserErrorException($"{where}: \"reference\" names files, which only the command line reads; give the photos as data URLs (\"data:image/jpeg;base64,...\")");
        var photos = new List<string>();
        foreach (JsonElement photoName in names)
        {
            string photoPath = Path.Combine(folder, Text(photoName, "\"reference\""));
            if (!File.Exists(photoPath))
                throw new UserErrorException($"{where}: \"reference\" '{Cli.OneLine(photoPath)}': no such file");
            photos.Add(Path.GetFullPath(photoPath));
        }
        return (photos, null);
    }

    /// <summary>
    /// A picture a keyframe's <paramref name="field"/> gives: inline as a data URL (<c>"data:image/png;base64,..."</c>,
    /// as the web page exports it: a keyframes file that carries its pictures), or by its path, relative to the file's
    /// <paramref name="folder"/>; loaded within <paramref name="maxPixels"/>. A path is refused, with
    /// <paramref name="pageAdvice"/>, where no folder is given (the page: a client must not name the server's files).
    /// </summary>
    private static Engine.Imaging.ImageData Picture(JsonElement value, string field, string expected, string pageAdvice, string where, string? folder, long maxPixels)
    {
        if (value.ValueKind != JsonValueKind.String)
            throw new UserErrorException($"{where}: \"{field}\" must be {expected} or the picture as a data URL (\"data:image/png;base64,...\")");
        string text = Text(value, $"\"{field}\"");
        if (text.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
            return Guarded(() => Engine.Imaging.ImageIO.Decode($"\"{field}\"'s data URL", DataUrl(text, $"\"{field}\""), maxPixels), where);
        if (folder is null)
            throw new UserErrorException($"{where}: \"{field}\" names a file, which only the command line reads; give the picture as a data URL (\"data:image/png;base64,...\"){pageAdvice}");
        string path = Path.Combine(folder, text);
        if (!File.Exists(path))
            throw new UserErrorException($"{where}: \"{field}\" '{Cli.OneLine(path)}': no such file");
        return Guarded(() => Engine.Imaging.ImageIO.Load(path, maxPixels), where);
    }

    /// <summary>
    /// The bytes of a base64 data URL holding a picture (<c>data:image/png;base64,...</c>; any image/* type: the decoder
    /// reads the bytes' own format and refuses what it does not know). Bounded by the document's own size
    /// (<see cref="MaxBytes"/>); each problem one line.
    /// </summary>
    internal static byte[] DataUrl(string text, string field)
    {
        int comma = text.IndexOf(',', StringComparison.Ordinal);
        string header = comma < 0 ? text : text[..comma];
        if (comma < 0 || !header.StartsWith("data:image/", StringComparison.OrdinalIgnoreCase) || !header.EndsWith(";base64", StringComparison.OrdinalIgnoreCase))
            throw new UserErrorException($"{field}: a data URL must be a base64 picture, \"data:image/png;base64,...\" (this one starts \"{Cli.OneLine(header.Length > 40 ? header[..40] + "..." : header)}\")");
        var bytes = new byte[(text.Length - comma - 1) / 4 * 3 + 3];
        if (!Convert.TryFromBase64Chars(text.AsSpan(comma + 1), bytes, out int written) || written == 0)
            throw new UserErrorException($"{field}: the data URL's base64 does not decode");
        return bytes[..written];
    }

    private static TimeSpan Time(string text, string where) => Guarded(() => FilmKeyframe.ParseTime(text, "\"time\""), where);

    /// <summary>Runs <paramref name="parse"/>, its user error prefixed with <paramref name="where"/>.</summary>
    private static T Guarded<T>(Func<T> parse, string where)
    {
        try
        {
            return parse();
        }
        catch (UserErrorException e)
        {
            throw new UserErrorException($"{where}: {Cli.OneLine(e.Message)}");
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
