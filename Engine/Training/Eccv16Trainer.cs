using System.Text.Json.Nodes;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Convolution;

namespace ColorKernels.Engine.Training;

/// <summary>The loss a model is trained with.</summary>
public enum LossKind
{
    /// <summary>Multinomial cross-entropy on soft-encoded targets, weighted by class rebalancing (the paper's).</summary>
    Rebalanced,

    /// <summary>The same cross-entropy without rebalancing (every colourful pixel weighs 1).</summary>
    CrossEntropy,

    /// <summary>The paper's regression baseline: a 2-channel head, squared error on ab / ab_scale.</summary>
    L2,
}

/// <summary>The optimiser a model is trained with.</summary>
public enum OptimizerKind
{
    /// <summary>Adam (the paper's: beta1 0.9, beta2 0.99).</summary>
    Adam,

    /// <summary>SGD with momentum.</summary>
    Sgd,
}

/// <summary>Hyper-parameters of training that affect the numbers (saved with checkpoints).</summary>
public sealed record TrainSettings
{
    /// <summary>Photos per step.</summary>
    public int Batch { get; init; } = 8;
    /// <summary>Random crop size (a multiple of 8).</summary>
    public int Crop { get; init; } = 176;
    /// <summary>The loss.</summary>
    public LossKind Loss { get; init; } = LossKind.Rebalanced;
    /// <summary>The optimiser.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;
    /// <summary>Adam's beta1.</summary>
    public float Beta1 { get; init; } = 0.9f;
    /// <summary>Adam's beta2.</summary>
    public float Beta2 { get; init; } = 0.99f;
    /// <summary>Adam's epsilon.</summary>
    public float Epsilon { get; init; } = 1e-8f;
    /// <summary>SGD's momentum.</summary>
    public float Momentum { get; init; } = 0.9f;
    /// <summary>L2 weight decay.</summary>
    public float WeightDecay { get; init; } = 1e-3f;
    /// <summary>Clip the gradient's global norm to this (0: off).</summary>
    public float ClipNorm { get; init; }
    /// <summary>Soft-encoding neighbours.</summary>
    public int Neighbours { get; init; } = 5;
    /// <summary>Soft-encoding Gaussian sigma (ab units).</summary>
    public float Sigma { get; init; } = 5f;
    /// <summary>Batch-norm running-statistics momentum.</summary>
    public float BnMomentum { get; init; } = 0.1f;
    /// <summary>The hint network's ab loss: the smooth-L1 threshold in ab units (the paper's 1).</summary>
    public float HintDelta { get; init; } = 1f;
    /// <summary>The hint network's ab loss weight beside its classification loss (weight 1).</summary>
    public float HintAbWeight { get; init; } = 10f;
}

/// <summary>
/// Trains an ECCV16 network on one device: every layer run unfused in training mode (batch-norm batch
/// statistics), its activations kept for the backward pass, gradients accumulated per parameter, then one
/// Adam or SGD update. The model's decode layer (model_out, the bin centres) is fixed, as in the paper.
/// One step reads back only its loss (and the gradient norm when clipping).
/// The hint network (<see cref="Eccv16Config.Hints"/>) trains the same way on simulated hints (the batch's
/// squares, each given its mean true ab on the device): its classification head with the loss above at a
/// quarter of the crop, its ab head with smooth L1 at the crop's full resolution, weighted by
/// <see cref="TrainSettings.HintAbWeight"/>; the reported loss is their sum.
/// </summary>
internal sealed class Eccv16Trainer : IDisposable
{
    private readonly ComputeDevice device;
    private readonly TrainSettings settings;
    private readonly Dictionary<string, Tensor<float>> tensors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor<float>> grads = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor<float>> moment1 = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor<float>> moment2 = new(StringComparer.Ordinal);
    private readonly List<string> parameterNames;
    private readonly Eccv16Passes passes;
    private readonly Tensor<float> centres, classWeight, imageWeight, pixelWeight, targetWeight, loss, normSquared, normPartials, ab;
    private readonly Tensor<int> targetIndex;
    private readonly int size, outSize, neighbours;
    private readonly Tensor<float>? scaledAb, abFull, fullWeight, fullLoss;

