using ColorKernels.Engine;
using ColorKernels.Engine.Devices;
using ColorKernels.Perf.Quality;
using ColorKernels.Perf.Speed;
using ColorKernels.Perf;

// PTX of every kernel, for CUDA's ptxas on the GPU machine: dotnet run --project perf -- ptx --out DIR [--arch 9.0 --driver 13.0]
// Benchmarks: dotnet run -c Release --project perf -- [--device auto|cuda|cpu]
//   [--filter lab|lab-sweep|som|conv|conv-shapes|forward|train-step|ops|video|video-quality|film-steering|film-steering-speed|film-aligned|hints|hints-object|old-film|hint-solve|palette|serve|video-profile|flow] [--size WxH (lab, video, video-profile)]
//   [--op PREFIX (ops: the cases of tests/Ops/OpCases.cs whose id starts with it, e.g. BatchNorm. or "Conv2d.Forward 2x")]
//   [--net-size N --batch N --widths 0.25,1 (forward, train-step, conv-shapes)]
//   [--conv direct|gemm|tiled|tiled-large: the convolution variant every benchmark uses (conv-shapes: the only one timed)]
// Each benchmark validates its variants, then prints a table with the device named and ratios against a
// baseline timed in the same run. Record results in perf/NOTES.md.
if (args is ["ptx", ..])
    return PtxDump.Run(args[1..]);

string deviceSpec = "auto", filter = "*";
int width = 2048, height = 2048, netSize = 256, batch = 1;
bool sizeGiven = false;
double[]? netWidths = null;
ConvAlgorithm? conv = null;
string? data = null, op = null;
int limit = 20;
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
            sizeGiven = true;
            break;
        case "--net-size": netSize = int.Parse(args[++i]); break;
        case "--data": data = args[++i]; break;
        case "--op": op = args[++i]; break;
        case "--limit": limit = int.Parse(args[++i]); break;
        case "--batch": batch = int.Parse(args[++i]); break;
        case "--conv":
            if (!ConvAlgorithmNames.All.TryGetValue(args[++i], out ConvAlgorithm chosenConv))
            {
                Console.Error.WriteLine($"perf: --conv {args[i]}: expected {ConvAlgorithmNames.Listed}");
                return 2;
            }
            conv = chosenConv;
            break;
        case "--widths": netWidths = args[++i].Split(',').Select(w => double.Parse(w, System.Globalization.CultureInfo.InvariantCulture)).ToArray(); break;
        default:
            Console.Error.WriteLine($"perf: unknown argument '{args[i]}' (--device, --filter lab|lab-sweep|som|conv|conv-shapes|forward|train-step|ops|video|video-quality|film-steering|film-steering-speed|film-aligned|hints|hints-object|old-film|hint-solve|palette|serve|video-profile|flow|*, --op PREFIX, --size WxH, --net-size N, --batch N, --widths 0.25,1, --conv direct|gemm|tiled|tiled-large)");
            return 2;
    }
}

