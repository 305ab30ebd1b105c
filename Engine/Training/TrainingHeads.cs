using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;

namespace ColorKernels.Engine.Training;

/// <summary>What a trainer hands its architecture's heads: the device, the model, the settings, the layer graph and the crop.</summary>
internal sealed record TrainingHeadsContext(ComputeDevice Device, NetworkConfig Config, TrainSettings Settings, LayerGraph Graph, int Size);

/// <summary>
/// The classification targets of a batch, at a quarter of the crop, made by the trainer for every architecture:
/// the true ab, the soft-encoded targets (bins and weights), each pixel's rebalancing weight, and a per-pixel
/// loss map for the heads to fill.
/// </summary>
internal sealed record ClassificationTargets(Tensor<float> Ab, Tensor<int> TargetIndex, Tensor<float> TargetWeight,
    Tensor<float> PixelWeight, Tensor<float> Loss, float Scale);

/// <summary>
/// The part of training that differs between architectures (<see cref="NetworkArchitecture.CreateHeads"/>): the
/// input channels after L, the heads' losses and the gradients they write into the layer graph. The trainer
/// owns everything else (parameters, optimiser, the classification targets).
/// </summary>
internal abstract class TrainingHeads : IDisposable
{
    protected TrainingHeads(TrainingHeadsContext context) => Context = context;

    protected TrainingHeadsContext Context { get; }

    /// <summary>
    /// Fills the input's channels after L and any target the heads make from the batch's Lab
    /// <paramref name="lab"/> [N, 3, crop, crop] (the hint network: simulated hints and its full-resolution ab).
    /// </summary>
    public virtual void PrepareBatch(Tensor<float> lab, Tensor<float> input, int[]? hintSquares)
    {
    }

    /// <summary>
    /// The mean loss of the last forward pass against <paramref name="targets"/>, each head's gradient written
    /// into the graph (dL/dz for L = the mean over output pixels). Reads back the loss maps (a step boundary).
    /// </summary>
    public abstract double Loss(ClassificationTargets targets);

    protected static double Mean(Tensor<float> perPixel)
    {
        double sum = 0;
        foreach (float v in perPixel.Download())
            sum += v;
        return sum / perPixel.Elements;
    }

    public virtual void Dispose()
    {
    }
}

/// <summary>
/// ECCV16's head: the classification head with multinomial cross-entropy on the soft-encoded targets (rebalanced
/// or not), or the regression head (the paper's L2 baseline) with squared error on ab / ab_scale.
/// </summary>
internal sealed class Eccv16Heads : TrainingHeads
{
    private readonly Tensor<float>? scaledAb;

    public Eccv16Heads(TrainingHeadsContext context) : base(context)
    {
        TrainSettings settings = context.Settings;
        if ((settings.Loss == LossKind.L2) != context.Config.Regression)
            throw new UserErrorException(settings.Loss == LossKind.L2
                ? "--loss l2 needs a regression-head model (a new one, or --init from 'model init --head regression')"
                : $"--loss {(settings.Loss == LossKind.Rebalanced ? "rebalanced" : "ce")} needs a classification-head model; this one has a regression head");
        int outSize = context.Size / 4;
        if (context.Config.Regression)
            scaledAb = context.Device.Allocate<float>("ab_target_scaled", Shape.Nchw(settings.Batch, 2, outSize, outSize));
    }

    public override double Loss(ClassificationTargets t)
    {
        LayerGraph graph = Context.Graph;
        Tensor<float> output = graph.Output();
        if (scaledAb is not null)
        {
            ResampleOps.ResizeBilinear(t.Ab, 0, 2, scaledAb, 0, 1f / Context.Config.AbScale, 0f);
            LossOps.L2Regression(output, scaledAb, t.PixelWeight, t.Loss, graph.OutputGradient, t.Scale);
        }
        else
            LossOps.SoftmaxCrossEntropy(output, t.TargetIndex, t.TargetWeight, t.PixelWeight, t.Loss, graph.OutputGradient, t.Scale);
        return Mean(t.Loss);
    }

    public override void Dispose() => scaledAb?.Dispose();
}
