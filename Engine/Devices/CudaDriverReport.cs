using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using ILGPU.Backends.PTX;
using ILGPU.Runtime.Cuda;

namespace ColorKernels.Engine.Devices;

/// <summary>One CUDA device as the driver itself describes it.</summary>
internal sealed record CudaDriverDevice(int Ordinal, string Name, int Major, int Minor);

/// <summary>
/// What this machine says about an NVIDIA driver, read directly (files, PATH, and the driver library through
/// its C API), without ILGPU. ILGPU 1.5.3 swallows every CUDA error while listing devices, so when it lists
/// none this report is how <c>devices</c> says why. Built by <see cref="Read"/>, or by hand in tests to
/// simulate a broken machine.
/// </summary>
internal sealed record CudaDriverReport
{
    /// <summary>Evidence of an NVIDIA driver: "/proc/driver/nvidia (580.159)", "nvidia-smi on PATH", ...</summary>
    public IReadOnlyList<string> Signs { get; init; } = Array.Empty<string>();

    /// <summary>Every library name or path tried, with the loader's error or "loaded".</summary>
    public IReadOnlyList<string> LoadAttempts { get; init; } = Array.Empty<string>();

    /// <summary>The name or path that loaded, or null when none did.</summary>
    public string? Library { get; init; }

    /// <summary>A driver entry point the loaded library lacks (then it is not a CUDA driver).</summary>
    public string? MissingEntryPoint { get; init; }

    /// <summary>cuInit's result code (0 is success), with its name where the driver gives one.</summary>
    public int? InitResult { get; init; }

    public string? InitResultName { get; init; }

    /// <summary>The driver's CUDA version as cuDriverGetVersion reports it (13000 is 13.0).</summary>
    public int? DriverVersion { get; init; }

    public int? DeviceCount { get; init; }

    public IReadOnlyList<CudaDriverDevice> Devices { get; init; } = Array.Empty<CudaDriverDevice>();

    /// <summary>Whether anything says an NVIDIA driver is meant to be here.</summary>
    public bool DriverExpected => Signs.Count > 0 || Library is not null;

    /// <summary>"13.0" from 13000.</summary>
    public static string FormatVersion(int version) =>
        string.Create(CultureInfo.InvariantCulture, $"{version / 1000}.{version % 1000 / 10}");

    /// <summary>
    /// Names tried for the driver library, in order: <c>COLORKERNELS_CUDA_LIBRARY</c> alone when set (a user
    /// who names a library means that one), else the unversioned and versioned sonames and the folders
    /// drivers are mounted in by container runtimes, WSL and distributions.
    /// </summary>
    public static IReadOnlyList<string> LibraryCandidates()
    {
        string? chosen = Environment.GetEnvironmentVariable(LibraryVariable);
        if (!string.IsNullOrWhiteSpace(chosen))
            return new[] { chosen };
        if (OperatingSystem.IsWindows())
            return new[] { "nvcuda.dll" };
        return new[]
        {
            "libcuda.so", "libcuda.so.1",
            "/usr/lib/x86_64-linux-gnu/libcuda.so.1", "/usr/lib/aarch64-linux-gnu/libcuda.so.1", "/usr/lib64/libcuda.so.1",
            "/usr/local/nvidia/lib64/libcuda.so.1", "/usr/lib/wsl/lib/libcuda.so.1",
        };
    }

    /// <summary>The environment variable that names the CUDA driver library when it is somewhere the loader does not look.</summary>
    public const string LibraryVariable = "COLORKERNELS_CUDA_LIBRARY";

