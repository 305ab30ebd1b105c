using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace ColorKernels.Engine.Devices;

/// <summary>
/// Second-chance names for native libraries that a <c>[DllImport]</c> cannot find under its own name.
/// ILGPU imports the CUDA driver as <c>cuda</c>, which .NET on Linux looks for as <c>libcuda.so</c>; many
/// containers and minimal driver installs ship only <c>libcuda.so.1</c>, and then ILGPU quietly drops CUDA.
/// This hooks <see cref="AssemblyLoadContext.ResolvingUnmanagedDll"/>, which .NET raises only after its
/// own probing (and any resolver an assembly set, such as ILGPU's own under WSL) has failed, so it never
/// replaces a resolver, only adds a last try. Every attempt and its error is kept for diagnostics.
/// </summary>
internal static class NativeLibraryFallback
{
    private static readonly Dictionary<string, string[]> Candidates = new(StringComparer.Ordinal);
    private static readonly Dictionary<string, List<string>> AttemptLog = new(StringComparer.Ordinal);
    private static bool hooked;

    /// <summary>Adds (or replaces) the names tried, in order, when <paramref name="libraryName"/> is not found.</summary>
    public static void Add(string libraryName, IEnumerable<string> candidates)
    {
        lock (Candidates)
        {
            Candidates[libraryName] = candidates.ToArray();
            if (!hooked)
            {
                AssemblyLoadContext.Default.ResolvingUnmanagedDll += Resolve;
                hooked = true;
            }
        }
    }

    /// <summary>What the fallback tried for <paramref name="libraryName"/>: "name: loaded" or "name: error", in order.</summary>
    public static IReadOnlyList<string> Attempts(string libraryName)
    {
        lock (Candidates)
            return AttemptLog.TryGetValue(libraryName, out List<string>? log) ? log.ToArray() : Array.Empty<string>();
    }

    private static IntPtr Resolve(Assembly assembly, string libraryName)
    {
        string[]? names;
        lock (Candidates)
            if (!Candidates.TryGetValue(libraryName, out names))
                return IntPtr.Zero;
        var log = new List<string>();
        IntPtr found = IntPtr.Zero;
        foreach (string name in names)
        {
            (IntPtr handle, string? error) = TryLoad(name);
            log.Add(name + ": " + (error ?? "loaded"));
            if (handle != IntPtr.Zero)
            {
                found = handle;
                break;
            }
        }
        lock (Candidates)
            AttemptLog[libraryName] = log;
        return found;
    }

    /// <summary>Loads a native library by name or path; the handle, or zero and the loader's error in one line
    /// (without the name, which the caller knows: "cannot open shared object file: No such file or directory").</summary>
    public static (IntPtr Handle, string? Error) TryLoad(string name)
    {
        try
        {
            return (NativeLibrary.Load(name), null);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException or ArgumentException)
        {
            string error = LoaderError(e.Message);
            return (IntPtr.Zero, error.StartsWith(name + ": ", StringComparison.Ordinal) ? error[(name.Length + 2)..] : error);
        }
    }

    /// <summary>
    /// The loader's own words (dlerror's "libcuda.so: cannot open shared object file: No such file or
    /// directory") without .NET's paragraph of advice around them.
    /// </summary>
    internal static string LoaderError(string message)
    {
        string line = DeviceCatalog.OneLine(message);
        const string marker = "LD_DEBUG environment variable:";
        int at = line.LastIndexOf(marker, StringComparison.Ordinal);
        return at >= 0 ? line[(at + marker.Length)..].Trim() : line;
    }
}
