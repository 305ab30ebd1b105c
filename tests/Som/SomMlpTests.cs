using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Som;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Som;

/// <summary>
/// The SOM + MLP method's class rebalancing weights and balanced accuracy (its kernels are tested in
/// tests/Ops/Patches and tests/Ops/Som).
/// </summary>
public class SomMlpTests
{
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
        using var colorizer = ColorKernels.Engine.Models.Colorizer.Open(device, model);
        var coloured = ColorKernels.Engine.Models.ColorizerExtensions.Colorize(colorizer, grey);
        Assert.Equal((photo.Width, photo.Height), (coloured.Width, coloured.Height));
        // Colour was added somewhere, and L is the input's: the grey picture of the result is the input (8-bit rounding: 1 level).
        byte[] rgb = coloured.Rgb8!;
        Assert.Contains(Enumerable.Range(0, coloured.Pixels), p => Math.Abs(rgb[3 * p] - rgb[3 * p + 2]) > 8);
        byte[] again = ColorKernels.Engine.Color.Desaturation.Desaturate(device, coloured).Rgb8!, input = grey.Rgb8!;
        Assert.True(Enumerable.Range(0, input.Length).Count(i => Math.Abs(again[i] - input[i]) > 1) < input.Length / 100,
            "the colourized picture's lightness differs from the input's");
    }
}
