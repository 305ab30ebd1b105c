using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Export;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Nn;
using ColorKernels.Engine.Tensors;
using ColorKernels.Tests.Support;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit;

namespace ColorKernels.Tests.Export;

/// <summary>
/// Exported graphs run in ONNX Runtime (CPU) and match ColorKernels' own forward pass: a second,
/// independent reference for the kernels. Tolerances: logits 2e-3 abs + 2e-3 rel, ab 0.05 (as against
/// PyTorch: two float32 implementations with different summation orders).
/// </summary>
public class OnnxExportTests
{
    public static IEnumerable<object[]> Heads => new[]
    {
        new object[] { "classification" },
        new object[] { "regression" },
    };

    [Theory]
    [MemberData(nameof(Heads))]
    public void Exported_graph_matches_the_engine_in_ONNX_Runtime(string head)
    {
        ModelFile model = ColorKernels.Tests.Models.Eccv16Tests.RandomisedNorms(Eccv16Init.Create(new Eccv16Config(1.0 / 32, Temperature: 0.38f, Regression: head == "regression"), seed: 9));
        byte[] onnx = OnnxExport.Export(model, "test");
        const int N = 2, H = 24, W = 32;
        float[] l = TestData.Uniform(N * H * W, 0, 100, 4);

        using var session = new InferenceSession(onnx);
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor("L", new DenseTensor<float>(l, new[] { N, 1, H, W })) });
        float[] ortLogits = results.Single(r => r.Name == "logits").AsEnumerable<float>().ToArray();
        float[] ortAb = results.Single(r => r.Name == "ab").AsEnumerable<float>().ToArray();

        ComputeDevice device = TestDevices.Get("cpu:0");
        using var network = Eccv16Network.Load(device, model, "test");
        using var raw = device.Upload("L", Shape.Nchw(N, 1, H, W), l);
        using var input = device.Allocate<float>("input", Shape.Nchw(N, 1, H, W));
        NnOps.ResizeBilinear(raw, 0, 1, input, 0, 0.01f, -0.5f);
        ColorKernels.Engine.Tensors.Tensor<float> logits = network.Logits(input);
        using var ab = device.Allocate<float>("ab", Shape.Nchw(N, 2, H / 4, W / 4));
        network.DecodeAb(logits, ab, network.Config.Temperature);

        AssertClose.All(ortLogits, logits.Download(), 2e-3, 2e-3, "logits vs ONNX Runtime");
        AssertClose.All(ortAb, ab.Download(), 0.05, 0, "ab vs ONNX Runtime");
    }
}
