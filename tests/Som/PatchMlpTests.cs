using ColorKernels.Engine.Models;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Som;
using ColorKernels.Engine.Tensors;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Som;

/// <summary>The patch MLP: gradients against finite differences, and learning a patch-to-class rule.</summary>
public class PatchMlpTests
{
    public static IEnumerable<object[]> Devices => TestDevices.All;

    public static IEnumerable<object[]> DevicesWeighted => TestDevices.All.SelectMany(d => new[] { new object[] { d[0], false }, new object[] { d[0], true } });

    [Theory]
    [MemberData(nameof(DevicesWeighted))]
    public void Gradients_match_finite_differences(string deviceId, bool rebalanced)
    {
        // Mean (class-weighted) cross-entropy of a 9 -> 7 -> 5 -> 4 network on 6 patches. Central differences with h = 2e-4
        // (a unit sits near its ReLU kink here: steps of 1e-2 and 2e-3 moved the quotient 16% and 6%);
        // tolerance 2e-3 abs + 2e-2 rel: float32 losses (~1.4, eps 1.2e-7) differenced over 4e-4 give ~1e-3.
        ComputeDevice device = TestDevices.Get(deviceId);
        using var mlp = new PatchMlp(device, 9, new[] { 7, 5 }, 4, 6, seed: 2);
        float[] input = TestData.Uniform(9 * 6, 0, 1, 3);
        int[] labels = { 0, 3, 1, 2, 2, 0 };
        if (rebalanced)
            mlp.ClassWeights = new[] { 0.4f, 2.5f, 1f, 3f };   // the rebalanced loss: each sample weighted by its class
        mlp.Input.Upload(input);
        mlp.Gradients(labels);
        for (int layer = 0; layer < 3; layer++)
        {
            var (w, b) = mlp.Parameters[layer];
            float[] gw = mlp.Grads[layer].W.Download(), gb = mlp.Grads[layer].B.Download();
            Check(w, gw, "weight");
            Check(b, gb, "bias");

            void Check(Tensor<float> parameter, float[] analytic, string what)
            {
                float[] values = parameter.Download();
                foreach (int i in GradCheck.Sample(values.Length, 8, layer))
                {
                    const float H = 2e-4f;
                    float keep = values[i];
                    values[i] = keep + H;
                    parameter.Upload(values);
                    double plus = mlp.Gradients(labels);
                    values[i] = keep - H;
                    parameter.Upload(values);
                    double minus = mlp.Gradients(labels);
                    values[i] = keep;
                    parameter.Upload(values);
                    double numeric = (plus - minus) / (2 * H);
                    Assert.True(Math.Abs(numeric - analytic[i]) <= 2e-3 + 2e-2 * Math.Abs(numeric),
                        $"layer {layer} {what}[{i}]: kernel {analytic[i]}, finite difference {numeric}");
                }
                mlp.Gradients(labels);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Devices))]
    public void It_learns_a_rule_and_beats_the_majority_class_on_held_out_patches(string deviceId)
    {
        // Class = which of three brightness bands a 3x3 patch's centre falls in, with a 50% majority class;
        // after 150 Adam steps the held-out accuracy beats the majority baseline by a clear margin.
        ComputeDevice device = TestDevices.Get(deviceId);
        const int Batch = 64;
        using var mlp = new PatchMlp(device, 9, new[] { 16 }, 3, Batch, seed: 1);
        var random = new Random(4);
        (float[] X, int[] Y) Sample()
        {
            var x = new float[9 * Batch];
            var y = new int[Batch];
            for (int b = 0; b < Batch; b++)
            {
                double u = random.NextDouble();
                y[b] = u < 0.5 ? 0 : u < 0.75 ? 1 : 2;
                float centre = y[b] switch { 0 => 0.1f, 1 => 0.5f, _ => 0.9f } + (float)(random.NextDouble() - 0.5) * 0.2f;
                for (int f = 0; f < 9; f++)
                    x[f * Batch + b] = centre + (float)(random.NextDouble() - 0.5) * 0.3f;
            }
            return (x, y);
        }
        for (int i = 0; i < 150; i++)
        {
            var (x, y) = Sample();
            mlp.Input.Upload(x);
            mlp.Step(y, 1e-2f);
        }
        int correct = 0, total = 0;
        for (int i = 0; i < 5; i++)
        {
            var (x, y) = Sample();
            mlp.Input.Upload(x);
            int[] predicted = mlp.Predict();
            correct += predicted.Zip(y).Count(p => p.First == p.Second);
            total += Batch;
        }
        Assert.True(correct / (double)total > 0.8, $"held-out accuracy {correct}/{total}; the majority class alone gives about 0.5");
    }
}

