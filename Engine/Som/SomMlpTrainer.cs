using System.Text.Json.Nodes;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Patches;
using ColorKernels.Kernels.Som;

namespace ColorKernels.Engine.Som;

/// <summary>
/// Trains a SOM + MLP model (<see cref="SomMlpModel"/>): the colour map on sampled ab, then the MLP on
/// labelled patches with <see cref="PatchMlp"/> (gradients, Adam); inference lives in <see cref="SomMlpColorizer"/>.
/// </summary>
internal static class SomMlpTrainer
{
    /// <summary>A checkpoint to resume from: the model so far, and the optimiser state file (moments, step).</summary>
    internal sealed record Resume(SomMlpModel Model, ModelFile Optimizer, string Path);

    /// <summary>
    /// Trains the map (unless resuming: the saved map is kept), samples patches labelled by the map (seeded,
    /// so a resumed run samples the same ones), and trains the MLP; <paramref name="checkpoint"/> receives the
    /// model and the optimiser state every <paramref name="checkpointEvery"/> steps and at the end. A resumed
    /// run continues with the same batches it would have seen uninterrupted.
    /// </summary>
    internal static (SomMlpModel Model, SomMlpReport Report) Train(ComputeDevice device, IReadOnlyList<string> files, SomMlpSettings s,
        Action<int, double> progress, Action<string> skip, int checkpointEvery = int.MaxValue,
        Action<SomMlpModel, ModelFile>? checkpoint = null, Resume? resume = null, CancellationToken cancel = default, Func<string, ImageData>? load = null)
    {
        // Photos are files, read as needed, unless the caller holds them in memory (a film's colour frame).
        load ??= path => ImageIO.Load(path);
        if (s.Patch is not (3 or 5 or 7 or 11))
            throw new UserErrorException($"--patch {s.Patch}: the paper's patch sizes are 3, 5, 7 and 11");
        SomMap map;
        SomQuality quality = new(0, 0);
        if (resume is null)
        {
            float[] colours = SomMap.SampleColours(device, files, s.ColoursPerPhoto, s.Seed, skip, load);
            map = SomMap.Fit(device, colours, s.GridW, s.GridH, s.SomEpochs, s.Seed, (_, q) => quality = q, s.SomInit, s.SomMode);
        }
        else
        {
            map = resume.Model.Map;
            if (map.GridW != s.GridW || map.GridH != s.GridH || resume.Model.Patch != s.Patch || !resume.Model.Hidden.SequenceEqual(s.Hidden)
                || resume.Model.Context != s.Context)
                throw new UserErrorException($"--resume: the run in '{resume.Path}' has a {map.GridW}x{map.GridH} map, patch {resume.Model.Patch}, context {resume.Model.Context}, hidden {string.Join(",", resume.Model.Hidden)}; resume with the same settings");
        }

        var (patches, labels, inputSize) = SamplePatches(device, files, map, s.Patch, s.Context, s.PatchesPerPhoto, s.Seed + 1, skip, s.WorkingSize, load);
        int count = labels.Length, features = SomMlpModel.Features(s.Patch, s.Context);
        if (count < 2 * s.Batch)
            throw new UserErrorException($"only {count} patches from {files.Count} photos; at least {2 * s.Batch} needed for --batch {s.Batch}");
        var random = new Random(s.Seed + 2);
        int[] order = Enumerable.Range(0, count).OrderBy(_ => random.Next()).ToArray();
        int held = Math.Max(s.Batch, count / 10);
        int[] heldOut = order[..held], train = order[held..];

        using var mlp = new PatchMlp(device, features, s.Hidden, map.Neurons, s.Batch, s.Seed, resume?.Model.Weights);
        if (s.Rebalance is { } lambda)
            mlp.ClassWeights = SomRebalancing.Weights(train.Select(i => labels[i]).ToArray(), map.Codebook, lambda);
        int startStep = 0;
        if (resume is not null)
        {
            startStep = resume.Optimizer.Header["step"]?.GetValue<int>() ?? throw new UserErrorException($"'{resume.Path}': no step count");
            mlp.LoadOptimizer(resume.Optimizer.Tensors.ToDictionary(t => t.Name), startStep, resume.Path);
        }
        void Save()
        {
            if (checkpoint is null)
                return;
            var current = new SomMlpModel(map, s.Patch, s.Hidden, mlp.ToTensors().Select(t => t.Data).ToList(), inputSize, s.Temperature, s.Context);
            var header = new JsonObject { ["architecture"] = "som-mlp-optimizer-state", ["step"] = mlp.StepCount, ["seed"] = s.Seed, ["batch"] = s.Batch };
            checkpoint(current, new ModelFile(header, mlp.OptimizerTensors().ToList()));
        }
        var x = new float[features * s.Batch];
        var y = new int[s.Batch];
        void Fill(int[] indices, int offset)
        {
            for (int b = 0; b < s.Batch; b++)
            {
                int i = indices[(offset + b) % indices.Length];
                for (int f = 0; f < features; f++)
                    x[f * s.Batch + b] = patches[i * features + f];
                y[b] = labels[i];
            }
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int step = startStep; step < s.Steps; step++)
        {
            if (s.TimeLimit is { } limit && clock.Elapsed > limit)
                break;
            if (cancel.IsCancellationRequested)
            {
                Save();
                throw new OperationCanceledException($"stopped at step {step}; checkpoint written");
            }
            Fill(train, step * s.Batch);
            mlp.Input.Upload(x);
            progress(step + 1, mlp.Step(y, s.LearningRate));
            if ((step + 1) % checkpointEvery == 0 && step + 1 < s.Steps)
                Save();
        }
        var truth = new List<int>();
        var predicted = new List<int>();
        for (int offset = 0; offset + s.Batch <= heldOut.Length; offset += s.Batch)
        {
            Fill(heldOut, offset);
            mlp.Input.Upload(x);
            predicted.AddRange(mlp.Predict());
            truth.AddRange(y);
        }
        int correct = truth.Zip(predicted).Count(p => p.First == p.Second), seen = truth.Count;
        // The majority-class baseline: always answer the most frequent training class.
        int majorityClass = train.GroupBy(i => labels[i]).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First().Key;
        double majorityShare = heldOut.Count(i => labels[i] == majorityClass) / (double)heldOut.Length;
        var weights = mlp.ToTensors().Select(t => t.Data).ToList();
        if (resume is not null)
            quality = map.Evaluate(device, SomMap.SampleColours(device, files, s.ColoursPerPhoto, s.Seed, _ => { }, load));
        var result = (new SomMlpModel(map, s.Patch, s.Hidden, weights, inputSize, s.Temperature, s.Context),
            new SomMlpReport(quality, seen > 0 ? (double)correct / seen : double.NaN, majorityShare, train.Length, heldOut.Length,
                SomRebalancing.BalancedAccuracy(truth, predicted), 1.0 / Math.Max(1, truth.Distinct().Count())));
        Save();
        return result;
    }

