using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Common;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Models;

/// <summary>The ECCV16 network: architecture counts, the whole forward pass against C# and PyTorch references, colourizing.</summary>
public class Eccv16Tests
{
    public static IEnumerable<object[]> Devices => TestDevices.All;

    [Fact]
    public void Width_1_has_the_parameter_count_of_the_papers_PyTorch_port()
    {
        Assert.Equal(32_236_011, Eccv16Architecture.ParameterCount(1.0));
    }

    [Fact]
    public void Bin_centres_are_the_papers_313_in_their_order()
    {
        float[,] c = BinCodebook.Centres;
        Assert.Equal(313, c.GetLength(0));
        Assert.Equal((-90f, 50f), (c[0, 0], c[0, 1]));
        // Bin 120 is (0, 0), the grey bin where the paper's prior peaks (README beside the data).
        Assert.Equal((0f, 0f), (c[120, 0], c[120, 1]));
        for (int q = 0; q < 313; q++)
            Assert.True(c[q, 0] % 10 == 0 && c[q, 1] % 10 == 0, $"bin {q} off the grid of 10");
    }

    [Fact]
    public void Multiply_adds_are_counted_layer_by_layer()
    {
        // Hand count at width 1/32 (channels 2, 4, 8, 16, 16, 16, 16, 8) for a 16 x 16 input.
        long expected =
            16 * 16 * 2 * 1 * 9 + 8 * 8 * 2 * 2 * 9 +            // block 1 (second conv stride 2)
            8 * 8 * 4 * 2 * 9 + 4 * 4 * 4 * 4 * 9 +              // block 2
            4 * 4 * 8 * 4 * 9 + 4 * 4 * 8 * 8 * 9 + 2 * 2 * 8 * 8 * 9 + // block 3
            2 * 2 * 16 * 8 * 9 + 2 * (2 * 2 * 16 * 16 * 9) +      // block 4
            3 * (3 * (2 * 2 * 16 * 16 * 9)) +                      // blocks 5, 6, 7
            2 * 2 * 16 * 8 * 16 +                                  // transposed conv: 2x2 inputs x 16 taps
            2 * (4 * 4 * 8 * 8 * 9) + 4 * 4 * 313 * 8 +            // block 8
            4 * 4 * 313 * 2;                                       // decode
        Assert.Equal(expected, Eccv16Architecture.MultiplyAdds(1.0 / 32, 16, 16));
    }

    [Theory]
    [MemberData(nameof(Devices))]
    public void Forward_matches_the_PyTorch_port(string deviceId)
    {
        // Reference: tests/Fixtures/make_eccv16_reference.py (PyTorch 1.13 CPU, float32) at width 1/32.
        // Tolerances: logits 2e-3 abs + 2e-3 rel and ab 0.05 (of a +-110 range): both sides are float32
        // with different summation orders through 22 layers.
        ComputeDevice device = TestDevices.Get(deviceId);
        ModelFile model = ModelFile.Read(TestData.Fixture("eccv16-w32.ckm"));
        var expected = ModelFile.Read(TestData.Fixture("eccv16-w32.expected.ckm")).Tensors.ToDictionary(t => t.Name, t => t.Data);
        using InferenceNetwork network = InferenceNetwork.Load(device, model, "fixture");
        using var lab = device.Upload("L", Shape.Nchw(1, 1, 48, 40), expected["input_l"]);
        using var input = device.Allocate<float>("input", Shape.Nchw(1, 1, 48, 40));
        ResampleOps.ResizeBilinear(lab, 0, 1, input, 0, 0.01f, -0.5f);   // same size: only (L - 50) / 100

        foreach (bool fused in new[] { true, false })
        {
            network.Fused = fused;
            Tensor<float> logits = network.Forward(input);
            AssertClose.All(expected["logits"], logits.Download(), 2e-3, 2e-3, $"logits, fused={fused}");

            using var ab = device.Allocate<float>("ab", Shape.Nchw(1, 2, 12, 10));
            network.DecodeAb(logits, ab, 1f);
            AssertClose.All(expected["ab_t1"], ab.Download(), 0.05, 0, "ab at T = 1");
            using var up = device.Upload("up", Shape.Nchw(1, 2, 48, 40), TestData.Filled(2 * 48 * 40, float.NaN));
            ResampleOps.ResizeBilinear(ab, 0, 2, up, 0);
            AssertClose.All(expected["ab_upsampled"], up.Download(), 0.05, 0, "ab upsampled x4");

            network.DecodeAb(logits, ab, 0.38f);
            AssertClose.All(expected["ab_t038"], ab.Download(), 0.05, 0, "ab at T = 0.38");
        }
    }

