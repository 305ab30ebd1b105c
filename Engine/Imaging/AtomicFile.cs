namespace ColorKernels.Engine.Imaging;

/// <summary>
/// Writes a file so that readers see either the old file or the complete new one: the bytes go to a
/// temporary file in the target folder, which is then renamed over the target (atomic on one file system).
/// </summary>
internal static class AtomicFile
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> Temporaries = new();

    /// <summary>
    /// Writes the file; its folder is created first if missing (so a run that writes nothing leaves no empty
    /// folders behind).
    /// </summary>
    public static void Write(string path, Action<Stream> write) => WriteByPath(path, temp =>
    {
        using var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        write(stream);
        stream.Flush(flushToDisk: true);
    });

    /// <summary>
    /// Writes the file by path (another program may write it): <paramref name="produce"/> gets the temporary
    /// file's path in the target folder (it must create that file), which is renamed over the target when it
    /// returns; when it throws, the temporary file is deleted. The folder is created first if missing.
    /// </summary>
    public static void WriteByPath(string path, Action<string> produce)
    {
        using Pending file = Begin(path);
        try
        {
            produce(file.Temporary);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw file.Failure(e);
        }
        file.Commit();
    }

    /// <summary>
    /// Starts writing <paramref name="path"/> by a temporary file in its folder (created if missing), for a
    /// writer that outlives one call (a video's encoder): <see cref="Pending.Commit"/> renames it over the
    /// target; disposing it uncommitted deletes it.
    /// </summary>
    public static Pending Begin(string path) => new(path);

    /// <summary>A file being written under a temporary name (see <see cref="Begin"/>).</summary>
    public sealed class Pending : IDisposable
    {
        private readonly string path, full;
        private bool committed;

        internal Pending(string path)
        {
            this.path = path;
            full = Path.GetFullPath(path);
            string folder = Path.GetDirectoryName(full) ?? ".";
            Temporary = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
            try
            {
                Directory.CreateDirectory(folder);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Failure(e);
            }
            Temporaries[Temporary] = 0;
        }

        /// <summary>The temporary file's path, in the target's folder.</summary>
        public string Temporary { get; }

        /// <summary>Renames the temporary file over the target.</summary>
        public void Commit()
        {
            try
            {
                File.Move(Temporary, full, overwrite: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Failure(e);
            }
            Temporaries.TryRemove(Temporary, out _);
            committed = true;
        }

        /// <summary>A one-line error for a failed write of the target.</summary>
        public UserErrorException Failure(Exception e) => new($"cannot write '{path}': {Describe(e)}", e);

        public void Dispose()
        {
            if (!committed)
                TryDelete(Temporary);
        }
    }

    /// <summary>A write failure in plain words, with no path in it (the caller names the output; a temporary file's name means nothing to a user).</summary>
    internal static string Describe(Exception e) => e switch
    {
        UnauthorizedAccessException => "permission denied",
        DirectoryNotFoundException => "the folder does not exist or is not a folder",
        PathTooLongException => "path too long",
        FileNotFoundException => "this folder does not take new files",
        IOException when e.Message.Contains("Read-only file system", StringComparison.OrdinalIgnoreCase) => "read-only file system",
        IOException when e.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase) => "no space left on the device",
        IOException when e.Message.Contains("Disk quota", StringComparison.OrdinalIgnoreCase) => "disk quota exceeded",
        IOException when e.Message.Contains("already exists", StringComparison.OrdinalIgnoreCase) => "a file is in the way where a folder must be",
        IOException when e.Message.Contains("Not a directory", StringComparison.OrdinalIgnoreCase) => "a file is in the way where a folder must be",
        _ => Plain(e.Message),
    };

    /// <summary>.NET's message without the " : 'path'" it appends, lower-cased at the start and without a final stop.</summary>
    private static string Plain(string message)
    {
        string text = System.Text.RegularExpressions.Regex.Replace(message, @"\s*:\s*'[^']*'\s*$", "").Trim().TrimEnd('.');
        text = System.Text.RegularExpressions.Regex.Replace(text, @"'[^']*\.tmp'", "the output");
        return text.Length > 0 ? char.ToLowerInvariant(text[0]) + text[1..] : "unknown error";
    }

    /// <summary>
    /// Deletes every temporary file a write in progress has made: called when the process is about to be
    /// stopped by a signal, so that an interrupted run leaves nothing behind.
    /// </summary>
    public static void DeleteTemporaries()
    {
        foreach (string temp in Temporaries.Keys)
            TryDelete(temp);
    }

    private static void TryDelete(string path)
    {
        Temporaries.TryRemove(path, out _);
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Nothing more can be done; the target itself was not touched.
        }
    }
}