/// <summary>The SOM + MLP method end to end on photos whose colour follows from local lightness.</summary>
public sealed class SomMlpEndToEndTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("ck-sommlp-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Theory]
    [InlineData(0)]
    [InlineData(3)]   // with a context patch of 5 x 5 samples 3 pixels apart
    public void A_tiny_run_beats_the_majority_baseline_and_colourizes(int context)
    {
        // Stripes whose hue is tied to their lightness (dark blue, mid red, light yellow), in varying
        // widths: a 5x5 patch's L tells the class of its centre, which a majority guess cannot.
        var random = new Random(2);
        for (int photo = 0; photo < 4; photo++)
        {
            using var image = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(48, 48);
            int x = 0;
            while (x < 48)
            {
                int width = random.Next(3, 9), kind = random.Next(3);
                var colour = kind switch
                {
                    0 => new SixLabors.ImageSharp.PixelFormats.Rgb24(20, 30, 120),
                    1 => new SixLabors.ImageSharp.PixelFormats.Rgb24(200, 40, 40),
                    _ => new SixLabors.ImageSharp.PixelFormats.Rgb24(240, 230, 90),
                };
                for (int dx = 0; dx < width && x + dx < 48; dx++)
                    for (int y = 0; y < 48; y++)
                        image[x + dx, y] = colour;
                x += width;
            }
            SixLabors.ImageSharp.ImageExtensions.Save(image, Path.Combine(dir, $"p{photo}.png"));
        }
        ComputeDevice device = TestDevices.Get("cpu:0");
        var files = ColorKernels.Engine.Training.PhotoBatches.Scan(dir);
        var settings = new SomMlpSettings { GridW = 3, GridH = 1, Patch = 5, Hidden = new[] { 32 }, Steps = 150, Batch = 64, LearningRate = 1e-2f, ColoursPerPhoto = 300, PatchesPerPhoto = 300, Context = context };
        var (model, report) = SomMlpTrainer.Train(device, files, settings, (_, _) => { }, _ => { });
        Assert.True(report.HeldOutAccuracy > report.MajorityBaseline + 0.2,
            $"held-out accuracy {report.HeldOutAccuracy:P1} vs majority {report.MajorityBaseline:P1}");

        // Stopped at step 60 and resumed: the same final weights as the straight run (bit-identical: every
        // kernel is deterministic and the batches follow from the seed).
        ColorKernels.Engine.Models.ModelFile? savedState = null;
        SomMlpModel? savedModel = null;
        using var stop = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() => SomMlpTrainer.Train(device, files, settings, (step, _) =>
        {
            if (step == 60)
                stop.Cancel();
        }, _ => { }, int.MaxValue, (m, s) => (savedModel, savedState) = (m, s), null, stop.Token));
        Assert.Equal(60, savedState!.Header["step"]!.GetValue<int>());
        var (resumed, _) = SomMlpTrainer.Train(device, files, settings, (_, _) => { }, _ => { }, int.MaxValue, null,
            new SomMlpTrainer.Resume(SomMlpModel.FromModelFile(ColorKernels.Engine.Models.ModelFile.Parse(savedModel!.ToModelFile().ToBytes(), "m"), "m"), savedState, "state"));
        for (int i = 0; i < model.Weights.Count; i++)
            Assert.Equal(model.Weights[i], resumed.Weights[i]);

        var reloaded = SomMlpModel.FromModelFile(ColorKernels.Engine.Models.ModelFile.Parse(model.ToModelFile(report).ToBytes(), "m"), "m");
        Assert.Equal(context, reloaded.Context);
        var first = ImageIO.Load(files[0]);
        // In chunks of 500 pixels (the last one running past the picture) as in one chunk: the same colours.
        using var chunked = new SomMlpColorizer(device, reloaded, new ColorizerOptions(), chunk: 500);
        using var whole = new SomMlpColorizer(device, reloaded, new ColorizerOptions());
        ImageData output = chunked.Colorize(first);
        Assert.Equal((48, 48), (output.Width, output.Height));
        Assert.Equal(whole.Colorize(first).Rgb8, output.Rgb8);
    }
}
