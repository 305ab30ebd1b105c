using System.Text.RegularExpressions;
using ColorKernels.Engine.Files;
using ColorKernels.Engine.Imaging;

namespace ColorKernels.Host.Files;

/// <summary>An input picture and the path of its output relative to the output folder.</summary>
public sealed record InputFile(string FullPath, string RelativeOutput);

/// <summary>
/// Expands command-line inputs: files as given; folders recursively (files with an image extension);
/// globs with <c>*</c>, <c>?</c> and <c>**</c> (for shells that pass them through quoted). Outputs keep
/// the path below the folder or glob base, so a folder tree is mirrored.
/// </summary>
public static class InputFiles
{
    /// <param name="Notes">Entries skipped on purpose (links back to a folder already searched, FIFOs, devices): warnings, not failures.</param>
    public sealed record Expansion(IReadOnlyList<InputFile> Files, IReadOnlyList<string> Errors, bool SingleFile, IReadOnlyList<string> Notes);

    /// <summary>Expands files, folders and globs into input files; <paramref name="accept"/> picks a folder's files (default: pictures by extension).</summary>
    public static Expansion Expand(IEnumerable<string> arguments, Func<string, bool>? accept = null)
    {
        accept ??= ImageIO.HasImageExtension;
        var files = new List<InputFile>();
        var errors = new List<string>();
        var notes = new List<string>();
        // By identity (device, inode), so that one file reached by two paths (links) is processed once.
        var seen = new HashSet<(ulong, ulong, string?)>();
        int argumentCount = 0;
        bool onlyFile = true;
        void Add(string path, string relative)
        {
            string full = Path.GetFullPath(path);
            if (seen.Add(FileStatus.Of(full).Identity))
                files.Add(new InputFile(full, relative));
        }

        foreach (string argument in arguments)
        {
            argumentCount++;
            FileStatus status = argument.Length == 0 ? default : FileStatus.Of(argument);
            if (status.Kind == FileKind.Regular)
            {
                Add(argument, Path.GetFileName(argument));
            }
            else if (status.Kind is FileKind.Fifo or FileKind.Socket or FileKind.CharacterDevice or FileKind.BlockDevice or FileKind.Other)
            {
                errors.Add($"'{argument}': {status.KindName}, not a regular file");
            }
            else if (status.Kind == FileKind.Directory)
            {
                onlyFile = false;
                List<string> found = FileWalk.Files(argument, accept, notes);
                if (found.Count == 0)
                    errors.Add($"'{argument}': folder holds no image files ({string.Join(", ", ImageIO.Extensions)})");
                foreach (string file in found)
                    Add(file, Path.GetRelativePath(argument, file));
            }
            else if (argument.IndexOfAny(new[] { '*', '?' }) >= 0)
            {
                onlyFile = false;
                var (root, pattern) = SplitGlob(argument);
                List<string> found = Directory.Exists(root)
                    ? FileWalk.Files(root, f => pattern.IsMatch(Path.GetRelativePath(root, f).Replace('\\', '/')), notes)
                    : new List<string>();
                if (found.Count == 0)
                    errors.Add($"'{argument}': no file matches");
                foreach (string file in found)
                    Add(file, Path.GetRelativePath(root, file));
            }
            else
            {
                errors.Add(argument.Contains('\uFFFD')
                    ? $"'{argument}': no such file or folder as named (a name with bytes that are not valid UTF-8 reaches this tool changed, and it cannot open it: rename the file)"
                    : $"'{argument}': no such file or folder");
            }
        }
        return new Expansion(files, errors, onlyFile && argumentCount == 1 && files.Count == 1, notes);
    }

    /// <summary>Splits "photos/2024/**/*.jpg" into the folder without wildcards ("photos/2024") and a regex for the rest.</summary>
    internal static (string Root, Regex Pattern) SplitGlob(string glob)
    {
        string[] parts = glob.Replace('\\', '/').Split('/');
        int firstWild = Array.FindIndex(parts, p => p.IndexOfAny(new[] { '*', '?' }) >= 0);
        string root = string.Join('/', parts[..firstWild]);
        if (root.Length == 0)
            root = glob.StartsWith('/') ? "/" : ".";
        var regex = new System.Text.StringBuilder("^");
        string[] rest = parts[firstWild..];
        for (int i = 0; i < rest.Length; i++)
        {
            if (rest[i] == "**")
            {
                regex.Append(i == rest.Length - 1 ? ".*" : "(?:.*/)?");
                continue;
            }
            foreach (char c in rest[i])
                regex.Append(c switch
                {
                    '*' => "[^/]*",
                    '?' => "[^/]",
                    _ => Regex.Escape(c.ToString()),
                });
            if (i < rest.Length - 1)
                regex.Append('/');
        }
        return (root, new Regex(regex.Append('$').ToString(), RegexOptions.CultureInvariant));
    }
}
