using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Export;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Ops;
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
        ModelFile model = ColorKernels.Tests.Models.Eccv16Tests.RandomisedNorms(NetworkInit.Create(new NetworkConfig(Eccv16Architecture.Instance, 1.0 / 32, Temperature: 0.38f, Regression: head == "regression"), seed: 9));
        byte[] onnx = OnnxExport.Export(model, "test");
        const int N = 2, H = 24, W = 32;
        float[] l = TestData.Uniform(N * H * W, 0, 100, 4);

        using var session = new InferenceSession(onnx);
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor("L", new DenseTensor<float>(l, new[] { N, 1, H, W })) });
        float[] ortLogits = results.Single(r => r.Name == "logits").AsEnumerable<float>().ToArray();
        float[] ortAb = results.Single(r => r.Name == "ab").AsEnumerable<float>().ToArray();

        ComputeDevice device = TestDevices.Get("cpu:0");
        using var network = InferenceNetwork.Load(device, model, "test");
        using var raw = device.Upload("L", Shape.Nchw(N, 1, H, W), l);
        using var input = device.Allocate<float>("input", Shape.Nchw(N, 1, H, W));
        ResampleOps.ResizeBilinear(raw, 0, 1, input, 0, 0.01f, -0.5f);
        ColorKernels.Engine.Tensors.Tensor<float> logits = network.Forward(input);
        using var ab = device.Allocate<float>("ab", Shape.Nchw(N, 2, H / 4, W / 4));
        network.DecodeAb(logits, ab, network.Config.Temperature);

        AssertClose.All(ortLogits, logits.Download(), 2e-3, 2e-3, "logits vs ONNX Runtime");
        AssertClose.All(ortAb, ab.Download(), 0.05, 0, "ab vs ONNX Runtime");
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.38f)]
    [InlineData(1f)]
    public void Exported_som_mlp_matches_the_engine_in_ONNX_Runtime(float temperature)
    {
        ComputeDevice device = TestDevices.Get("cpu:0");
        const int Batch = 40, Features = 9;
        using var mlp = new ColorKernels.Engine.Som.PatchMlp(device, Features, new[] { 12, 7 }, 4, Batch, seed: 3);
        var map = new ColorKernels.Engine.Som.SomMap(2, 2, new float[] { 0, 0, 30, 10, -20, 40, 15, -35 });
        var header = new System.Text.Json.Nodes.JsonObject
        {
            ["architecture"] = "som-mlp", ["grid_w"] = 2, ["grid_h"] = 2, ["patch"] = 3,
            ["hidden"] = new System.Text.Json.Nodes.JsonArray(12, 7), ["temperature"] = temperature,
        };
        var model = new ModelFile(header, new[] { new StoredTensor("codebook", new[] { 4, 2 }, map.Codebook) }.Concat(mlp.ToTensors()).ToList());
        byte[] onnx = OnnxExport.ExportSomMlp(model, "test");

        float[] patches = TestData.Uniform(Batch * Features, 0, 1, 8);   // [N, K*K] for ONNX
        var featureMajor = new float[Features * Batch];                 // [K*K, N] for the engine
        for (int n = 0; n < Batch; n++)
            for (int f = 0; f < Features; f++)
                featureMajor[f * Batch + n] = patches[n * Features + f];
        mlp.Input.Upload(featureMajor);
        int[] classes = mlp.Predict();

        using var session = new InferenceSession(onnx);
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor("patches", new DenseTensor<float>(patches, new[] { Batch, Features })) });
        float[] ab = results.Single(r => r.Name == "ab").AsEnumerable<float>().ToArray();
        float[] logits = results.Single(r => r.Name == "logits").AsEnumerable<float>().ToArray();
        float[] engineLogits = mlp.Logits.Download();
        for (int n = 0; n < Batch; n++)
        {
            for (int c = 0; c < 4; c++)
                Assert.Equal(engineLogits[c * Batch + n], logits[n * 4 + c], 1e-4);
            // The engine's decoding reference on the engine's logits; 1e-3: float32 softmax sums of codewords up to 40.
            double[] decoded = ColorKernels.Kernels.Softmax.SoftmaxReference.PaletteDecode(
                Enumerable.Range(0, 4).Select(c => engineLogits[c * Batch + n]).ToArray(), map.Codebook, 1, 4, 1, temperature);
            var (a, b) = (decoded[0], decoded[1]);
            Assert.Equal(a, ab[2 * n], 1e-3);
            Assert.Equal(b, ab[2 * n + 1], 1e-3);
            if (temperature == 0)
                Assert.Equal(map.Codebook[2 * classes[n]], ab[2 * n]);
        }
    }
}