    public Eccv16Trainer(ComputeDevice device, ModelFile model, TrainSettings settings, IReadOnlyList<double> rebalancingWeights)
    {
        this.device = device;
        this.settings = settings;
        Config = Eccv16InferenceNetwork.Validate(model, "initial model");
        if (settings.Crop % 8 != 0 || settings.Crop < 8)
            throw new UserErrorException($"--crop {settings.Crop}: must be a positive multiple of 8");
        size = settings.Crop;
        outSize = size / 4;
        if (!Config.Hints && (settings.Loss == LossKind.L2) != Config.Regression)
            throw new UserErrorException(settings.Loss == LossKind.L2
                ? "--loss l2 needs a regression-head model (a new one, or --init from 'model init --head regression')"
                : $"--loss {(settings.Loss == LossKind.Rebalanced ? "rebalanced" : "ce")} needs a classification-head model; this one has a regression head");
        var expected = Eccv16Architecture.Tensors(Config);
        parameterNames = expected.Where(t => t.IsParameter && t.Name != "model_out.weight").Select(t => t.Name).ToList();
        try
        {
            foreach (StoredTensor t in model.Tensors)
                tensors[t.Name] = device.Upload(t.Name, new Shape(t.Shape), t.Data);
            foreach (string name in parameterNames)
            {
                Shape shape = tensors[name].Shape;
                grads[name] = device.Allocate<float>("d" + name, shape);
                moment1[name] = Zeros("m." + name, shape);
                if (settings.Optimizer == OptimizerKind.Adam)
                    moment2[name] = Zeros("v." + name, shape);
            }

            int n = settings.Batch;
            passes = new Eccv16Passes(device, Config, name => tensors[name], name => grads[name]);

            var centreData = Eccv16Architecture.CentresPlanar();
            centres = device.Upload("centres", new Shape(2, Eccv16Config.Bins), centreData);
            if (Config.Regression)
                scaledAb = device.Allocate<float>("ab_target_scaled", Shape.Nchw(n, 2, outSize, outSize));
            if (Config.Hints)
            {
                if (settings.Loss == LossKind.L2)
                    throw new UserErrorException("--loss l2: the hint network's classification head trains with rebalanced or ce (its ab head with smooth L1)");
                abFull = device.Allocate<float>("ab_target_full", Shape.Nchw(n, 2, size, size));
                fullWeight = device.Upload("full_weight", new Shape(n, size, size), Enumerable.Repeat(1f, n * size * size).ToArray());
                fullLoss = device.Allocate<float>("full_loss", new Shape(n, size, size));
            }
            float[] weights = settings.Loss == LossKind.Rebalanced
                ? rebalancingWeights.Select(x => (float)x).ToArray()
                : Enumerable.Repeat(1f, Eccv16Config.Bins).ToArray();
            if (weights.Length != Eccv16Config.Bins)
                throw new UserErrorException($"rebalancing weights: {weights.Length} values, expected {Eccv16Config.Bins}");
            classWeight = device.Upload("class_weight", new Shape(Eccv16Config.Bins), weights);
            imageWeight = device.Allocate<float>("image_weight", new Shape(n));
            pixelWeight = device.Allocate<float>("pixel_weight", new Shape(n, outSize, outSize));
            // L2 needs no soft targets; soft-encoding with one neighbour and unit class weights still yields the
            // per-pixel weight (0 for images without colour).
            neighbours = settings.Loss == LossKind.L2 ? 1 : settings.Neighbours;
            targetIndex = device.Allocate<int>("target_index", Shape.Nchw(n, neighbours, outSize, outSize));
            targetWeight = device.Allocate<float>("target_weight", Shape.Nchw(n, neighbours, outSize, outSize));
            loss = device.Allocate<float>("loss", new Shape(n, outSize, outSize));
            normSquared = device.Allocate<float>("grad_norm_squared", new Shape(1));
            normPartials = device.Allocate<float>("grad_norm_partials", new Shape(device.Launcher.MaxElementThreads));
            ab = device.Allocate<float>("ab_target", Shape.Nchw(n, 2, outSize, outSize));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public Eccv16Config Config { get; }

    /// <summary>Optimiser steps taken (restored from a checkpoint on resume).</summary>
    public int StepCount { get; private set; }

    /// <summary>The network input size (the crop) and the size of its output (crop / 4).</summary>
    public int InputSize => size;

    /// <summary>
    /// One training step on a batch: lab [N, 3, crop, crop] (L in 0..100). Returns the mean loss per output
    /// pixel, and the gradient norm before clipping (0 when clipping is off). A NaN or infinite loss is
    /// returned as it is, before any parameter is changed, so the caller can stop with the last good state.
    /// </summary>
    public (double Loss, double GradNorm) Step(Tensor<float> lab, float learningRate, int[]? hintSquares = null)
    {
        Forward(lab, training: true, hintSquares);
        double meanLoss = ComputeLoss(withGradient: true);
        if (!double.IsFinite(meanLoss))
            return (meanLoss, double.NaN);
        foreach (Tensor<float> g in grads.Values)
            BufferOps.Fill(g, 0f);
        passes.Backward(Input());

        double norm = 0;
        float scale = 1f;
        if (settings.ClipNorm > 0)
        {
            BufferOps.Fill(normSquared, 0f);
            foreach (Tensor<float> g in grads.Values)
                BufferOps.AddSumOfSquares(g, normPartials, normSquared);
            norm = Math.Sqrt(normSquared.Download()[0]);   // step boundary: one float read back
            if (!double.IsFinite(norm))
                return (double.NaN, norm);
            if (norm > settings.ClipNorm)
                scale = (float)(settings.ClipNorm / norm);
        }
        StepCount++;
        foreach (string name in parameterNames)
        {
            if (settings.Optimizer == OptimizerKind.Adam)
                OptimizerOps.Adam(tensors[name], grads[name], moment1[name], moment2[name], learningRate, settings.Beta1, settings.Beta2,
                    settings.Epsilon, settings.WeightDecay, StepCount, scale);
            else
                OptimizerOps.Sgd(tensors[name], grads[name], moment1[name], learningRate, settings.Momentum, settings.WeightDecay, scale);
        }
        return (meanLoss, norm);
    }

    /// <summary>Mean loss on a batch with inference-mode batch norm (running statistics); nothing is updated.</summary>
    public double Evaluate(Tensor<float> lab, int[]? hintSquares = null)
    {
        Forward(lab, training: false, hintSquares);
        return ComputeLoss(withGradient: false);
    }

    private void Forward(Tensor<float> lab, bool training, int[]? hintSquares)
    {
        if (!lab.Shape.Equals(Shape.Nchw(settings.Batch, 3, size, size)))
            throw new ArgumentException($"training batch '{lab.Name}' is {lab.Shape}; expected {Shape.Nchw(settings.Batch, 3, size, size)}");
        // Network input: (L - l_center) / l_scale into the input slot... the first conv reads it from slot "input".
        Tensor<float> input = Input();
        ResampleOps.ResizeBilinear(lab, 0, 1, input, 0, 1f / Config.LScale, -Config.LCenter / Config.LScale);
        ResampleOps.ResizeBilinear(lab, 1, 2, ab, 0);
        if (Config.Hints)
        {
            HintTable.Write(device, lab, hintSquares ?? Array.Empty<int>(), input, Config);
            ResampleOps.ResizeBilinear(lab, 1, 2, abFull!, 0, 1f / Config.AbScale, 0f);
        }
        logits = passes.Forward(input, training ? ForwardMode.Training : ForwardMode.Unfused, settings.BnMomentum);
    }

    private Tensor<float>? logits;

    private Tensor<float>? input;

    private Tensor<float> Input() => input ??= device.Allocate<float>("input", Shape.Nchw(settings.Batch, Config.InputChannels, size, size));

    private double ComputeLoss(bool withGradient)
    {
        Tensor<float> logits = Config.Hints ? passes.Output(Eccv16Config.ClassHead) : this.logits!;
        LossOps.ColourfulImages(ab, imageWeight, 5f);
        LossOps.SoftEncode(ab, centres, classWeight, imageWeight, targetIndex, targetWeight, pixelWeight, neighbours, settings.Sigma);
        int pixels = settings.Batch * outSize * outSize;
        // The gradient slot of the output receives dL/dz for L = mean over output pixels.
        if (scaledAb is not null)
        {
            ResampleOps.ResizeBilinear(ab, 0, 2, scaledAb, 0, 1f / Config.AbScale, 0f);
            LossOps.L2Regression(logits, scaledAb, pixelWeight, loss, passes.OutputGradient, 1f / pixels);
        }
        else
        {
            Tensor<float> dLogits = Config.Hints ? passes.Gradient(Eccv16Config.ClassHead) : passes.OutputGradient;
            LossOps.SoftmaxCrossEntropy(logits, targetIndex, targetWeight, pixelWeight, loss, dLogits, 1f / pixels);
        }
        double total = Mean(loss);   // step boundary: the loss maps are read back for the log
        if (Config.Hints)
        {
            float weight = settings.HintAbWeight;
            LossOps.SmoothL1(this.logits!, abFull!, fullWeight!, fullLoss!, passes.OutputGradient, settings.HintDelta / Config.AbScale,
                weight / fullLoss!.Elements);
            total += weight * Mean(fullLoss);
        }
        return total;
    }

    private static double Mean(Tensor<float> perPixel)
    {
        double sum = 0;
        foreach (float v in perPixel.Download())
            sum += v;
        return sum / perPixel.Elements;
    }

    /// <summary>A parameter's values (tests: finite differences through a whole network).</summary>
    internal float[] ParameterValues(string name) => tensors[name].Download();

    /// <summary>Overwrites a parameter (tests: finite differences through a whole network).</summary>
    internal void SetParameter(string name, float[] values) => tensors[name].Upload(values);

    /// <summary>A parameter's gradient from the last <see cref="Step"/>.</summary>
    internal float[] GradientValues(string name) => grads[name].Download();

    /// <summary>The current model (parameters and running statistics) as a model file.</summary>
    public ModelFile ToModelFile() => new(Config.ToHeader(),
        Eccv16Architecture.Tensors(Config).Select(t => new StoredTensor(t.Name, t.Shape, tensors[t.Name].Download())).ToList());

    /// <summary>The optimiser state (moments) and step count, as a file of its own architecture name.</summary>
    public ModelFile OptimizerState(JsonObject extraHeader)
    {
        var header = (JsonObject)extraHeader.DeepClone();
        header["architecture"] = OptimizerStateArchitecture;
        header["optimizer"] = settings.Optimizer.ToString().ToLowerInvariant();
        header["step"] = StepCount;
        var list = new List<StoredTensor>();
        foreach (string name in parameterNames)
        {
            list.Add(new StoredTensor("m." + name, tensors[name].Shape.Dims.ToArray(), moment1[name].Download()));
            if (moment2.TryGetValue(name, out Tensor<float>? v))
                list.Add(new StoredTensor("v." + name, tensors[name].Shape.Dims.ToArray(), v.Download()));
        }
        return new ModelFile(header, list);
    }

    public const string OptimizerStateArchitecture = "eccv16-optimizer-state";

    /// <summary>Restores the moments and step count written by <see cref="OptimizerState"/>.</summary>
    public void LoadOptimizerState(ModelFile state, string path)
    {
        if (state.Architecture != OptimizerStateArchitecture)
            throw new UserErrorException($"'{path}': not an optimiser state file (architecture '{state.Architecture}')");
        string kind = state.Header["optimizer"]?.GetValue<string>() ?? "";
        if (kind != settings.Optimizer.ToString().ToLowerInvariant())
            throw new UserErrorException($"'{path}': optimiser state is for {kind}, this run uses {settings.Optimizer.ToString().ToLowerInvariant()}");
        var stored = state.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        foreach (string name in parameterNames)
        {
            Restore("m." + name, moment1[name]);
            if (moment2.TryGetValue(name, out Tensor<float>? v))
                Restore("v." + name, v);
        }
        StepCount = state.Header["step"]?.GetValue<int>() ?? throw new UserErrorException($"'{path}': no step count");

        void Restore(string name, Tensor<float> target)
        {
            if (!stored.TryGetValue(name, out StoredTensor? t) || !t.Shape.SequenceEqual(target.Shape.Dims))
                throw new UserErrorException($"'{path}': optimiser tensor '{name}' missing or of the wrong shape (expected {target.Shape})");
            target.Upload(t.Data);
        }
    }

    private Tensor<float> Zeros(string name, Shape shape) => device.Upload(name, shape, new float[shape.Elements]);

    public void Dispose()
    {
        foreach (var group in new[] { tensors.Values, grads.Values, moment1.Values, moment2.Values })
            foreach (Tensor<float> t in group)
                t.Dispose();
        passes?.Dispose();
        foreach (IDisposable? t in new IDisposable?[] { centres, classWeight, imageWeight, pixelWeight, targetWeight, loss, normSquared, normPartials, ab, scaledAb, targetIndex, input, abFull, fullWeight, fullLoss })
            t?.Dispose();
    }
}
