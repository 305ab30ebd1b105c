using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Convolution;

namespace ColorKernels.Engine.Models;

/// <summary>A convolution's tensors on a device (or their gradients).</summary>
internal sealed record ConvTensors(Tensor<float> Weight, Tensor<float> Bias);

/// <summary>A batch norm's tensors on a device: gamma, beta and the running statistics (gradients: gamma and beta only).</summary>
internal sealed record NormTensors(Tensor<float> Gamma, Tensor<float> Beta, Tensor<float>? RunningMean, Tensor<float>? RunningVar);

/// <summary>How <see cref="Eccv16Passes.Forward"/> runs the layers.</summary>
internal enum ForwardMode
{
    /// <summary>Inference, each conv + ReLU (+ batch norm folded to a scale and shift) as one kernel.</summary>
    Fused,

    /// <summary>Inference, every layer its own kernel (running statistics): the reference the fused path is tested against.</summary>
    Unfused,

    /// <summary>Training: batch norm with batch statistics (running statistics updated), activations kept for <see cref="Eccv16Passes.Backward"/>.</summary>
    Training,
}

/// <summary>
/// The one walk over the ECCV16 layer list (<see cref="Eccv16Architecture.Layers"/>): the forward pass for
/// inference (fused or unfused) and training, and the backward pass, its mirror. Eccv16InferenceNetwork and
/// Eccv16Trainer both run the network through it. Each layer's tensors are looked up by name once, here,
/// into typed records (<see cref="ConvTensors"/>, <see cref="NormTensors"/>).
/// Activation slots: every conv and batch norm writes a tensor of its own (allocated when first written,
/// so the fused path never allocates the batch norms'); a ReLU works in place on its input's, which its
/// backward pass allows (it needs only its output). Every slot is read by exactly one later layer, so
/// activation gradients are assigned, while parameter gradients (zeroed by the caller) accumulate.
/// </summary>
internal sealed class Eccv16Passes : IDisposable
{
    private readonly ComputeDevice device;
    private readonly Eccv16Config config;
    private readonly IReadOnlyList<LayerSpec> layers;
    private readonly object?[] parameters, gradients;
    private readonly (Tensor<float> Scale, Tensor<float> Shift)?[] folded;
    private readonly (Tensor<float> Stats, Tensor<float> Sums)?[] normScratch;
    private readonly int[] inSlot, outSlot;
    private readonly Tensor<float>?[] slots, slotGrads;
    private Shape? slotInput;
    private readonly bool trains;

    /// <param name="device">The device the tensors live on.</param>
    /// <param name="config">The model's header values (width, head, batch-norm epsilon).</param>
    /// <param name="tensor">The model's tensors by file name (each layer's are taken once, here).</param>
    /// <param name="gradient">The parameter gradients by file name, for a graph that trains; null for inference.</param>
    public Eccv16Passes(ComputeDevice device, Eccv16Config config, Func<string, Tensor<float>> tensor, Func<string, Tensor<float>>? gradient = null)
    {
        this.device = device;
        this.config = config;
        layers = Eccv16Architecture.Layers(config.Width, config.Regression);
        parameters = new object?[layers.Count];
        gradients = new object?[layers.Count];
        folded = new (Tensor<float>, Tensor<float>)?[layers.Count];
        normScratch = new (Tensor<float>, Tensor<float>)?[layers.Count];
        inSlot = new int[layers.Count];
        outSlot = new int[layers.Count];
        int current = -1, count = 0;
        for (int i = 0; i < layers.Count; i++)
        {
            LayerSpec l = layers[i];
            parameters[i] = Typed(l, tensor, withStatistics: true);
            if (gradient is not null)
                gradients[i] = Typed(l, gradient, withStatistics: false);
            inSlot[i] = current;
            outSlot[i] = current = l.Kind == LayerKind.Relu ? current : count++;
        }
        trains = gradient is not null;
        slots = new Tensor<float>?[count];
        slotGrads = new Tensor<float>?[count];
    }

    public IReadOnlyList<LayerSpec> Layers => layers;

    /// <summary>
    /// The batch norms' inference as y = x * scale + shift, for the fused path: scale = gamma / sqrt(var + eps),
    /// shift = beta - mean * scale, per batch-norm layer (by prefix), computed by the caller in double.
    /// </summary>
    public void SetFolded(string prefix, Tensor<float> scale, Tensor<float> shift)
    {
        int i = Index(prefix, LayerKind.BatchNorm);
        folded[i] = (scale, shift);
    }