    /// <summary>
    /// Random patches (feature-major per patch: [count][K K]), the BMU class of each centre pixel's ab, and the
    /// scale the patches were taken at: the median of the photos' longer sides, as a multiple of 8 (colorize
    /// works at that scale by default, since a K x K patch means what it meant in training only there).
    /// </summary>
    private static (float[] Patches, int[] Labels, int InputSize) SamplePatches(ComputeDevice device, IReadOnlyList<string> files, SomMap map, int k,
        int context, int perPhoto, int seed, Action<string> skip, int workingSize, Func<string, ImageData> load)
    {
        var random = new Random(seed);
        var patches = new List<float>();
        var labels = new List<int>();
        var sides = new List<int>();
        using Tensor<float> book = device.Upload("codebook", new Shape(map.Neurons, 2), map.Codebook);
        foreach (string file in files)
        {
            ImageData image;
            try
            {
                image = load(file);
            }
            catch (UserErrorException e)
            {
                skip(e.Message);
                continue;
            }
            sides.Add(Math.Max(image.Width, image.Height));
            using Tensor<float> full = device.Allocate<float>("lab", Shape.Nchw(1, 3, image.Height, image.Width));
            LabOps.ImageToLab(device, image, full);
            var (height, width) = SomMlpModel.WorkingDims(image.Height, image.Width, workingSize);
            // Patches at the working scale: the photo's Lab scaled down (all three channels) when it is larger.
            using Tensor<float>? small = height == image.Height && width == image.Width ? null
                : device.Allocate<float>("lab-working", Shape.Nchw(1, 3, height, width));
            if (small is not null)
                ResampleOps.ResizeBilinear(full, 0, 3, small, 0);
            Tensor<float> lab = small ?? full;
            int pixels = height * width;
            int n = Math.Min(perPhoto, pixels);
            int[] centres = Enumerable.Range(0, n).Select(_ => random.Next(pixels)).ToArray();
            using Tensor<int> tc = device.Upload("centres", new Shape(n), centres);
            int features = SomMlpModel.Features(k, context);
            using Tensor<float> tp = device.Allocate<float>("patches", new Shape(features, n));
            PatchOps.ExtractPatches(device, lab.View, tc.View, tp.View, new PatchArgs(height, width, k, n, 0, 1));
            if (context > 0)
                PatchOps.ExtractPatches(device, lab.View, tc.View, tp.View.SubView(k * k * n, k * k * n),
                    new PatchArgs(height, width, k, n, 0, 1, 0, context));
            float[] p = tp.Download(), values = lab.Download();
            // The classes: BMUs of the centre pixels' ab (kernel).
            var samples = new float[2 * n];
            for (int i = 0; i < n; i++)
            {
                samples[i] = values[pixels + centres[i]];
                samples[n + i] = values[2 * pixels + centres[i]];
            }
            using Tensor<float> ts = device.Upload("samples", new Shape(2, n), samples);
            using Tensor<int> bmu = device.Allocate<int>("bmu", new Shape(n));
            using Tensor<int> second = device.Allocate<int>("second", new Shape(n));
            using Tensor<float> distance = device.Allocate<float>("distance", new Shape(n));
            SomOps.Bmu(ts, book, bmu, second, distance, new SomArgs(n, map.GridW, map.GridH, 1f, 1f, 1));
            int[] b = bmu.Download();
            for (int i = 0; i < n; i++)
            {
                for (int f = 0; f < features; f++)
                    patches.Add(p[f * n + i]);
                labels.Add(b[i]);
            }
        }
        int median = workingSize > 0 ? Math.Min(workingSize, sides.DefaultIfEmpty(workingSize).Max())
            : sides.Count == 0 ? 0 : sides.Order().ElementAt(sides.Count / 2);
        return (patches.ToArray(), labels.ToArray(), Math.Clamp((median + 4) / 8 * 8, 8, ModelFile.MaxInputSize));
    }
}
