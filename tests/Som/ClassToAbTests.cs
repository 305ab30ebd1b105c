using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Som;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Patches;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Som;

/// <summary>
/// ClassToAbKernel (logits to ab: the annealed mean over the map's codewords, or the arg-max class) against
/// its double-precision reference on boundary pixel counts, and the class rebalancing weights.
/// </summary>
public class ClassToAbTests
{
    public static IEnumerable<object[]> Cases =>
        TestDevices.All.SelectMany(d => new[] { 1, 31, 32, 33, 77 }.SelectMany(count =>
            new[] { 1, 4, 9 }.SelectMany(classes => new[] { 0f, 0.38f, 1f, 4f }.Select(t => new object[] { d[0], count, classes, t }))));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decoding_matches_the_reference(string deviceId, int count, int classes, float temperature)
    {
        ComputeDevice device = TestDevices.Get(deviceId);
        // A picture of 9 x 11 pixels; the chunk of count pixels starts at pixel 5 (wrapping the chunk into it).
        int height = 9, width = 11, plane = height * width, first = Math.Min(5, plane - count);
        if (count > plane)
            return;
        // Logits spread over +-60 so that exp(z / T) would overflow float without the max subtraction.
        float[] logits = TestData.Uniform(classes * count, -60, 60, count + classes);
        float[] codebook = TestData.Uniform(2 * classes, -80, 80, 7 * classes);
        float[] lab = TestData.Filled(3 * plane, float.NaN);   // poisoned: every pixel of the chunk must be written
        float[] l = TestData.Uniform(plane, 0, 100, 3);
        Array.Copy(l, lab, plane);
        using Tensor<float> tl = device.Upload("logits", new Shape(classes, count), logits);
        using Tensor<float> tb = device.Upload("codebook", new Shape(classes, 2), codebook);
        using Tensor<float> tlab = device.Upload("lab", Shape.Nchw(1, 3, height, width), lab);
        PatchOps.ClassToAb(tl, tb, tlab, new PatchArgs(height, width, classes, count, 1, 1, first, temperature));
        float[] result = tlab.Download();
        Assert.Equal(l, result[..plane]);   // L is kept
        for (int i = 0; i < count; i++)
        {
            var (a, b) = PatchReference.ClassToAb(Enumerable.Range(0, classes).Select(c => (double)logits[c * count + i]).ToArray(), codebook, temperature);
            // 2e-3 absolute: codewords up to 80 summed in float32 with the GPU's approximate exp (a few ulp each).
            Assert.True(Math.Abs(result[plane + first + i] - a) <= 2e-3 && Math.Abs(result[2 * plane + first + i] - b) <= 2e-3,
                $"pixel {first + i}: kernel ({result[plane + first + i]}, {result[2 * plane + first + i]}), reference ({a}, {b})");
        }
        for (int p = 0; p < plane; p++)
            if (p < first || p >= first + count)
                Assert.True(float.IsNaN(result[plane + p]), $"pixel {p} outside the chunk was written");
    }

    [Fact]
    public void Rebalancing_weights_have_expected_value_one_and_favour_rare_classes()
    {
        float[] codebook = { 0, 0, 40, 0, 0, 40, -40, -40 };
        int[] labels = Enumerable.Repeat(0, 700).Concat(Enumerable.Repeat(1, 200)).Concat(Enumerable.Repeat(2, 90)).Concat(Enumerable.Repeat(3, 10)).ToArray();
        float[] w = SomRebalancing.Weights(labels, codebook, lambda: 0.5, sigma: 5);
        // Codewords 40 apart: smoothing with sigma 5 leaves the prior as it is (exp(-32) cross terms).
        double[] p = { 0.7, 0.2, 0.09, 0.01 };
        double[] raw = p.Select(q => 1 / (0.5 * q + 0.5 / 4)).ToArray();
        double scale = p.Zip(raw).Sum(x => x.First * x.Second);
        for (int q = 0; q < 4; q++)
            Assert.Equal(raw[q] / scale, w[q], 1e-5);
        Assert.Equal(1.0, p.Zip(w).Sum(x => x.First * x.Second), 1e-5);
        Assert.True(w[3] > w[2] && w[2] > w[1] && w[1] > w[0]);
        Assert.All(SomRebalancing.Weights(labels, codebook, lambda: 1), x => Assert.Equal(1f, x, 1e-6f));
        // Two classes with the same codeword share their counts.
        float[] shared = SomRebalancing.Weights(new[] { 0, 0, 0, 1 }, new float[] { 10, 10, 10, 10 }, 0.5, 5);
        Assert.Equal(shared[0], shared[1], 1e-6f);
    }

