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
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full) ?? ".";
        string temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(folder);
            Temporaries[temp] = 0;
            produce(temp);
            File.Move(temp, full, overwrite: true);
            Temporaries.TryRemove(temp, out _);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw new UserErrorException($"cannot write '{path}': {Describe(e)}", e);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    internal static string Describe(Exception e) => e switch
    {
        UnauthorizedAccessException => "permission denied",
        DirectoryNotFoundException => "the folder does not exist or is not a folder",
        PathTooLongException => "path too long",
        _ => e.Message,
    };

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
