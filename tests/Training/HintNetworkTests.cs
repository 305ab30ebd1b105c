using ColorKernels.Engine;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using ColorKernels.Engine.Training;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Training;

/// <summary>
/// The hint network (Zhang, Zhu et al. 2017 on ECCV16's trunk) as a whole: its graph (shortcuts read slots
/// that other layers read too, so their gradients add), its start from an ECCV16 model, and its training.
/// The single ops have their own cases in the op table.
/// </summary>
public sealed class HintNetworkTests
{
    public static IEnumerable<object[]> Devices => TestDevices.All;

    /// <summary>A batch of two colourful 16 x 16 photos as Lab on the device.</summary>
    private static Tensor<float> Batch(ComputeDevice device, int size)
    {
        var random = new Random(5);
        var rgb = new byte[2 * size * size * 3];
        for (int i = 0; i < rgb.Length; i += 3)
        {
            int p = i / 3, x = p % size, y = p / size % size;
            (rgb[i], rgb[i + 1], rgb[i + 2]) = ((byte)(x < size / 2 ? 200 : 40 + random.Next(30)), (byte)(y < size / 2 ? 60 : 180), (byte)(40 + 10 * (x % 5)));
        }
        using Tensor<byte> bytes = device.Upload("rgb", new Shape(2, size, size, 3), rgb);
        Tensor<float> lab = device.Allocate<float>("lab", Shape.Nchw(2, 3, size, size));
        LabOps.SrgbBytesToLab(bytes, lab);
        return lab;
    }

    [Fact]
    public void Every_parameter_gradient_matches_finite_differences_through_the_whole_network()
    {
        // Width 1/32 (channels 2 to 16, decoder 4), batch 2 of 16 x 16 with five hint squares, both losses.
        // Every shortcut is live (He-initialised, not the zero start), so gradients reach conv1_1 and block 1
        // along two paths each and must add. Batch-norm epsilon 1: with 2 channels over 2 small pictures the
        // batch variances are tiny and at 1e-5 the loss is so curved before the norms that differences need
        // h under 1e-4, below float32's reach (measured: 31, 85, 100 at h = 3e-3, 1e-3, 3e-4 for a gradient
        // of 150). Central differences of the step's own loss (float32 network, double sums), h = 1e-3, on
        // the 3 coordinates of largest gradient: measured within 1%; 5% + 2e-4 allows for float32 rounding
        // of a loss near 10 over 2h and the curvature of the ReLUs and the smooth L1 within h.
        ComputeDevice device = TestDevices.Get("cpu:0");
        ModelFile model = NetworkInit.Create(Siggraph17Architecture.Config(1.0 / 32) with { BnEps = 1f }, seed: 4);
        var settings = new TrainSettings { Batch = 2, Crop = 16, Loss = LossKind.CrossEntropy, WeightDecay = 0f, HintDelta = 30f, HintAbWeight = 10f };
        using var trainer = new NetworkTrainer(device, model, settings, Rebalancing.Weights(Rebalancing.ImageNetPrior()));
        using Tensor<float> lab = Batch(device, 16);
        int[] squares = { 0, 2, 3, 4, 4, 0, 10, 9, 3, 3, 1, 0, 0, 1, 1, 1, 7, 5, 9, 9, 1, 12, 12, 4, 4 };
        trainer.Step(lab, 0f, squares);
        foreach (string name in new[] { "model1.0.weight", "model1.2.weight", "model2.0.weight", "short8.weight", "short9.weight", "short10.weight",
                     "model8.0.bias", "model9.0.weight", "model10.2.weight", "model_ab.weight", "model_ab.bias", "model8.6.weight", "model1.4.weight" })
        {
            float[] point = trainer.ParameterValues(name), analytic = trainer.GradientValues(name);
            float largest = analytic.Max(Math.Abs);
            Assert.True(largest > 1e-4, $"{name}: no gradient reaches it (largest {largest})");
            int[] top = Enumerable.Range(0, analytic.Length).OrderByDescending(i => Math.Abs(analytic[i])).Take(3).ToArray();
            GradCheck.Check(v =>
            {
                trainer.SetParameter(name, v.Select(d => (float)d).ToArray());
                return trainer.Step(lab, 0f, squares).Loss;
            }, point, analytic, top, 1e-3, 2e-4, 0.05, name);
            trainer.SetParameter(name, point);
        }
    }