try
{
    using ComputeDevice device = ComputeDevice.Open(deviceSpec);
    Console.WriteLine($"# perf on {device.Description}, {Environment.ProcessorCount} host cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
    if (conv is { } chosen)
        device.ConvAlgorithm = chosen;
    Console.WriteLine($"# convolutions: {device.ConvAlgorithm}");
    bool Wants(string name) => filter == "*" || filter == name;
    if (Wants("lab"))
        LabBench.Run(device, width, height, Console.Out);
    if (Wants("lab-sweep"))
        LabBench.Sweep(device, Console.Out);
    if (Wants("som"))
        SomBench.Run(device, Console.Out);
    if (filter == "som-reference")
    {
        // Reference mode's settings against variants of them (docs/som-mlp.md): each row one change.
        var baseSettings = ColorKernels.Engine.Som.ReferenceColorizer.Settings;
        int size = ColorKernels.Engine.Som.ReferenceColorizer.DefaultWorkingSize, steps = ColorKernels.Engine.Som.ReferenceColorizer.DefaultSteps;
        ColorKernels.Engine.Som.SomMlpSettings Default(int _) => baseSettings(size, steps, null);
        var variants = new List<(string, Func<int, ColorKernels.Engine.Som.SomMlpSettings>, float)>
        {
            ("default (4x4, 7x7, 64-64, T 0.38)", Default, 0.38f),
            ("arg-max decoding (T 0)", Default, 0f),
            ("T 1 (expected codeword)", Default, 1f),
            ("no rebalancing", _ => Default(0) with { Rebalance = null }, 0.38f),
            ("3x3 map", _ => Default(0) with { GridW = 3, GridH = 3 }, 0.38f),
            ("2x2 map", _ => Default(0) with { GridW = 2, GridH = 2 }, 0.38f),
            ("6x6 map", _ => Default(0) with { GridW = 6, GridH = 6 }, 0.38f),
            ("5x5 patches", _ => Default(0) with { Patch = 5 }, 0.38f),
            ("11x11 patches", _ => Default(0) with { Patch = 11 }, 0.38f),
            ("working size 256", _ => baseSettings(256, steps, null), 0.38f),
            ("1600 steps", _ => baseSettings(size, 1600, null), 0.38f),
            ("context patch x4", _ => Default(0) with { Context = 4 }, 0.38f),
            ("context patch x8", _ => Default(0) with { Context = 8 }, 0.38f),
        };
        variants = Harness.Chosen(variants, v => v.Item1);
        SomReferenceBench.Run(device, data ?? throw new UserErrorException("som-reference needs --data FOLDER"), limit, variants, Console.Out);
    }
    if (filter == "video")
        VideoBench.Run(device, Console.Out, sizeGiven ? (width, height) : null);
    if (filter is "film-aligned")
        FilmSteeringBench.RunAligned(device, Console.Out);
    if (filter is "film-steering" or "film-steering-speed")
        FilmSteeringBench.Run(device, Console.Out, speedOnly: filter == "film-steering-speed");
    if (filter == "serve")
        ServeLoadBench.Run(device, Console.Out);
    if (filter == "hints")
        HintQualityBench.Run(device, data ?? throw new UserErrorException("hints needs --data FOLDER (colour photos)"), limit, Console.Out);
    if (filter == "hints-object")
        HintObjectBench.Run(device, data ?? throw new UserErrorException("hints-object needs --data FOLDER (colour photos)"), limit, Console.Out);
    if (filter == "old-film")
        OldFilmBench.Run(device, data ?? throw new UserErrorException("old-film needs --data FOLDER (colour photos of at least the clips' size: perf/large-photos.sh)"), limit, Console.Out);
    if (filter == "video-profile")
        ColorKernels.Perf.Speed.VideoProfileBench.Run(device, Console.Out, sizeGiven ? width : 1280, sizeGiven ? height : 720);
    if (filter == "hint-solve")
        ColorKernels.Perf.Speed.HintSolveBench.Run(device, Console.Out);
    if (filter == "flow")
        ColorKernels.Perf.Speed.FlowBench.Run(device, Console.Out);
    if (filter == "palette")
        PaletteQualityBench.Run(device, data ?? throw new UserErrorException("palette needs --data FOLDER (colour photos)"), limit, Console.Out);
    if (filter == "video-quality")
        VideoQualityBench.Run(device, data ?? throw new UserErrorException("video-quality needs --data FOLDER (colour photos)"), limit, Console.Out);
    if (filter == "ops")
        OpTableBench.Run(device, op, Console.Out);
    if (Wants("conv"))
        ConvBench.Run(device, Console.Out);
    if (Wants("conv-shapes"))
    {
        // The CPU accelerator's default is a small width: width 1 is ~30 GFLOP of convolutions a picture.
        ConvAlgorithm[] variants = conv is { } one ? new[] { one }
            : device.Kind == DeviceKind.Cpu ? new[] { ConvAlgorithm.LoweredGemm, ConvAlgorithm.Direct } : new[] { ConvAlgorithm.Direct, ConvAlgorithm.TiledGemm, ConvAlgorithm.TiledGemmLarge, ConvAlgorithm.TiledGemmAuto };
        foreach (double w in netWidths ?? (device.Kind == DeviceKind.Cpu ? new[] { 0.125 } : new[] { 1.0 }))
            ConvShapesBench.Run(device, w, netSize, batch, variants, Console.Out);
    }
    if (Wants("forward"))
    {
        // Width 1 at 256 x 256 is 83.5 GFLOP a picture: minutes on the CPU accelerator, so the CPU default is small widths.
        double[] widths = netWidths ?? (device.Kind == DeviceKind.Cpu ? new[] { 0.125, 0.25 } : new[] { 0.25, 1.0 });
        ForwardBench.Run(device, widths, netSize, batch, Console.Out);
    }
    if (Wants("train-step"))
    {
        double[] widths = netWidths ?? (device.Kind == DeviceKind.Cpu ? new[] { 0.125 } : new[] { 0.25, 1.0 });
        TrainStepBench.Run(device, widths, netSize == 256 ? 176 : netSize, batch, Console.Out);
    }
    return 0;
}
catch (UserErrorException e)
{
    Console.Error.WriteLine("perf: error: " + e.Message);
    return 1;
}
