namespace ColorKernels.Engine.Files;

/// <summary>
/// Walks a folder tree for the files a command should read, safely on shared and hostile trees: each real
/// folder is searched once (a link back to a folder already searched, which would loop for ever, is
/// skipped with a note), each real file is listed once however many links reach it, and FIFOs, sockets
/// and devices are skipped with a note (reading a FIFO blocks until a writer comes). Hidden and
/// unreadable entries are skipped silently. The order is the sorted (ordinal) order of paths.
/// </summary>
internal static class FileWalk
{
    /// <summary>Every regular file under <paramref name="root"/> that <paramref name="wanted"/> accepts; notes about skipped entries go to <paramref name="notes"/>.</summary>
    public static List<string> Files(string root, Func<string, bool> wanted, ICollection<string>? notes = null)
    {
        var found = new List<string>();
        var seenFolders = new HashSet<(ulong, ulong, string?)>();
        var seenFiles = new HashSet<(ulong, ulong, string?)>();
        var stack = new Stack<string>();
        string top = Path.GetFullPath(root);
        seenFolders.Add(FileStatus.Of(top).Identity);
        stack.Push(top);
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = false,
            IgnoreInaccessible = true,
            AttributesToSkip = FileAttributes.Hidden | FileAttributes.System,
        };
        while (stack.Count > 0)
        {
            string folder = stack.Pop();
            string[] entries;
            try
            {
                entries = Directory.EnumerateFileSystemEntries(folder, "*", options).Order(StringComparer.Ordinal).ToArray();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                notes?.Add($"'{folder}': cannot be listed ({e.Message}), skipped");
                continue;
            }
            var subfolders = new List<string>();
            int unreadableNames = 0;
            foreach (string entry in entries)
            {
                FileStatus status = FileStatus.Of(entry);
                // .NET reads a name that is not valid UTF-8 with U+FFFD in place of its bad bytes, and that
                // name opens nothing: say so rather than skip it without a word.
                if (status.Kind == FileKind.Missing && Path.GetFileName(entry).Contains('\uFFFD'))
                {
                    unreadableNames++;
                    continue;
                }
                switch (status.Kind)
                {
                    case FileKind.Directory:
                        if (seenFolders.Add(status.Identity))
                            subfolders.Add(entry);
                        else
                            notes?.Add($"'{entry}': a link to a folder already searched, skipped");
                        break;
                    case FileKind.Regular:
                        if (wanted(entry) && seenFiles.Add(status.Identity))
                            found.Add(entry);
                        break;
                    case FileKind.Missing:
                        break;   // a dangling link, or gone since listed
                    default:
                        if (wanted(entry))
                            notes?.Add($"'{entry}': {status.KindName}, not a regular file, skipped");
                        break;
                }
            }
            if (unreadableNames > 0)
                notes?.Add($"'{folder}': {unreadableNames} entr{(unreadableNames == 1 ? "y" : "ies")} whose name{(unreadableNames == 1 ? " is" : "s are")} not valid UTF-8 skipped (this tool cannot open such names: rename them)");
            // Depth first, in sorted order.
            for (int i = subfolders.Count - 1; i >= 0; i--)
                stack.Push(subfolders[i]);
        }
        return found.Order(StringComparer.Ordinal).ToList();
    }
}
