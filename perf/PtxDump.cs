using System.Globalization;
using ColorKernels.Engine;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Launch;
using ILGPU.Runtime.Cuda;

namespace ColorKernels.Perf;

/// <summary>
/// <c>Perf ptx --out DIR [--arch 9.0] [--driver 13.0]</c>: writes every kernel's PTX, one file each, as
/// ILGPU will compile it for the first usable CUDA device (its architecture, driver and instruction set,
/// retry included), or for the card and driver named (default 9.0 on 13.0: the GPU machine). Fails on an
/// unresolved <c>.extern</c>. perf/gpu/device-checks.sh then assembles each file with ptxas.
/// </summary>
public static class PtxDump
{
    public static int Run(string[] args)
    {
        string? outDir = null;
        int major = 9, minor = 0, driver = 13000;
        bool named = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--out": outDir = args[++i]; break;
                case "--arch": (major, minor) = Version(args[++i]); named = true; break;
                case "--driver":
                    (int dMajor, int dMinor) = Version(args[++i]);
                    driver = dMajor * 1000 + dMinor * 10;
                    named = true;
                    break;
                default:
                    Console.Error.WriteLine($"perf ptx: unknown argument '{args[i]}' (--out DIR, --arch 9.0, --driver 13.0)");
                    return 2;
            }
        }
        if (outDir is null)
        {
            Console.Error.WriteLine("perf ptx: --out DIR is required");
            return 2;
        }

        CudaInstructionSet? isa = null;
        string source = "named";
        if (!named)
        {
            using DeviceCatalog catalog = DeviceCatalog.Discover();
            if (catalog.Entries.FirstOrDefault(e => e.Usable && e.Device is CudaDevice) is { Device: CudaDevice cuda } entry)
            {
                (major, minor) = (cuda.Architecture!.Value.Major, cuda.Architecture.Value.Minor);
                driver = cuda.DriverVersion;
                isa = cuda.InstructionSet;
                source = entry.Id + " " + entry.Name;
            }
            else
            {
                source = "no usable CUDA device here: the GPU machine's 9.0 card on driver 13.0";
            }
        }

        try
        {
            using var compiler = new PtxCompiler(major, minor, driver, isa);
            Directory.CreateDirectory(outDir);
            Console.WriteLine($"ptx: compute capability {major}.{minor}, driver CUDA {CudaDriverReport.FormatVersion(driver)} ({source}): " +
                $"PTX {compiler.InstructionSet} for {compiler.Target.ToString().ToLowerInvariant()}");
            int failed = 0;
            foreach (var kernel in PtxCompiler.AllKernels)
            {
                string name = PtxCompiler.NameOf(kernel);
                string ptx = compiler.Compile(kernel);
                File.WriteAllText(Path.Combine(outDir, name + ".ptx"), ptx);
                if (PtxCompiler.Externs(ptx) is { Length: > 0 } externs)
                {
                    Console.WriteLine($"ptx: {name}: unresolved {string.Join("; ", externs)}");
                    failed++;
                }
            }
            Console.WriteLine($"ptx: {PtxCompiler.AllKernels.Count} kernels written to {outDir}, {failed} with unresolved externs");
            return failed == 0 ? 0 : 1;
        }
        catch (UserErrorException e)
        {
            Console.Error.WriteLine("perf ptx: error: " + e.Message);
            return 1;
        }
    }

    private static (int Major, int Minor) Version(string text)
    {
        string[] parts = text.Split('.');
        return (int.Parse(parts[0], CultureInfo.InvariantCulture), parts.Length > 1 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : 0);
    }
}