    [Theory]
    [MemberData(nameof(Devices))]
    public void Started_from_an_eccv16_model_its_logits_without_hints_are_that_models(string deviceId)
    {
        // The hint channels' weights and the shortcuts start at 0, so without hints the classification
        // head computes exactly ECCV16's block 8 (the mask channel, -0.5 everywhere, meets zero weights).
        // Both networks run the same kernels on the same values: 1e-5 allows only reordering.
        ComputeDevice device = TestDevices.Get(deviceId);
        ModelFile eccv16 = NetworkInit.Create(NetworkConfig.Eccv16(1.0 / 32), seed: 9);
        ModelFile hints = Siggraph17Architecture.FromEccv16(eccv16, "random", seed: 2);
        Assert.Equal(Siggraph17Architecture.ArchitectureName, hints.Architecture);
        float[] l = TestData.Uniform(2 * 24 * 32, -0.5f, 0.5f, 3);
        using InferenceNetwork plain = InferenceNetwork.Load(device, eccv16, "eccv16");
        using InferenceNetwork hinted = InferenceNetwork.Load(device, ModelFile.Parse(hints.ToBytes(), "hints"), "hints");
        using var input = device.Upload("l", Shape.Nchw(2, 1, 24, 32), l);
        using var input4 = device.Allocate<float>("l4", Shape.Nchw(2, 4, 24, 32));
        ResampleOps.ResizeBilinear(input, 0, 1, input4, 0);
        HintTable.Write(device, Array.Empty<int>(), Array.Empty<float>(), input4, hinted.Config);
        float[] expected = plain.Forward(input).Download();
        Tensor<float> ab = hinted.Forward(input4);
        Assert.Equal(Shape.Nchw(2, 2, 24, 32), ab.Shape);
        Assert.All(ab.Download(), v => Assert.Equal(0f, v));   // the ab head starts at grey
        AssertClose.All(expected, hinted.Output(Siggraph17Architecture.ClassHead).Download(), 1e-5, 1e-5, "class head vs eccv16");
        hinted.Fused = false;
        hinted.Forward(input4);
        AssertClose.All(expected, hinted.Output(Siggraph17Architecture.ClassHead).Download(), 1e-4, 1e-4, "unfused class head vs eccv16");
    }

