using System.Runtime.InteropServices;
using ColorKernels.Engine.Devices;
using ColorKernels.Tests.Cli;
using Xunit;

namespace ColorKernels.Tests.Devices;

/// <summary>
/// The CUDA start-up path, tested without a GPU: the native-library fallback with a made-up library name,
/// and a machine whose NVIDIA driver is there but whose CUDA fails, simulated at each step where it can fail.
/// </summary>
public partial class CudaStartupTests
{
    private const string FakeZlib = "colorkernels-fallback-test-z";

    [LibraryImport(FakeZlib, EntryPoint = "zlibVersion")]
    private static partial IntPtr ZlibVersion();

    [Fact]
    public void A_library_missing_under_its_import_name_is_found_under_a_fallback_name()
    {
        // As ILGPU imports "cuda" and Linux has only libcuda.so.1: the import name does not exist, the
        // fallback list names one that does not either, then the real one.
        NativeLibraryFallback.Add(FakeZlib, new[] { "libcolorkernels-no-such-library.so.9", "libz.so.1" });
        string? version = Marshal.PtrToStringUTF8(ZlibVersion());
        Assert.StartsWith("1.", version);
        IReadOnlyList<string> attempts = NativeLibraryFallback.Attempts(FakeZlib);
        Assert.Equal(2, attempts.Count);
        Assert.Contains("cannot open shared object file", attempts[0]);
        Assert.Equal("libz.so.1: loaded", attempts[1]);
    }

    [Fact]
    public void The_loader_error_keeps_the_loaders_words_only()
    {
        (IntPtr handle, string? error) = NativeLibraryFallback.TryLoad("/nonexistent/libcuda.so.1");
        Assert.Equal(IntPtr.Zero, handle);
        Assert.Equal("cannot open shared object file: No such file or directory", error);
    }

    private static readonly string[] Signs = { "/proc/driver/nvidia (kernel module 580.159)", "/usr/bin/nvidia-smi" };

    public static IEnumerable<object[]> BrokenMachines => new[]
    {
        new object[] { new CudaDriverReport { Signs = Signs, LoadAttempts = new[] { "libcuda.so: cannot open shared object file", "libcuda.so.1: cannot open shared object file" } },
            "no CUDA driver library loads (tried libcuda.so: cannot open shared object file; libcuda.so.1: cannot open shared object file)" },
        new object[] { new CudaDriverReport { Signs = Signs, Library = "libcuda.so.1", MissingEntryPoint = "cuInit" },
            "libcuda.so.1 loads but is not a CUDA driver library (no cuInit)" },
        new object[] { new CudaDriverReport { Signs = Signs, Library = "libcuda.so.1", DriverVersion = 13000, InitResult = 100, InitResultName = "CUDA_ERROR_NO_DEVICE" },
            "libcuda.so.1 (driver CUDA 13.0): cuInit failed with CUDA_ERROR_NO_DEVICE (100): no CUDA device visible" },
        new object[] { new CudaDriverReport { Signs = Signs, Library = "libcuda.so.1", DriverVersion = 13000, InitResult = 0, DeviceCount = 0 },
            "libcuda.so.1 (driver CUDA 13.0) reports no CUDA device" },
        new object[] { new CudaDriverReport { Signs = Signs, Library = "libcuda.so.1", DriverVersion = 13000, InitResult = 0, DeviceCount = 1,
                Devices = new[] { new CudaDriverDevice(0, "NVIDIA H200", 9, 0) } },
            "NVIDIA H200, compute capability 9.0, ILGPU emits PTX 8.8 for sm_80; yet ILGPU listed no CUDA device" },
        new object[] { new CudaDriverReport { Signs = Signs, Library = "libcuda.so.1", DriverVersion = 10020, InitResult = 0, DeviceCount = 1,
                Devices = new[] { new CudaDriverDevice(0, "NVIDIA H100", 9, 0) } },
            "no PTX version ILGPU 1.5.3 knows runs on driver CUDA 10.2" },
    };