    /// <summary>Looks for an NVIDIA driver and asks it, if one loads, for its version and devices.</summary>
    public static CudaDriverReport Read()
    {
        var signs = new List<string>();
        if (File.Exists("/proc/driver/nvidia/version"))
            signs.Add("/proc/driver/nvidia" + KernelModuleVersion("/proc/driver/nvidia/version"));
        if (File.Exists("/dev/nvidiactl"))
            signs.Add("/dev/nvidiactl");
        if (OnPath("nvidia-smi") is { } smi)
            signs.Add(smi);
        if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(LibraryVariable)))
            signs.Add(LibraryVariable + " is set");

        var attempts = new List<string>();
        foreach (string name in LibraryCandidates())
        {
            (IntPtr handle, string? error) = NativeLibraryFallback.TryLoad(name);
            attempts.Add(name + ": " + (error ?? "loaded"));
            if (handle != IntPtr.Zero)
                return Ask(handle) with { Signs = signs, LoadAttempts = attempts, Library = name };
        }
        return new CudaDriverReport { Signs = signs, LoadAttempts = attempts };
    }

    private static string KernelModuleVersion(string path)
    {
        try
        {
            // "NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.159  ..."
            string first = File.ReadLines(path).FirstOrDefault() ?? "";
            string? version = first.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .FirstOrDefault(w => w.Count(c => c == '.') >= 1 && char.IsDigit(w[0]) && w.All(c => char.IsDigit(c) || c == '.'));
            return version is null ? "" : $" (kernel module {version})";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static string? OnPath(string program)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, program);
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }

    /// <summary>cuInit, cuDriverGetVersion, cuDeviceGetCount and each device's name and compute capability.</summary>
    private static unsafe CudaDriverReport Ask(IntPtr library)
    {
        IntPtr Export(string name) => NativeLibrary.TryGetExport(library, name, out IntPtr address) ? address : IntPtr.Zero;
        foreach (string name in new[] { "cuInit", "cuDriverGetVersion", "cuDeviceGetCount", "cuDeviceGet", "cuDeviceGetAttribute", "cuDeviceGetName" })
            if (Export(name) == IntPtr.Zero)
                return new CudaDriverReport { MissingEntryPoint = name };

        var cuInit = (delegate* unmanaged<uint, int>)Export("cuInit");
        var cuDriverGetVersion = (delegate* unmanaged<int*, int>)Export("cuDriverGetVersion");
        var cuDeviceGetCount = (delegate* unmanaged<int*, int>)Export("cuDeviceGetCount");
        var cuDeviceGet = (delegate* unmanaged<int*, int, int>)Export("cuDeviceGet");
        var cuDeviceGetAttribute = (delegate* unmanaged<int*, int, int, int>)Export("cuDeviceGetAttribute");
        var cuDeviceGetName = (delegate* unmanaged<byte*, int, int, int>)Export("cuDeviceGetName");
        IntPtr errorNameExport = Export("cuGetErrorName");

        int version = 0;
        int? driverVersion = cuDriverGetVersion(&version) == 0 ? version : null;
        int init = cuInit(0);
        string? initName = null;
        if (init != 0 && errorNameExport != IntPtr.Zero)
        {
            byte* text = null;
            if (((delegate* unmanaged<int, byte**, int>)errorNameExport)(init, &text) == 0 && text != null)
                initName = Marshal.PtrToStringUTF8((IntPtr)text);
        }
        var report = new CudaDriverReport { InitResult = init, InitResultName = initName, DriverVersion = driverVersion };
        if (init != 0)
            return report;

        int count = 0;
        if (cuDeviceGetCount(&count) != 0)
            return report;
        var devices = new List<CudaDriverDevice>();
        byte* nameBuffer = stackalloc byte[256];
        for (int i = 0; i < count; i++)
        {
            int device = 0, major = 0, minor = 0;
            if (cuDeviceGet(&device, i) != 0)
                continue;
            // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75, _MINOR = 76.
            cuDeviceGetAttribute(&major, 75, device);
            cuDeviceGetAttribute(&minor, 76, device);
            string deviceName = cuDeviceGetName(nameBuffer, 256, device) == 0 ? Marshal.PtrToStringUTF8((IntPtr)nameBuffer) ?? "?" : "?";
            devices.Add(new CudaDriverDevice(i, deviceName.Trim(), major, minor));
        }
        return report with { DeviceCount = count, Devices = devices };
    }

    /// <summary>
    /// Why CUDA is unusable here, in one line, for a machine where ILGPU listed no CUDA device; null when
    /// nothing suggests a driver (then there is nothing to explain).
    /// </summary>
    public string? ExplainMissing()
    {
        if (!DriverExpected)
            return null;
        var text = new StringBuilder();
        string signs = Signs.Count > 0 ? $"NVIDIA driver signs ({string.Join(", ", Signs)})" : "a driver library";
        if (Library is null)
            return $"{signs} but no CUDA driver library loads (tried {string.Join("; ", LoadAttempts)})";
        if (MissingEntryPoint is not null)
            return $"{Library} loads but is not a CUDA driver library (no {MissingEntryPoint})";
        string driver = DriverVersion is { } v ? $"driver CUDA {FormatVersion(v)}" : "driver version unknown";
        if (InitResult is not 0)
            return $"{Library} ({driver}): cuInit failed with {InitResultName ?? "error"} ({InitResult})" +
                (InitResult == 100 ? ": no CUDA device visible to this process (CUDA_VISIBLE_DEVICES, container device mounts)" : "");
        if (DeviceCount is null or 0)
            return $"{Library} ({driver}) reports no CUDA device";
        text.Append(CultureInfo.InvariantCulture, $"{Library} ({driver}), {DeviceCount} device(s): ");
        text.Append(string.Join("; ", Devices.Select(d => $"{d.Name}, compute capability {d.Major}.{d.Minor}, " +
            PtxChoice.Describe(d.Major, d.Minor, DriverVersion ?? 0))));
        text.Append("; yet ILGPU listed no CUDA device (run with --verbose)");
        return text.ToString();
    }

    /// <summary>Writes the report to System.Diagnostics.Trace (stderr under --verbose).</summary>
    public void TraceTo()
    {
        Trace.WriteLine($"cuda: signs: {(Signs.Count == 0 ? "none" : string.Join(", ", Signs))}");
        foreach (string attempt in LoadAttempts)
            Trace.WriteLine($"cuda: load {attempt}");
        if (DriverVersion is { } v)
            Trace.WriteLine($"cuda: driver CUDA {FormatVersion(v)}, cuInit {InitResultName ?? InitResult?.ToString(CultureInfo.InvariantCulture)}, devices {DeviceCount?.ToString(CultureInfo.InvariantCulture) ?? "?"}");
        foreach (CudaDriverDevice d in Devices)
            Trace.WriteLine($"cuda: device {d.Ordinal}: {d.Name}, compute capability {d.Major}.{d.Minor}, {PtxChoice.Describe(d.Major, d.Minor, DriverVersion ?? 0)}");
    }
}

