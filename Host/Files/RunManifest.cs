using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ColorKernels.Engine;

namespace ColorKernels.Host.Files;

/// <summary>One input's line in a run manifest: what happened to it, where, with what (issue #30).</summary>
public sealed record ManifestEntry
{
    /// <summary>The input's full path (empty for an input that named nothing, such as a glob that matched no file).</summary>
    public required string Input { get; init; }

    /// <summary>The output's full path (empty when none was planned).</summary>
    public string Output { get; init; } = "";

    /// <summary>done, partial (written from a film cut short, with --allow-partial), skipped (the output exists) or failed.</summary>
    public required string Status { get; init; }

    /// <summary>The one-line reason of a failure, or a partial film's warning.</summary>
    public string? Reason { get; init; }

    /// <summary>Seconds the input took (0 for skipped and plan failures).</summary>
    public double Seconds { get; init; }

    /// <summary>Frames written (1 for a picture).</summary>
    public int Frames { get; init; }

    public string Model { get; init; } = "";

    /// <summary>SHA-256 of the model as colorkernels writes it (a .ckm it wrote: the file's own); empty without a model.</summary>
    public string ModelSha256 { get; init; } = "";

    public string Device { get; init; } = "";

    /// <summary>--shard's i/n, or empty.</summary>
    public string Shard { get; init; } = "";

    public string Host { get; init; } = "";

    /// <summary>When the line was written (UTC, ISO 8601).</summary>
    public DateTime Time { get; init; }
}

/// <summary>
/// A run manifest: a JSON Lines file to which a run appends one <see cref="ManifestEntry"/> per input as it
/// finishes, flushed line by line (a killed task loses at most the input in flight). Several runs may append to
/// one file in turn (a rerun after a pre-emption, a retry); a task of a job array should have its own file,
/// since appends from several machines to one shared file may interleave. The reader takes the last line of
/// each input as its state.
/// </summary>
public sealed class RunManifest : IDisposable
{
    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly FileStream stream;
    private readonly ManifestEntry context;

    private RunManifest(FileStream stream, ManifestEntry context)
    {
        this.stream = stream;
        this.context = context;
    }

    public string Path => stream.Name;

    /// <summary>The device the run colours on (known once it opens, after the manifest is checked).</summary>
    public string Device { get; set; } = "";

    /// <summary>
    /// Opens <paramref name="path"/> for appending (created if missing; its folder must exist); <paramref name="context"/>
    /// gives the fields every line shares (model, checksum, device, shard, host). A path that cannot be written is a usage error.
    /// </summary>
    public static RunManifest Open(string path, ManifestEntry context)
    {
        string full = System.IO.Path.GetFullPath(path);
        if (Directory.Exists(full))
            throw new UsageException($"--manifest '{path}': is a folder; give a file such as run.jsonl");
        string folder = System.IO.Path.GetDirectoryName(full)!;
        if (!Directory.Exists(folder))
            throw new UsageException($"--manifest '{path}': its folder does not exist; create it first");
        try
        {
            var stream = new FileStream(full, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
            return new RunManifest(stream, context);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--manifest '{path}': cannot write it ({Engine.Imaging.AtomicFile.Describe(e)})");
        }
    }

    /// <summary>Appends one input's line (the shared fields and the time filled in) and flushes it to the system.</summary>
    public void Record(string input, string output, string status, string? reason = null, double seconds = 0, int frames = 0)
    {
        ManifestEntry entry = context with
        {
            Device = Device, Input = input, Output = output, Status = status, Reason = reason, Seconds = Math.Round(seconds, 3), Frames = frames, Time = DateTime.UtcNow,
        };
        byte[] line = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(entry, Json) + "\n");
        lock (stream)
        {
            // One write a line: appends of whole lines do not interleave with another process's on a local disk.
            stream.Write(line);
            stream.Flush();
        }
    }

    /// <summary>Every entry of the manifests, in order; a line that is not an entry is a one-line user error naming the file and line.</summary>
    public static List<ManifestEntry> Read(IEnumerable<string> paths)
    {
        var entries = new List<ManifestEntry>();
        foreach (string path in paths)
        {
            if (!File.Exists(path))
                throw new UserErrorException($"'{path}': no such manifest");
            int number = 0;
            foreach (string line in File.ReadLines(path))
            {
                number++;
                if (line.Length == 0)
                    continue;
                ManifestEntry? entry;
                try
                {
                    entry = JsonSerializer.Deserialize<ManifestEntry>(line, Json);
                }
                catch (JsonException e)
                {
                    throw new UserErrorException($"'{path}' line {number}: not a manifest entry ({Cli.OneLine(e.Message.Split('.')[0])})");
                }
                if (entry is null || entry.Status is not ("done" or "partial" or "skipped" or "failed"))
                    throw new UserErrorException($"'{path}' line {number}: not a manifest entry (status must be done, partial, skipped or failed)");
                entries.Add(entry);
            }
        }
        return entries;
    }

    /// <summary>
    /// Each named input's state: its latest line, except that a 'skipped' line (the output existed, as it does
    /// after a requeued or resubmitted task) does not replace the line that says how the output was made.
    /// </summary>
    public static List<ManifestEntry> States(IEnumerable<ManifestEntry> entries)
    {
        var latest = new Dictionary<string, ManifestEntry>(StringComparer.Ordinal);
        foreach (ManifestEntry e in entries.Where(e => e.Input.Length > 0).OrderBy(e => e.Time))
            if (!(e.Status == "skipped" && latest.TryGetValue(e.Input, out ManifestEntry? seen) && seen.Status is "done" or "partial"))
                latest[e.Input] = e;
        return latest.Values.ToList();
    }

    public void Dispose() => stream.Dispose();
}
