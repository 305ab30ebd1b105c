using System.Diagnostics;
using ColorKernels.Engine;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Export;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

// dotnet run -c Release --project perf/OnnxBench -- [MODEL.ckm | default | --width W] [--size 256] [--batch 1]
// Exports the model to ONNX, checks that ONNX Runtime and ColorKernels agree, then times both forward
// passes (logits and ab) on the CPU in the same run and prints the ratio. Record results in perf/NOTES.md.
string? modelPath = null;
double width = 0.25;
int size = 256, batch = 1;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--width": width = double.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--size": size = int.Parse(args[++i]); break;
        case "--batch": batch = int.Parse(args[++i]); break;
        default: modelPath = args[i]; break;
    }
}
try
{
    ModelFile model = modelPath is null ? NetworkInit.Create(NetworkConfig.Eccv16(width), 1)
        : modelPath == "default" ? DefaultModel.Load() : ModelFile.Read(modelPath);
    byte[] onnx = OnnxExport.Export(model, modelPath ?? "init");
    var random = new Random(1);
    float[] l = Enumerable.Range(0, batch * size * size).Select(_ => (float)(random.NextDouble() * 100)).ToArray();

    using var options = new SessionOptions { IntraOpNumThreads = Environment.ProcessorCount };
    using var session = new InferenceSession(onnx, options);
    var inputs = new[] { NamedOnnxValue.CreateFromTensor("L", new DenseTensor<float>(l, new[] { batch, 1, size, size })) };
    float[] RunOrt()
    {
        using var results = session.Run(inputs);
        return results.Single(r => r.Name == "ab").AsEnumerable<float>().ToArray();
    }

    using ComputeDevice device = ComputeDevice.Open("cpu");
    using var network = InferenceNetwork.Load(device, model, modelPath ?? "init");
    using var raw = device.Upload("L", Shape.Nchw(batch, 1, size, size), l);
    using var input = device.Allocate<float>("input", Shape.Nchw(batch, 1, size, size));
    using var ab = device.Allocate<float>("ab", Shape.Nchw(batch, 2, size / 4, size / 4));
    float[] RunEngine()
    {
        ResampleOps.ResizeBilinear(raw, 0, 1, input, 0, 1f / network.Config.LScale, -network.Config.LCenter / network.Config.LScale);
        network.DecodeAb(network.Forward(input), ab, network.Config.Temperature);
        return ab.Download();
    }

    float[] a = RunOrt(), b = RunEngine();
    double worst = a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
    if (worst > 0.1)
        throw new InvalidOperationException($"ONNX Runtime and ColorKernels differ by {worst} in ab; refusing to time");
    double Median(Func<float[]> run)
    {
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (times.Count < 3 || (total.Elapsed.TotalSeconds < 3 && times.Count < 30))
        {
            var clock = Stopwatch.StartNew();
            run();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }
    double ort = Median(RunOrt), engine = Median(RunEngine);
    Console.WriteLine($"onnx-vs-engine  eccv16 width {model.Header["width"]}, {size}x{size}, batch {batch}, {Environment.ProcessorCount} cores; outputs agree to {worst:G3} ab");
    Console.WriteLine($"  ONNX Runtime {typeof(InferenceSession).Assembly.GetName().Version} CPU: {ort:F1} ms");
    Console.WriteLine($"  ColorKernels {device.Description}: {engine:F1} ms ({ort / engine:F3}x ONNX Runtime)");
    return 0;
}
catch (UserErrorException e)
{
    Console.Error.WriteLine("OnnxBench: error: " + e.Message);
    return 1;
}