    /// <summary>
    /// Runs every layer on <paramref name="input"/> [N, 1, H, W] (normalised L) and returns the last layer's
    /// output (logits [N, 313, H/4, W/4], or ab / ab_scale for the regression head), owned by the graph and
    /// valid until the next call. <paramref name="bnMomentum"/>: the running statistics' update in training.
    /// </summary>
    public Tensor<float> Forward(Tensor<float> input, ForwardMode mode, float bnMomentum = 0f)
    {
        if (mode == ForwardMode.Training && !trains)
            throw new InvalidOperationException("this graph was built without gradients: it cannot train");
        EnsureSlots(input.Shape);
        Tensor<float> x = input;
        for (int i = 0; i < layers.Count; i++)
        {
            LayerSpec l = layers[i];
            switch (l.Kind)
            {
                case LayerKind.Conv or LayerKind.ConvTranspose:
                {
                    var p = (ConvTensors)parameters[i]!;
                    ConvEpilogue epilogue = mode == ForwardMode.Fused ? FusedEpilogue(i) : ConvEpilogue.None;
                    Tensor<float>? scale = null, shift = null;
                    if (epilogue == ConvEpilogue.ReluAffine)
                        (scale, shift) = folded[i + 2] ?? throw new InvalidOperationException($"batch norm '{layers[i + 2].Prefix}' has no folded scale and shift");
                    Tensor<float> y = Slot(i);
                    if (l.Kind == LayerKind.Conv)
                        Conv2dOps.Forward(x, p.Weight, p.Bias, y, l.Stride, l.Pad, l.Dilation, epilogue, scale, shift);
                    else
                        Conv2dOps.TransposedForward(x, p.Weight, p.Bias, y, l.Stride, l.Pad, epilogue, scale, shift);
                    x = y;
                    i += epilogue switch { ConvEpilogue.ReluAffine => 2, ConvEpilogue.Relu => 1, _ => 0 };
                    break;
                }
                case LayerKind.Relu:
                    ActivationOps.Relu(x, x);
                    break;
                case LayerKind.BatchNorm:
                {
                    var n = (NormTensors)parameters[i]!;
                    Tensor<float> y = Slot(i);
                    if (mode == ForwardMode.Training)
                        BatchNormOps.TrainingForward(x, n.Gamma, n.Beta, n.RunningMean!, n.RunningVar!, NormScratch(i).Stats, y, config.BnEps, bnMomentum);
                    else
                        BatchNormOps.Inference(x, n.RunningMean!, n.RunningVar!, n.Gamma, n.Beta, y, config.BnEps);
                    x = y;
                    break;
                }
            }
        }
        return x;
    }

    /// <summary>Where the caller's loss writes dL/d(output) before <see cref="Backward"/> (after a training forward pass).</summary>
    public Tensor<float> OutputGradient => slotGrads[outSlot[^1]] ?? throw new InvalidOperationException("no forward pass of a training graph yet");

    /// <summary>
    /// The backward pass of the last training <see cref="Forward"/> on <paramref name="input"/>, layer by layer
    /// from the last: activation gradients assigned, parameter gradients accumulated (the caller zeroes them).
    /// </summary>
    public void Backward(Tensor<float> input)
    {
        for (int i = layers.Count - 1; i >= 0; i--)
        {
            LayerSpec l = layers[i];
            Tensor<float> dOut = slotGrads[outSlot[i]]!;
            Tensor<float> x = inSlot[i] >= 0 ? slots[inSlot[i]]! : input;
            Tensor<float>? dIn = inSlot[i] >= 0 ? slotGrads[inSlot[i]] : null;
            switch (l.Kind)
            {
                case LayerKind.Conv:
                {
                    var (p, g) = ((ConvTensors)parameters[i]!, (ConvTensors)gradients[i]!);
                    Conv2dOps.Backward(x, p.Weight, dOut, dIn, g.Weight, g.Bias, l.Stride, l.Pad, l.Dilation);
                    break;
                }
                case LayerKind.ConvTranspose:
                {
                    var (p, g) = ((ConvTensors)parameters[i]!, (ConvTensors)gradients[i]!);
                    Conv2dOps.TransposedBackward(x, p.Weight, dOut, dIn, g.Weight, g.Bias, l.Stride, l.Pad);
                    break;
                }
                case LayerKind.Relu:
                    // In place: the ReLU's output slot is its input slot, and so is the gradient.
                    ActivationOps.ReluBackward(slots[outSlot[i]]!, dOut, dIn!);
                    break;
                case LayerKind.BatchNorm:
                {
                    var (p, g) = ((NormTensors)parameters[i]!, (NormTensors)gradients[i]!);
                    var (stats, sums) = NormScratch(i);
                    BatchNormOps.Backward(x, dOut, stats, p.Gamma, sums, dIn!, g.Gamma, g.Beta, config.BnEps);
                    break;
                }
            }
        }
    }