/// <summary>
/// The PTX that ILGPU 1.5.3 emits for a card, worked out with ILGPU's own rules (so it cannot drift from
/// what will run): the target is the lowest architecture that has every capability ILGPU uses, capped at
/// the card's (sm_80 for a 9.0 card), and the instruction set the newest one ILGPU knows whose minimum
/// driver the installed driver meets (8.8 on a 12.9 or 13.x driver).
/// </summary>
internal static class PtxChoice
{
    /// <summary>The target and instruction set for compute capability <paramref name="major"/>.<paramref name="minor"/> on a driver (13000 = 13.0); null parts where ILGPU has none.</summary>
    public static (CudaArchitecture? Target, CudaInstructionSet? InstructionSet) For(int major, int minor, int driverVersion)
    {
        if (!CudaDevice.TryGetArchitecture(major, minor, out CudaArchitecture architecture))
            return (null, null);
        CudaArchitecture target = new CudaCapabilityContext(architecture).TargetArchitecture;
        return CudaAccelerator.TryGetInstructionSet(target, CudaDriverVersion.FromValue(driverVersion), out _, out CudaInstructionSet isa)
            ? (target, isa)
            : (target, null);
    }

    /// <summary>
    /// The instruction set to retry with when the default one fails: the oldest that ILGPU knows and that
    /// can target <paramref name="target"/>. Drivers accept every older PTX version, so this is the one most
    /// likely to load; null when it is no older than <paramref name="failed"/>.
    /// </summary>
    public static CudaInstructionSet? Fallback(CudaArchitecture target, CudaInstructionSet failed)
    {
        CudaDriverVersion needed = CudaDriverVersionUtils.GetMinimumDriverVersion(target);
        CudaInstructionSet? oldest = PTXCodeGenerator.SupportedInstructionSets
            .Where(isa => CudaDriverVersionUtils.GetMinimumDriverVersion(isa) >= needed)
            .Cast<CudaInstructionSet?>()
            .OrderBy(isa => isa!.Value)
            .FirstOrDefault();
        return oldest is { } o && o < failed ? o : null;
    }

    /// <summary>"ILGPU emits PTX 8.8 for sm_80", or why it emits none.</summary>
    public static string Describe(int major, int minor, int driverVersion)
    {
        (CudaArchitecture? target, CudaInstructionSet? isa) = For(major, minor, driverVersion);
        if (target is null)
            return $"not supported by ILGPU 1.5.3 (needs compute capability 3.0 or above)";
        if (isa is null)
            return $"no PTX version ILGPU 1.5.3 knows runs on driver CUDA {CudaDriverReport.FormatVersion(driverVersion)} (needs at least {CudaDriverVersionUtils.GetMinimumDriverVersion(target.Value)})";
        return $"ILGPU emits PTX {isa} for {target.Value.ToString().ToLowerInvariant()}";
    }
}