    [Theory]
    [MemberData(nameof(BrokenMachines))]
    public void Devices_lists_an_unusable_cuda_row_that_says_why(object simulated, string expected)
    {
        var machine = (CudaDriverReport)simulated;   // object: the report type is internal to the engine
        using DeviceCatalog catalog = DeviceCatalog.DiscoverWith(cudaReport: () => machine);
        DeviceEntry cuda = Assert.Single(catalog.Entries, e => e.Kind == DeviceKind.Cuda);
        Assert.False(cuda.Usable);
        Assert.Contains(expected, cuda.UnusableReason);
        Assert.Equal("cpu:0", catalog.Select(DeviceSpec.Auto).Id);
        var error = Assert.ThrowsAny<Engine.UserErrorException>(() => catalog.Select(DeviceSpec.Parse("cuda")));
        Assert.Contains("cannot be used: ", error.Message);
        Assert.Contains(cuda.UnusableReason!, Host.Commands.DevicesCommand.Format(catalog));
    }

    [Fact]
    public void A_machine_without_signs_of_an_NVIDIA_driver_gets_no_cuda_row()
    {
        var none = new CudaDriverReport { LoadAttempts = new[] { "libcuda.so: cannot open shared object file" } };
        Assert.Null(none.ExplainMissing());
        using DeviceCatalog catalog = DeviceCatalog.DiscoverWith(cudaReport: () => none);
        Assert.DoesNotContain(catalog.Entries, e => e.Kind == DeviceKind.Cuda);
    }

    [Theory]
    [InlineData("/nonexistent/libcuda.so.1", "no CUDA driver library loads (tried /nonexistent/libcuda.so.1: cannot open shared object file")]
    [InlineData("libz.so.1", "libz.so.1 loads but is not a CUDA driver library (no cuInit)")]
    public void The_real_cli_explains_a_broken_driver_library_and_still_runs_on_the_CPU(string library, string expected)
    {
        var environment = new Dictionary<string, string> { [CudaDriverReport.LibraryVariable] = library };
        CliRunner.Result result = CliRunner.RunWith(environment, Path.GetTempPath(), "devices", "--verbose");
        Assert.Equal(0, result.ExitCode);
        string cudaRow = Assert.Single(result.Stdout.Split('\n'), l => l.Contains("cuda:0", StringComparison.Ordinal));
        Assert.Contains("unusable: ", cudaRow);
        Assert.Contains(expected, cudaRow);
        Assert.Contains("--device auto picks cpu:0", result.Stdout);
        Assert.Contains("cuda: load " + library, result.Stderr);   // --verbose: the driver probe's trace

        CliRunner.Result forced = CliRunner.RunWith(environment, Path.GetTempPath(), "devices", "--device", "cuda");
        Assert.Equal(2, forced.ExitCode);   // devices lists them all and takes no --device; a command that opens one must refuse it:
        CliRunner.Result desaturate = CliRunner.RunWith(environment, Path.GetTempPath(), "desaturate", "--device", "cuda", "x.png", "-o", "y.png");
        Assert.Equal(1, desaturate.ExitCode);
        Assert.Contains("--device cuda: (NVIDIA driver) cannot be used: ", desaturate.Stderr);
        Assert.DoesNotContain("   at ", desaturate.Stderr);
    }
}

public class RequiredDeviceTests
{
    [Fact]
    public void Requiring_a_missing_kind_adds_a_case_that_fails_with_the_devices_reason()
    {
        using DeviceCatalog catalog = DeviceCatalog.DiscoverWith(cudaReport: () => new CudaDriverReport
        {
            Signs = new[] { "/usr/bin/nvidia-smi" }, LoadAttempts = new[] { "libcuda.so: cannot open shared object file" },
        });
        // The machine's own GPUs left out (on the GPU machine CUDA and OpenCL are usable), a CUDA entry that
        // failed put in: the rule is what is checked, on any machine.
        DeviceEntry[] entries = catalog.Entries.Where(e => e.Kind == DeviceKind.Cpu)
            .Append(new DeviceEntry(DeviceKind.Cuda, 0, "NVIDIA (driver not loadable)", 0, 0, 0, 0, "libcuda.so: cannot open shared object file", null))
            .ToArray();
        Assert.Equal(new[] { "cpu:0" }, Support.TestDevices.WithRequired(null, entries));
        Assert.Equal(new[] { "cpu:0" }, Support.TestDevices.WithRequired("cpu", entries));
        Assert.Equal(new[] { "cpu:0", "cuda:0" }, Support.TestDevices.WithRequired("cuda", entries));
        Assert.Equal(new[] { "cpu:0", "cuda:0", "opencl:0" }, Support.TestDevices.WithRequired(" CUDA , opencl", entries));
        var missing = Assert.Throws<InvalidOperationException>(() => Support.TestDevices.Get("cuda:99"));
        Assert.Contains("requires cuda:99, which is not usable here", missing.Message);
    }
}
