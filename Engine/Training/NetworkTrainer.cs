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
/// Trains a network model (any <see cref="NetworkArchitecture"/>) on one device: every layer run unfused in
/// training mode (batch-norm batch statistics), its activations kept for the backward pass, gradients
/// accumulated per parameter, then one Adam or SGD update. ECCV16's decode layer (model_out, the bin centres)
/// is fixed, as in the paper. The classification targets (soft-encoded bins, rebalancing weights) are made here
/// for every architecture; its <see cref="TrainingHeads"/> (<see cref="Eccv16Heads"/>,
/// <see cref="HintNetworkHeads"/>) fill the input after L and turn the targets into losses and gradients.
/// One step reads back only its loss (and the gradient norm when clipping).
/// </summary>
internal sealed class NetworkTrainer : IDisposable
{
    private readonly ComputeDevice device;
    private readonly TrainSettings settings;
    private readonly Dictionary<string, Tensor<float>> tensors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor<float>> grads = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor<float>> moment1 = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor<float>> moment2 = new(StringComparer.Ordinal);
    private readonly List<string> parameterNames;
    private readonly LayerGraph passes;
    private readonly TrainingHeads heads;
    private readonly Tensor<float> centres, classWeight, imageWeight, pixelWeight, targetWeight, loss, normSquared, normPartials, ab;
    private readonly Tensor<int> targetIndex;
    private readonly int size, outSize, neighbours;

    public NetworkTrainer(ComputeDevice device, ModelFile model, TrainSettings settings, IReadOnlyList<double> rebalancingWeights)
    {
        this.device = device;
        this.settings = settings;
        Config = InferenceNetwork.Validate(model, "initial model");
        if (settings.Crop % 8 != 0 || settings.Crop < 8)
            throw new UserErrorException($"--crop {settings.Crop}: must be a positive multiple of 8");
        size = settings.Crop;
        outSize = size / 4;
        var expected = Config.Tensors();
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
            passes = new LayerGraph(device, Config, name => tensors[name], name => grads[name]);
            heads = Config.Architecture.CreateHeads(new TrainingHeadsContext(device, Config, settings, passes, size));

            centres = device.Upload("centres", new Shape(2, BinCodebook.Count), BinCodebook.Planar());
            float[] weights = settings.Loss == LossKind.Rebalanced
                ? rebalancingWeights.Select(x => (float)x).ToArray()
                : Enumerable.Repeat(1f, BinCodebook.Count).ToArray();
            if (weights.Length != BinCodebook.Count)
                throw new UserErrorException($"rebalancing weights: {weights.Length} values, expected {BinCodebook.Count}");
            classWeight = device.Upload("class_weight", new Shape(BinCodebook.Count), weights);
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

    public NetworkConfig Config { get; }

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
        double meanLoss = ComputeLoss();
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
        return ComputeLoss();
    }

    private void Forward(Tensor<float> lab, bool training, int[]? hintSquares)
    {
        if (!lab.Shape.Equals(Shape.Nchw(settings.Batch, 3, size, size)))
            throw new ArgumentException($"training batch '{lab.Name}' is {lab.Shape}; expected {Shape.Nchw(settings.Batch, 3, size, size)}");
        // Network input: (L - l_center) / l_scale into the input slot... the first conv reads it from slot "input".
        Tensor<float> input = Input();
        ResampleOps.ResizeBilinear(lab, 0, 1, input, 0, 1f / Config.LScale, -Config.LCenter / Config.LScale);
        ResampleOps.ResizeBilinear(lab, 1, 2, ab, 0);
        heads.PrepareBatch(lab, input, hintSquares);
        passes.Forward(input, training ? ForwardMode.Training : ForwardMode.Unfused, settings.BnMomentum);
    }

    private Tensor<float>? input;

    private Tensor<float> Input() => input ??= device.Allocate<float>("input", Shape.Nchw(settings.Batch, Config.InputChannels, size, size));

    /// <summary>The batch's classification targets at a quarter of the crop, then the heads' losses (their gradients written).</summary>
    private double ComputeLoss()
    {
        LossOps.ColourfulImages(ab, imageWeight, 5f);
        LossOps.SoftEncode(ab, centres, classWeight, imageWeight, targetIndex, targetWeight, pixelWeight, neighbours, settings.Sigma);
        int pixels = settings.Batch * outSize * outSize;
        return heads.Loss(new ClassificationTargets(ab, targetIndex, targetWeight, pixelWeight, loss, 1f / pixels));
    }

    /// <summary>A parameter's values (tests: finite differences through a whole network).</summary>
    internal float[] ParameterValues(string name) => tensors[name].Download();

    /// <summary>Overwrites a parameter (tests: finite differences through a whole network).</summary>
    internal void SetParameter(string name, float[] values) => tensors[name].Upload(values);

    /// <summary>A parameter's gradient from the last <see cref="Step"/>.</summary>
    internal float[] GradientValues(string name) => grads[name].Download();

    /// <summary>The current model (parameters and running statistics) as a model file.</summary>
    public ModelFile ToModelFile() => new(Config.ToHeader(),
        Config.Tensors().Select(t => new StoredTensor(t.Name, t.Shape, tensors[t.Name].Download())).ToList());

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
        heads?.Dispose();
        foreach (IDisposable? t in new IDisposable?[] { centres, classWeight, imageWeight, pixelWeight, targetWeight, loss, normSquared, normPartials, ab, targetIndex, input })
            t?.Dispose();
    }
}
