using ColorKernels.Engine.Ops;
using ColorKernels.Engine;
using ColorKernels.Engine.Color;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Tensors;
using ColorKernels.Engine.Training;
using ColorKernels.Tests.Support;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace ColorKernels.Tests.Training;

/// <summary>Training end to end on the CPU accelerator: overfitting, checkpoints and exact resumption, rebalancing.</summary>
public sealed class TrainingTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("ck-train-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    /// <summary>A colourful synthetic photo: four quadrants of different hues with a gradient, so L predicts ab.</summary>
    private static byte[] Photo(int size, int variant)
    {
        var rgb = new byte[size * size * 3];
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                int quadrant = (y < size / 2 ? 0 : 2) + (x < size / 2 ? 0 : 1);
                (int r, int g, int b) = ((quadrant + variant) % 4) switch
                {
                    0 => (200, 40, 40),
                    1 => (40, 160, 60),
                    2 => (50, 70, 210),
                    _ => (230, 210, 60),
                };
                int shade = (x + y) % 16;
                int i = (y * size + x) * 3;
                (rgb[i], rgb[i + 1], rgb[i + 2]) = ((byte)Math.Min(255, r + shade), (byte)Math.Min(255, g + shade), (byte)Math.Min(255, b + shade));
            }
        return rgb;
    }

    private void WritePhotos(string folder, int count)
    {
        Directory.CreateDirectory(folder);
        for (int i = 0; i < count; i++)
        {
            using var image = Image.LoadPixelData<Rgb24>(Photo(48, i), 48, 48);
            image.Save(Path.Combine(folder, $"photo{i}.png"));
        }
    }

    [Fact]
    public void A_tiny_network_overfits_one_photo()
    {
        // Width 1/16 on a 32x32 photo, batch 2 of the same picture, Adam lr 3e-3, plain cross-entropy.
        // Measured: the loss falls from about 5.8 (uniform over 313 bins: ln 313 = 5.75) to below 2 within
        // 60 steps; the test asks for a factor of 2 within 60 steps, a few seconds on 2 cores.
        ComputeDevice device = TestDevices.Get("cpu:0");
        ModelFile model = NetworkInit.Create(NetworkConfig.Eccv16(1.0 / 16), seed: 3);
        var settings = new TrainSettings { Batch = 2, Crop = 32, Loss = LossKind.CrossEntropy, WeightDecay = 0f };
        using var trainer = new NetworkTrainer(device, model, settings, Rebalancing.Weights(Rebalancing.ImageNetPrior()));
        var (first, last) = TrainOnOnePhoto(device, trainer, Photo(32, 0), steps: 60);
        Assert.InRange(first, 5.0, 10.0);
        Assert.True(last < first / 2, $"loss went from {first} to {last} in 60 steps; expected at least halved");
    }

    [Fact]
    public void The_L2_regression_baseline_trains_and_colourizes()
    {
        // Width 1/16, 32x32, the same photo twice, Adam lr 3e-3: the squared error (on ab / 110) falls by a
        // factor of 2 within 30 steps (measured: several-fold). The trained regression model then colourizes.
        ComputeDevice device = TestDevices.Get("cpu:0");
        ModelFile model = NetworkInit.Create(new NetworkConfig(Eccv16Architecture.Instance, 1.0 / 16, Regression: true), seed: 3);
        var settings = new TrainSettings { Batch = 2, Crop = 32, Loss = LossKind.L2, WeightDecay = 0f };
        using var trainer = new NetworkTrainer(device, model, settings, Rebalancing.Weights(Rebalancing.ImageNetPrior()));
        byte[] photo = Photo(32, 1);
        var (first, last) = TrainOnOnePhoto(device, trainer, photo, steps: 30);
        Assert.True(last < first / 2, $"L2 loss went from {first} to {last} in 30 steps");

        using var network = InferenceNetwork.Load(device, trainer.ToModelFile(), "trained");
        using var colorizer = new NetworkColorizer(network, 32, 0.38f);
        var output = colorizer.Colorize(new[] { ColorKernels.Engine.Imaging.ImageData.FromRgb8(32, 32, photo) });
        Assert.Equal(32, output[0].Width);

        // A classification model cannot be trained with --loss l2, nor a regression one with cross-entropy.
        Assert.Throws<UserErrorException>(() => new NetworkTrainer(device, NetworkInit.Create(NetworkConfig.Eccv16(1.0 / 16), 1), settings, Rebalancing.ImageNetPrior()));
        Assert.Throws<UserErrorException>(() => new NetworkTrainer(device, model, settings with { Loss = LossKind.Rebalanced }, Rebalancing.ImageNetPrior()));
    }

    /// <summary>Trains on a batch of two copies of one 32x32 photo at lr 3e-3; the first and last step's loss.</summary>
    private static (double First, double Last) TrainOnOnePhoto(ComputeDevice device, NetworkTrainer trainer, byte[] photo, int steps)
    {
        using Tensor<byte> rgb = device.Upload("rgb", new Shape(2, 32, 32, 3), photo.Concat(photo).ToArray());
        using Tensor<float> lab = device.Allocate<float>("lab", Shape.Nchw(2, 3, 32, 32));
        LabOps.SrgbBytesToLab(rgb, lab);
        double first = trainer.Step(lab, 3e-3f).Loss, last = first;
        for (int i = 1; i < steps; i++)
            last = trainer.Step(lab, 3e-3f).Loss;
        return (first, last);
    }

    private TrainRunOptions Options(string run, int steps) => new()
    {
        Data = Path.Combine(dir, "photos"),
        Out = Path.Combine(dir, run),
        Width = 1.0 / 32,
        Steps = steps,
        LearningRate = 1e-3,
        Schedule = "cosine",
        Seed = 11,
        Resize = 40,
        CheckpointEvery = 5,
        ValEvery = 5,
        Settings = new TrainSettings { Batch = 3, Crop = 32, ClipNorm = 5f },
    };

    private static double[] Losses(string log) =>
        File.ReadAllLines(log).Skip(1).Select(l => double.Parse(l.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Resuming_continues_exactly_as_an_uninterrupted_run(bool hints)
    {
        // 20 steps straight against a run of 20 stopped after 10 (as Ctrl-C does) and resumed: the same
        // losses to 1e-5 (the bound; in fact bit-identical, every kernel being deterministic). The
        // cosine schedule, clipping and augmentation all take part; for the hint network also its simulated
        // hints, drawn from (seed, sample) alone.
        WritePhotos(Path.Combine(dir, "photos"), 7);
        ComputeDevice device = TestDevices.Get("cpu:0");
        var warnings = new List<string>();
        new NetworkTrainingRun(Options("straight", 20) with { Hints = hints }).Run(device, CancellationToken.None, _ => { }, warnings.Add);
        using var stop = new CancellationTokenSource();
        RunEnd first = new NetworkTrainingRun(Options("split", 20) with { Hints = hints }).Run(device, stop.Token, r =>
        {
            if (r.Step == 10)
                stop.Cancel();
        }, warnings.Add);
        Assert.Equal(RunEnd.Interrupted, first);
        Assert.Equal(10, Losses(Path.Combine(dir, "split", "log.csv")).Length);
        new NetworkTrainingRun(Options("split", 20) with { Resume = true, Hints = hints }).Run(device, CancellationToken.None, _ => { }, warnings.Add);

        double[] straight = Losses(Path.Combine(dir, "straight", "log.csv")), split = Losses(Path.Combine(dir, "split", "log.csv"));
        Assert.Equal(20, straight.Length);
        Assert.Equal(20, split.Length);
        for (int i = 0; i < 20; i++)
            Assert.True(Math.Abs(straight[i] - split[i]) <= 1e-5, $"step {i + 1}: {straight[i]} straight, {split[i]} resumed");
        Assert.Empty(warnings);
        Assert.True(File.Exists(Path.Combine(dir, "split", "loss.png")));
        // The checkpoint is an ordinary model file that colourizes.
        ModelFile model = ModelFile.Read(Path.Combine(dir, "split", "model.ckm"));
        Assert.Equal(hints ? Siggraph17Architecture.ArchitectureName : Eccv16Architecture.ArchitectureName, model.Architecture);
        using var network = InferenceNetwork.Load(device, model, "run");
    }

    [Fact]
    public void Interrupting_writes_a_checkpoint_that_resumes()
    {
        WritePhotos(Path.Combine(dir, "photos"), 4);
        ComputeDevice device = TestDevices.Get("cpu:0");
        using var cancel = new CancellationTokenSource();
        RunEnd end = new NetworkTrainingRun(Options("stopped", 50)).Run(device, cancel.Token, r =>
        {
            if (r.Step == 3)
                cancel.Cancel();
        }, _ => { });
        Assert.Equal(RunEnd.Interrupted, end);
        Assert.Equal(3, ModelFile.Read(Path.Combine(dir, "stopped", "model.ckm")).Header["step"]!.GetValue<int>());
        Assert.Equal(RunEnd.Finished, new NetworkTrainingRun(Options("stopped", 6) with { Resume = true }).Run(device, CancellationToken.None, _ => { }, _ => { }));
        Assert.Equal(6, Losses(Path.Combine(dir, "stopped", "log.csv")).Length);
    }

    [Fact]
    public void Mismatched_or_corrupt_checkpoints_are_refused()
    {
        WritePhotos(Path.Combine(dir, "photos"), 4);
        ComputeDevice device = TestDevices.Get("cpu:0");
        new NetworkTrainingRun(Options("run", 5)).Run(device, CancellationToken.None, _ => { }, _ => { });

        // Different settings on resume.
        var e = Assert.Throws<UserErrorException>(() => new NetworkTrainingRun(Options("run", 10) with { Resume = true, Seed = 12 })
            .Run(device, CancellationToken.None, _ => { }, _ => { }));
        Assert.Contains("seed", e.Message);

        // Starting over an existing run without --resume.
        Assert.Throws<UserErrorException>(() => new NetworkTrainingRun(Options("run", 10)).Run(device, CancellationToken.None, _ => { }, _ => { }));

        // A corrupt model checkpoint.
        string model = Path.Combine(dir, "run", "model.ckm");
        byte[] bytes = File.ReadAllBytes(model);
        bytes[^3] ^= 0xFF;
        File.WriteAllBytes(model, bytes);
        e = Assert.Throws<UserErrorException>(() => new NetworkTrainingRun(Options("run", 10) with { Resume = true }).Run(device, CancellationToken.None, _ => { }, _ => { }));
        Assert.Contains("checksum", e.Message);

        // Model and optimiser state from different steps.
        new NetworkTrainingRun(Options("other", 4)).Run(device, CancellationToken.None, _ => { }, _ => { });
        File.Copy(Path.Combine(dir, "other", "model.ckm"), model, overwrite: true);
        e = Assert.Throws<UserErrorException>(() => new NetworkTrainingRun(Options("run", 10) with { Resume = true }).Run(device, CancellationToken.None, _ => { }, _ => { }));
        Assert.Contains("mismatched checkpoint", e.Message);
    }

    [Fact]
    public void Unreadable_photos_are_skipped_with_a_warning()
    {
        WritePhotos(Path.Combine(dir, "photos"), 3);
        File.WriteAllText(Path.Combine(dir, "photos", "broken.png"), "not a png");
        ComputeDevice device = TestDevices.Get("cpu:0");
        var warnings = new List<string>();
        new NetworkTrainingRun(Options("skip", 3)).Run(device, CancellationToken.None, _ => { }, warnings.Add);
        Assert.NotEmpty(warnings);
        Assert.All(warnings, w => Assert.Contains("broken.png", w));
    }

    [Fact]
    public void Rebalancing_weights_have_expectation_one_under_the_prior()
    {
        double[] prior = Rebalancing.ImageNetPrior();
        Assert.Equal(1.0, prior.Sum(), 6);
        Assert.Equal(120, Array.IndexOf(prior, prior.Max()));   // the grey bin, as the README beside the data says
        double[] w = Rebalancing.Weights(prior);
        Assert.Equal(1.0, prior.Zip(w, (p, x) => p * x).Sum(), 9);
        // Rare colours weigh more than grey; lambda = 1 would make every weight equal.
        Assert.True(w[120] < w.Max());
        Assert.All(Rebalancing.Weights(prior, 1.0), x => Assert.Equal(Rebalancing.Weights(prior, 1.0)[0], x, 9));
    }

    [Fact]
    public void Smoothing_keeps_a_distribution_and_spreads_a_single_bin()
    {
        var counts = new long[313];
        counts[120] = 1000;
        double[] p = Rebalancing.SmoothedDistribution(counts, 5.0);
        Assert.Equal(1.0, p.Sum(), 9);
        Assert.Equal(120, Array.IndexOf(p, p.Max()));
        // Neighbours 10 apart get exp(-100 / 50) = e^-2 of the centre's mass, before normalisation.
        int right = Enumerable.Range(0, 313).Single(q => BinCodebook.Centres[q, 0] == 10 && BinCodebook.Centres[q, 1] == 0);
        Assert.Equal(Math.Exp(-2), p[right] / p[120], 6);
        Assert.Throws<UserErrorException>(() => Rebalancing.SmoothedDistribution(new long[313]));
    }

    [Fact]
    public void Prior_counts_every_pixel_of_the_photos()
    {
        WritePhotos(Path.Combine(dir, "photos"), 3);
        File.WriteAllText(Path.Combine(dir, "photos", "broken.png"), "x");
        ComputeDevice device = TestDevices.Get("cpu:0");
        var skipped = new List<string>();
        long[] counts = PriorBuilder.Count(device, PhotoBatches.Scan(Path.Combine(dir, "photos")), skipped.Add);
        Assert.Equal(3L * 48 * 48, counts.Sum());
        Assert.Single(skipped);
        Assert.True(counts.Count(c => c > 0) >= 4);
    }
}