    [Theory]
    [MemberData(nameof(Devices))]
    public void Colouring_reads_the_hints_and_propagation_after_it_honours_them(string deviceId)
    {
        // A He-initialised hint network (every input channel live, untrained) at input 32 on a 40 x 30 picture:
        // the hint changes what the network itself predicts (it is an input, not a correction), and with the
        // propagation after it over the network's own grid the hinted 3 x 3 patch ends within 5 ab units of the
        // hint. (The default grid is 4 times coarser: a correction there fixes a cell's mean, and this untrained
        // network's ab varies wildly within a cell.)
        ComputeDevice device = TestDevices.Get(deviceId);
        ModelFile model = NetworkInit.Create(Siggraph17Architecture.Config(1.0 / 32), seed: 6);
        using IColorizer colorizer = Colorizer.Open(device, model, "random", new ColorizerOptions { Size = 32 });
        Assert.Equal(ColorizationMethod.HintNetwork, colorizer.Method);
        var rgb = new byte[40 * 30 * 3];
        for (int i = 0; i < rgb.Length; i++)
            rgb[i] = (byte)(60 + i / 3 % 40 * 3);
        var picture = Engine.Imaging.ImageData.FromRgb8(40, 30, rgb);
        using Prediction prediction = colorizer.Predict(new[] { picture })[0];
        Assert.Equal((32, 32, 0), (prediction.Width, prediction.Height, prediction.Classes));
        var hint = new ColorHint(20, 15, 40f, 30f, Size: 3);
        byte[] plain = colorizer.Decode(prediction).Rgb8!;
        var palette = (CodebookColorizer)colorizer;
        palette.PropagationSettings = new PropagationSettings(PropagateAfterNetwork: false);
        byte[] networkOnly = colorizer.Decode(prediction, null, new[] { hint }).Rgb8!;
        palette.PropagationSettings = new PropagationSettings(PropagationDivisor: 1);
        byte[] combined = colorizer.Decode(prediction, null, new[] { hint }).Rgb8!;
        palette.PropagationSettings = new PropagationSettings();
        Assert.NotEqual(networkOnly, colorizer.Decode(prediction, null, new[] { hint }).Rgb8!);
        Assert.NotEqual(plain, networkOnly);
        var (a, b) = MeanAb(combined, 40, 19, 14, 3);
        Assert.True(Math.Abs(a - 40) <= 5 && Math.Abs(b - 30) <= 5, $"hinted patch ab ({a:F1}, {b:F1}), hint (40, 30)");
        // A pixel's distribution is the classification head's (313 bins at a quarter of the input: the page's
        // recommended colours); a palette is refused in one line (the colours are the ab head's).
        PixelDistribution d = colorizer.Distribution(prediction, 39, 29);
        Assert.Equal((7, 7, 313), (d.CellX, d.CellY, d.Probabilities.Length));
        Assert.Equal(1.0, d.Probabilities.Sum(p => (double)p), 3);
        var e = Assert.Throws<UserErrorException>(() => colorizer.Decode(prediction, null, null, ColorPalette.Parse("#aa3322")));
        Assert.Contains("ab head", e.Message);
    }

    private static (double A, double B) MeanAb(byte[] rgb, int width, int x0, int y0, int side)
    {
        double a = 0, b = 0;
        for (int y = y0; y < y0 + side; y++)
            for (int x = x0; x < x0 + side; x++)
            {
                int i = 3 * (y * width + x);
                var (_, pa, pb) = ColorKernels.Kernels.Color.LabReference.SrgbToLab(rgb[i] / 255.0, rgb[i + 1] / 255.0, rgb[i + 2] / 255.0);
                a += pa / (side * side);
                b += pb / (side * side);
            }
        return (a, b);
    }

    [Fact]
    public void Headers_that_do_not_fit_the_architecture_are_refused_in_one_line()
    {
        ModelFile hints = NetworkInit.Create(Siggraph17Architecture.Config(1.0 / 32), seed: 1);
        Assert.Equal(4, hints.Header["input_channels"]!.GetValue<int>());
        Assert.Equal(Siggraph17Architecture.Heads, hints.Header["head"]!.GetValue<string>());
        // An ECCV16 header stays as it was: no input_channels, so every existing file reads as before.
        Assert.Null(NetworkInit.Create(NetworkConfig.Eccv16(1.0 / 32), 1).Header["input_channels"]);
        foreach (var (key, value, expected) in new (string, System.Text.Json.Nodes.JsonNode, string)[]
                 {
                     ("input_channels", 1, "1 input channels"), ("head", "classification", "head 'classification' is unknown"),
                     ("mask_center", 3, "'mask_center' is 3"),
                 })
        {
            var header = (System.Text.Json.Nodes.JsonObject)hints.Header.DeepClone();
            header[key] = value;
            var e = Assert.Throws<UserErrorException>(() => InferenceNetwork.Validate(new ModelFile(header, hints.Tensors), "bad.ckm"));
            Assert.Contains(expected, e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
        var eccv16 = NetworkInit.Create(NetworkConfig.Eccv16(1.0 / 32), 1);
        eccv16.Header["input_channels"] = 4;
        Assert.Contains("4 input channels", Assert.Throws<UserErrorException>(() => InferenceNetwork.Validate(eccv16, "bad.ckm")).Message);
        var e2 = Assert.Throws<UserErrorException>(() => Engine.Export.OnnxExport.Export(hints, "hints.ckm"));
        Assert.Contains("not exported to ONNX", e2.Message);
    }
}
