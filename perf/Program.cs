using ColorKernels.Engine;
using ColorKernels.Engine.Devices;
using ColorKernels.Perf.Ops;

// Benchmarks: dotnet run -c Release --project perf -- [--device auto|cuda|cpu] [--filter NAME] [--size WxH]
// Each benchmark validates its variants, then prints a table with the device named and ratios against a
// baseline timed in the same run. Record results in perf/NOTES.md.
string deviceSpec = "auto", filter = "*";
int width = 2048, height = 2048;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--device": deviceSpec = args[++i]; break;
        case "--filter": filter = args[++i]; break;
        case "--size":
            string[] parts = args[++i].Split('x');
            width = int.Parse(parts[0]);
            height = int.Parse(parts[1]);
            break;
        default:
            Console.Error.WriteLine($"perf: unknown argument '{args[i]}' (--device, --filter lab|lab-sweep|*, --size WxH)");
            return 2;
    }
}

try
{
    using ComputeDevice device = ComputeDevice.Open(deviceSpec);
    Console.WriteLine($"# perf on {device.Description}, {Environment.ProcessorCount} host cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
    bool Wants(string name) => filter == "*" || filter == name;
    if (Wants("lab"))
        LabBench.Run(device, width, height, Console.Out);
    if (Wants("lab-sweep"))
        LabBench.Sweep(device, Console.Out);
    return 0;
}
catch (UserErrorException e)
{
    Console.Error.WriteLine("perf: error: " + e.Message);
    return 1;
}