    [Theory]
    [MemberData(nameof(Devices))]
    public void Forward_matches_the_double_precision_reference_and_fused_equals_unfused(string deviceId)
    {
        // A random He-initialised model at width 1/32 with random batch-norm statistics, batch of 2,
        // non-square 24 x 32 input. Tolerance 1e-3 abs + 1e-3 rel on logits: float32 vs double through 22 layers.
        ComputeDevice device = TestDevices.Get(deviceId);
        ModelFile model = RandomisedNorms(NetworkInit.Create(NetworkConfig.Eccv16(1.0 / 32), seed: 7));
        float[] l = TestData.Uniform(2 * 24 * 32, -0.5f, 0.5f, 3);
        var (reference, h, w) = Eccv16Reference.Logits(model, l, 2, 24, 32);
        Assert.Equal((6, 8), (h, w));

        using InferenceNetwork network = InferenceNetwork.Load(device, model, "random");
        using var input = device.Upload("input", Shape.Nchw(2, 1, 24, 32), l);
        network.Fused = false;
        float[] unfused = network.Forward(input).Download();
        network.Fused = true;
        float[] fused = network.Forward(input).Download();
        AssertClose.All(reference.Select(v => (double)v).ToArray(), unfused, 1e-3, 1e-3, "unfused vs reference");
        AssertClose.All(unfused, fused, 1e-4, 1e-4, "fused vs unfused");
    }

    [Theory]
    [MemberData(nameof(Devices))]
    public void Colorize_keeps_size_and_lightness(string deviceId)
    {
        ComputeDevice device = TestDevices.Get(deviceId);
        ModelFile model = NetworkInit.Create(NetworkConfig.Eccv16(1.0 / 32), seed: 1);
        using InferenceNetwork network = InferenceNetwork.Load(device, model, "random");
        using var colorizer = new NetworkColorizer(network, 32, 0.38f);
        var images = new[]
        {
            ImageData.FromRgb8(37, 29, TestData.Bytes(37 * 29 * 3, 1)),
            ImageData.FromRgb8(1, 1, new byte[] { 10, 200, 30 }),
            ImageData.FromPlanar16(8, 9, TestData.Uniform(8 * 9 * 3, 0, 1, 2)),
        };
        IReadOnlyList<ImageData> outputs = colorizer.Colorize(images);
        Assert.Equal(3, outputs.Count);
        for (int i = 0; i < images.Length; i++)
        {
            Assert.Equal((images[i].Width, images[i].Height), (outputs[i].Width, outputs[i].Height));
            // The picture's own L is kept: desaturating input and output gives nearly the same grey. Not
            // exactly: where the predicted ab falls outside the sRGB gamut, clamping to the cube changes
            // L too (by several codes for the saturated guesses of a random network; 12 allowed).
            ImageData greyIn = ColorKernels.Engine.Color.Desaturation.Desaturate(device, images[i]);
            ImageData greyOut = ColorKernels.Engine.Color.Desaturation.Desaturate(device, outputs[i]);
            if (greyIn.Rgb8 is not null)
                Assert.All(greyIn.Rgb8.Zip(greyOut.Rgb8!), p => Assert.InRange(Math.Abs(p.First - p.Second), 0, 12));
        }
    }

    /// <summary>Gives every batch norm random statistics and affine parameters, so folding is really tested.</summary>
    internal static ModelFile RandomisedNorms(ModelFile model)
    {
        var random = new Random(5);
        var tensors = model.Tensors.Select(t =>
        {
            float[] d = (float[])t.Data.Clone();
            bool norm = Eccv16Architecture.Layers(model.Header["width"]!.GetValue<double>())
                .Any(l => l.Kind == LayerKind.BatchNorm && t.Name.StartsWith(l.Prefix + ".", StringComparison.Ordinal));
            if (norm)
                for (int i = 0; i < d.Length; i++)
                    d[i] = t.Name.EndsWith("running_var", StringComparison.Ordinal) ? 0.5f + (float)random.NextDouble()
                        : t.Name.EndsWith(".weight", StringComparison.Ordinal) ? 0.5f + (float)random.NextDouble()
                        : (float)(random.NextDouble() - 0.5) * 0.4f;
            return t with { Data = d };
        }).ToList();
        return new ModelFile(model.Header, tensors);
    }
}