    /// <summary>The epilogue the fused path gives conv <paramref name="i"/>: ReLU when one follows, with the batch norm after it folded in.</summary>
    private ConvEpilogue FusedEpilogue(int i)
    {
        bool reluNext = i + 1 < layers.Count && layers[i + 1].Kind == LayerKind.Relu;
        bool normAfter = reluNext && i + 2 < layers.Count && layers[i + 2].Kind == LayerKind.BatchNorm;
        return !reluNext ? ConvEpilogue.None : normAfter ? ConvEpilogue.ReluAffine : ConvEpilogue.Relu;
    }

    private static object? Typed(LayerSpec l, Func<string, Tensor<float>> tensor, bool withStatistics) => l.Kind switch
    {
        LayerKind.Conv or LayerKind.ConvTranspose => new ConvTensors(tensor(l.Prefix + ".weight"), tensor(l.Prefix + ".bias")),
        LayerKind.BatchNorm => new NormTensors(tensor(l.Prefix + ".weight"), tensor(l.Prefix + ".bias"),
            withStatistics ? tensor(l.Prefix + ".running_mean") : null, withStatistics ? tensor(l.Prefix + ".running_var") : null),
        _ => null,
    };

    private int Index(string prefix, LayerKind kind)
    {
        for (int i = 0; i < layers.Count; i++)
            if (layers[i].Prefix == prefix && layers[i].Kind == kind)
                return i;
        throw new ArgumentException($"no {kind} layer '{prefix}'");
    }

    /// <summary>Sizes every slot for <paramref name="input"/> (tensors of another input shape are dropped).</summary>
    private void EnsureSlots(Shape input)
    {
        if (input.Rank != 4 || input[1] != 1)
            throw new ArgumentException($"network input must be [N, 1, H, W]; it is {input}");
        if (!input.Equals(slotInput))
        {
            DisposeSlots();
            slotInput = input;
        }
        // A graph that trains keeps every activation and its gradient (an evaluation's loss writes its
        // gradient too): allocate them all now, so that running out of memory shows at the first step.
        if (trains)
            for (int i = 0; i < layers.Count; i++)
                if (layers[i].Kind != LayerKind.Relu)
                {
                    Slot(i);
                    slotGrads[outSlot[i]] ??= device.Allocate<float>(layers[i].Prefix + ".grad", SlotShape(i));
                }
    }

    private Tensor<float> Slot(int layer) => slots[outSlot[layer]] ??= device.Allocate<float>(layers[layer].Prefix + ".out", SlotShape(layer));

    private (Tensor<float> Stats, Tensor<float> Sums) NormScratch(int layer) =>
        normScratch[layer] ??= (device.Allocate<float>(layers[layer].Prefix + ".stats", new Shape(2 * layers[layer].OutChannels)),
            device.Allocate<float>(layers[layer].Prefix + ".sums", new Shape(2 * layers[layer].OutChannels)));

    /// <summary>The shape layer <paramref name="layer"/> writes for the current input.</summary>
    private Shape SlotShape(int layer)
    {
        Shape input = slotInput!;
        int h = input[2], w = input[3];
        for (int i = 0; i <= layer; i++)
            (h, w) = layers[i].OutputSize(h, w);
        return Shape.Nchw(input[0], layers[layer].OutChannels, h, w);
    }

    private void DisposeSlots()
    {
        for (int i = 0; i < slots.Length; i++)
        {
            slots[i]?.Dispose();
            slotGrads[i]?.Dispose();
            slots[i] = slotGrads[i] = null;
        }
        slotInput = null;
    }

    /// <summary>Frees the activations and scratch; the parameters belong to the caller.</summary>
    public void Dispose()
    {
        DisposeSlots();
        foreach (var scratch in normScratch)
            if (scratch is var (stats, sums))
            {
                stats.Dispose();
                sums.Dispose();
            }
    }
}
