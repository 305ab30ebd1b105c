using ColorKernels.Engine.Models;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;

namespace ColorKernels.Engine.Training;

/// <summary>
/// The hint network's heads in training (<see cref="Siggraph17Architecture"/>), on simulated hints: the batch's
/// squares, each given its mean true ab on the device, fill the input's hint channels. Its classification head
/// trains with the classification loss at a quarter of the crop; its ab head with smooth L1 at the crop's full
/// resolution, weighted by <see cref="TrainSettings.HintAbWeight"/>; the loss is their sum.
/// </summary>
internal sealed class HintNetworkHeads : TrainingHeads
{
    private readonly Tensor<float> abFull, fullWeight, fullLoss;

    public HintNetworkHeads(TrainingHeadsContext context) : base(context)
    {
        if (context.Settings.Loss == LossKind.L2)
            throw new UserErrorException("--loss l2: the hint network's classification head trains with rebalanced or ce (its ab head with smooth L1)");
        int n = context.Settings.Batch, size = context.Size;
        try
        {
            abFull = context.Device.Allocate<float>("ab_target_full", Shape.Nchw(n, 2, size, size));
            fullWeight = context.Device.Upload("full_weight", new Shape(n, size, size), Enumerable.Repeat(1f, n * size * size).ToArray());
            fullLoss = context.Device.Allocate<float>("full_loss", new Shape(n, size, size));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The hint channels from <paramref name="hintSquares"/> (each square's mean true ab), and the ab target at full resolution.</summary>
    public override void PrepareBatch(Tensor<float> lab, Tensor<float> input, int[]? hintSquares)
    {
        HintTable.Write(Context.Device, lab, hintSquares ?? Array.Empty<int>(), input, Context.Config);
        ResampleOps.ResizeBilinear(lab, 1, 2, abFull, 0, 1f / Context.Config.AbScale, 0f);
    }

    public override double Loss(ClassificationTargets t)
    {
        LayerGraph graph = Context.Graph;
        LossOps.SoftmaxCrossEntropy(graph.Output(Siggraph17Architecture.ClassHead), t.TargetIndex, t.TargetWeight, t.PixelWeight, t.Loss,
            graph.Gradient(Siggraph17Architecture.ClassHead), t.Scale);
        double total = Mean(t.Loss);
        float weight = Context.Settings.HintAbWeight;
        LossOps.SmoothL1(graph.Output(), abFull, fullWeight, fullLoss, graph.OutputGradient, Context.Settings.HintDelta / Context.Config.AbScale,
            weight / fullLoss.Elements);
        return total + weight * Mean(fullLoss);
    }

    public override void Dispose()
    {
        abFull?.Dispose();
        fullWeight?.Dispose();
        fullLoss?.Dispose();
    }
}