    [Fact]
    public void Balanced_accuracy_is_the_mean_recall_and_the_majority_answer_scores_one_over_the_classes()
    {
        int[] truth = { 0, 0, 0, 0, 0, 0, 1, 1, 2, 2 };
        Assert.Equal(1.0 / 3, SomRebalancing.BalancedAccuracy(truth, Enumerable.Repeat(0, 10).ToArray()), 1e-12);
        Assert.Equal((5.0 / 6 + 1 + 0.5) / 3, SomRebalancing.BalancedAccuracy(truth, new[] { 0, 0, 0, 0, 0, 1, 1, 1, 2, 0 }), 1e-12);
    }
}

/// <summary>The general SOM + MLP model committed with its card (docs/som-mlp-model-card.md) loads and colours.</summary>
public class GeneralSomModelTests
{
    [Fact]
    public void The_committed_general_model_colours_a_bundled_photo_and_keeps_its_lightness()
    {
        var file = ColorKernels.Engine.Models.ModelFile.Read(TestData.RepositoryFile("docs", "som-mlp", "general.ckm"));
        SomMlpModel model = SomMlpModel.FromModelFile(file, "general.ckm");
        Assert.Equal((3, 3, 5, 224, 1f), (model.Map.GridW, model.Map.GridH, model.Patch, model.InputSize, model.Temperature));
        ComputeDevice device = TestDevices.Get("cpu:0");
        var photo = ColorKernels.Engine.Imaging.ImageIO.Load(TestData.RepositoryFile("samples", "photos", "books.png"));
        var grey = ColorKernels.Engine.Color.Desaturation.Desaturate(device, photo);
        var coloured = model.Colorize(device, grey);
        Assert.Equal((photo.Width, photo.Height), (coloured.Width, coloured.Height));
        // Colour was added somewhere, and L is the input's: the grey picture of the result is the input (8-bit rounding: 1 level).
        byte[] rgb = coloured.Rgb8!;
        Assert.Contains(Enumerable.Range(0, coloured.Pixels), p => Math.Abs(rgb[3 * p] - rgb[3 * p + 2]) > 8);
        byte[] again = ColorKernels.Engine.Color.Desaturation.Desaturate(device, coloured).Rgb8!, input = grey.Rgb8!;
        Assert.True(Enumerable.Range(0, input.Length).Count(i => Math.Abs(again[i] - input[i]) > 1) < input.Length / 100,
            "the colourized picture's lightness differs from the input's");
    }
}

/// <summary>ExtractPatchesKernel (plain and dilated context patches) against its reference on boundary shapes.</summary>
public class ExtractPatchesTests
{
    public static IEnumerable<object[]> Cases =>
        TestDevices.All.SelectMany(d => new[] { (1, 1), (31, 1), (32, 33), (9, 17) }.SelectMany(hw =>
            new[] { (3, 1), (5, 1), (5, 4), (7, 3) }.Select(kd => new object[] { d[0], hw.Item1, hw.Item2, kd.Item1, kd.Item2 })));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Patches_match_the_reference(string deviceId, int height, int width, int k, int dilation)
    {
        ComputeDevice device = TestDevices.Get(deviceId);
        int plane = height * width;
        float[] lab = TestData.Uniform(3 * plane, 0, 100, plane + k);
        int[] centres = Enumerable.Range(0, Math.Min(plane, 40)).Select(i => (i * 7919) % plane).ToArray();
        int n = centres.Length;
        using Tensor<float> tl = device.Upload("lab", Shape.Nchw(1, 3, height, width), lab);
        using Tensor<int> tc = device.Upload("centres", new Shape(n), centres);
        using Tensor<float> tp = device.Upload("patches", new Shape(k * k, n), TestData.Filled(k * k * n, float.NaN));
        PatchOps.ExtractPatches(device, tl.View, tc.View, tp.View, new PatchArgs(height, width, k, n, 0, 1, 0, 0f, dilation));
        float[] patches = tp.Download();
        for (int i = 0; i < n; i++)
        {
            double[] expected = PatchReference.Patch(lab, height, width, centres[i], k, dilation);
            for (int f = 0; f < k * k; f++)
                Assert.Equal(expected[f], patches[f * n + i], 1e-6);   // a copy times 0.01: float rounding only
        }
    }
}
