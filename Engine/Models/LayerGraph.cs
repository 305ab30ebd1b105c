using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Convolution;

namespace ColorKernels.Engine.Models;

/// <summary>A convolution's tensors on a device (or their gradients).</summary>
internal sealed record ConvTensors(Tensor<float> Weight, Tensor<float> Bias);

/// <summary>A batch norm's tensors on a device: gamma, beta and the running statistics (gradients: gamma and beta only).</summary>
internal sealed record NormTensors(Tensor<float> Gamma, Tensor<float> Beta, Tensor<float>? RunningMean, Tensor<float>? RunningVar);

/// <summary>How <see cref="LayerGraph.Forward"/> runs the layers.</summary>
internal enum ForwardMode
{
    /// <summary>Inference, each conv + ReLU (+ batch norm folded to a scale and shift) as one kernel.</summary>
    Fused,

    /// <summary>Inference, every layer its own kernel (running statistics): the reference the fused path is tested against.</summary>
    Unfused,

    /// <summary>Training: batch norm with batch statistics (running statistics updated), activations kept for <see cref="LayerGraph.Backward"/>.</summary>
    Training,
}

/// <summary>
/// The one walk over a network's layer list (<see cref="NetworkArchitecture.Layers"/>, any architecture): the
/// forward pass for inference (fused or unfused) and training, and the backward pass, its mirror.
/// InferenceNetwork and NetworkTrainer both run the networks through it. Each layer's
/// tensors are looked up by name once, here, into typed records (<see cref="ConvTensors"/>, <see cref="NormTensors"/>).
/// Activation slots: every conv and batch norm writes a tensor of its own (allocated when first written,
/// so the fused path never allocates the batch norms'); a ReLU, tanh or add works in place on its input's,
/// which their backward passes allow (they need only their output, or nothing). A layer reads the previous
/// layer's slot or a named one's (<see cref="LayerSpec.Input"/>), so one slot may feed several layers (the
/// hint network's shortcuts): in the backward pass the first of its readers to run assigns its gradient and
/// the others add theirs (through a scratch tensor), while parameter gradients (zeroed by the caller)
/// accumulate. In-place layers must come before every other reader of their slot (checked here), so a
/// slot's value is the same for all who read it.
/// </summary>
internal sealed class LayerGraph : IDisposable
{
    private readonly ComputeDevice device;
    private readonly NetworkConfig config;
    private readonly IReadOnlyList<LayerSpec> layers;
    private readonly object?[] parameters, gradients;
    private readonly (Tensor<float> Scale, Tensor<float> Shift)?[] folded;
    private readonly (Tensor<float> Stats, Tensor<float> Sums)?[] normScratch;
    private readonly int[] inSlot, outSlot, otherSlot;
    private readonly Tensor<float>?[] slots, slotGrads, gradScratch;
    private readonly bool[] gradAssigned;
    private readonly int[] alias, headSlots;
    private readonly ConvEpilogue[] fusedEpilogues;
    private Shape? slotInput;
    private readonly bool trains;

    /// <param name="device">The device the tensors live on.</param>
    /// <param name="config">The model's header values (width, head, batch-norm epsilon).</param>
    /// <param name="tensor">The model's tensors by file name (each layer's are taken once, here).</param>
    /// <param name="gradient">The parameter gradients by file name, for a graph that trains; null for inference.</param>
    public LayerGraph(ComputeDevice device, NetworkConfig config, Func<string, Tensor<float>> tensor, Func<string, Tensor<float>>? gradient = null)
    {
        this.device = device;
        this.config = config;
        layers = config.Architecture.Layers(config);
        parameters = new object?[layers.Count];
        gradients = new object?[layers.Count];
        folded = new (Tensor<float>, Tensor<float>)?[layers.Count];
        normScratch = new (Tensor<float>, Tensor<float>)?[layers.Count];
        inSlot = new int[layers.Count];
        outSlot = new int[layers.Count];
        otherSlot = new int[layers.Count];
        int current = -1, count = 0;
        for (int i = 0; i < layers.Count; i++)
        {
            LayerSpec l = layers[i];
            parameters[i] = Typed(l, tensor, withStatistics: true);
            if (gradient is not null)
                gradients[i] = Typed(l, gradient, withStatistics: false);
            inSlot[i] = l.Input is null ? current : outSlot[Index(l.Input, i)];
            otherSlot[i] = l.Other is null ? -1 : outSlot[Index(l.Other, i)];
            outSlot[i] = current = l.InPlace ? inSlot[i] : count++;
            if (l.InPlace && inSlot[i] < 0)
                throw new InvalidOperationException($"layer '{l.Prefix}' works in place on the network's input");
        }
        // A slot changed in place after a layer read it would give that layer's backward pass the wrong values.
        for (int i = 0; i < layers.Count; i++)
            for (int j = i + 1; j < layers.Count; j++)
                if (layers[j].InPlace && inSlot[j] >= 0 && (inSlot[i] == inSlot[j] || otherSlot[i] == inSlot[j]) && !(layers[i].InPlace && inSlot[i] == inSlot[j]))
                    throw new InvalidOperationException($"layer '{layers[j].Prefix}' changes in place what '{layers[i].Prefix}' read before it");
        trains = gradient is not null;
        slots = new Tensor<float>?[count];
        slotGrads = new Tensor<float>?[count];
        gradScratch = new Tensor<float>?[count];
        gradAssigned = new bool[count];
        alias = new int[count];
        // Facts of the layer list, found once: the slots whose gradients the caller's losses write (the last
        // layer's and any other output no later layer reads), and each conv's epilogue on the fused path.
        headSlots = Enumerable.Range(0, layers.Count).Where(i => i == layers.Count - 1 || (!layers[i].InPlace && !HasReader(outSlot[i], i)))
            .Select(i => outSlot[i]).Distinct().ToArray();
        fusedEpilogues = Enumerable.Range(0, layers.Count).Select(FusedEpilogue).ToArray();
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
    /// Runs every layer on <paramref name="input"/> [N, C, H, W] (normalised L; the hint network's also its
    /// hint channels) and returns the last layer's output (logits [N, 313, H/4, W/4], or ab / ab_scale for a
    /// regression head; the hint network's ab / ab_scale at H x W, its logits in <see cref="Output(string)"/>), owned
    /// by the graph and valid until the next call. <paramref name="bnMomentum"/>: the running statistics' update in training.
    /// </summary>
    public Tensor<float> Forward(Tensor<float> input, ForwardMode mode, float bnMomentum = 0f)
    {
        if (mode == ForwardMode.Training && !trains)
            throw new InvalidOperationException("this graph was built without gradients: it cannot train");
        EnsureSlots(input.Shape);
        for (int k = 0; k < alias.Length; k++)
            alias[k] = k;
        for (int i = 0; i < layers.Count; i++)
        {
            LayerSpec l = layers[i];
            Tensor<float> x = inSlot[i] >= 0 ? Value(inSlot[i]) : input;
            switch (l.Kind)
            {
                case LayerKind.Conv or LayerKind.ConvTranspose:
                {
                    var p = (ConvTensors)parameters[i]!;
                    ConvEpilogue epilogue = mode == ForwardMode.Fused ? fusedEpilogues[i] : ConvEpilogue.None;
                    Tensor<float>? scale = null, shift = null;
                    if (epilogue == ConvEpilogue.ReluAffine)
                        (scale, shift) = folded[i + 2] ?? throw new InvalidOperationException($"batch norm '{layers[i + 2].Prefix}' has no folded scale and shift");
                    Tensor<float> y = Slot(i);
                    if (l.Kind == LayerKind.Conv)
                        Conv2dOps.Forward(x, p.Weight, p.Bias, y, l.Stride, l.Pad, l.Dilation, epilogue, scale, shift);
                    else
                        Conv2dOps.TransposedForward(x, p.Weight, p.Bias, y, l.Stride, l.Pad, epilogue, scale, shift);
                    if (epilogue == ConvEpilogue.ReluAffine)
                        alias[outSlot[i + 2]] = outSlot[i];   // the folded batch norm's readers read the conv's slot
                    i += epilogue switch { ConvEpilogue.ReluAffine => 2, ConvEpilogue.Relu => 1, _ => 0 };
                    break;
                }
                case LayerKind.Relu:
                    ActivationOps.Relu(x, x);
                    break;
                case LayerKind.Tanh:
                    ActivationOps.Tanh(x, x);
                    break;
                case LayerKind.Add:
                    BufferOps.Accumulate(Value(otherSlot[i]), x);
                    break;
                case LayerKind.BatchNorm:
                {
                    var n = (NormTensors)parameters[i]!;
                    Tensor<float> y = Slot(i);
                    if (mode == ForwardMode.Training)
                        BatchNormOps.TrainingForward(x, n.Gamma, n.Beta, n.RunningMean!, n.RunningVar!, NormScratch(i).Stats, y, config.BnEps, bnMomentum);
                    else
                        BatchNormOps.Inference(x, n.RunningMean!, n.RunningVar!, n.Gamma, n.Beta, y, config.BnEps);
                    break;
                }
            }
        }
        return Value(outSlot[^1]);
    }

    /// <summary>The tensor holding slot <paramref name="slot"/>'s value in this forward pass (a folded batch norm's is its conv's).</summary>
    private Tensor<float> Value(int slot) => slots[alias[slot]] ?? throw new InvalidOperationException($"slot {slot} read before it was written");

    /// <summary>Where the caller's loss writes dL/d(output) before <see cref="Backward"/> (after a training forward pass).</summary>
    public Tensor<float> OutputGradient => slotGrads[outSlot[^1]] ?? throw new InvalidOperationException("no forward pass of a training graph yet");

    /// <summary>The last layer's output in the last forward pass (what <see cref="Forward"/> returned), owned by the graph.</summary>
    public Tensor<float> Output() => Value(outSlot[^1]);

    /// <summary>The output of layer <paramref name="prefix"/> in the last forward pass (the hint network's classification head), owned by the graph.</summary>
    public Tensor<float> Output(string prefix) => Value(outSlot[Index(prefix, layers.Count)]);

    /// <summary>Where the caller's loss writes dL/d(output of <paramref name="prefix"/>), a head without readers (after a training forward pass).</summary>
    public Tensor<float> Gradient(string prefix) => slotGrads[outSlot[Index(prefix, layers.Count)]] ?? throw new InvalidOperationException("no forward pass of a training graph yet");

    /// <summary>
    /// The backward pass of the last training <see cref="Forward"/> on <paramref name="input"/>, layer by layer
    /// from the last: activation gradients assigned, parameter gradients accumulated (the caller zeroes them).
    /// </summary>
    /// <remarks>Every head's gradient (the last layer's, <see cref="Gradient"/>'s) must have been written by the caller.</remarks>
    public void Backward(Tensor<float> input)
    {
        Array.Fill(gradAssigned, false);
        foreach (int head in headSlots)
            gradAssigned[head] = true;   // written by the losses
        for (int i = layers.Count - 1; i >= 0; i--)
        {
            LayerSpec l = layers[i];
            Tensor<float> dOut = slotGrads[outSlot[i]]!;
            Tensor<float> x = inSlot[i] >= 0 ? slots[inSlot[i]]! : input;
            switch (l.Kind)
            {
                case LayerKind.Conv:
                {
                    var (p, g) = ((ConvTensors)parameters[i]!, (ConvTensors)gradients[i]!);
                    Tensor<float>? dIn = InputGradient(inSlot[i]);
                    Conv2dOps.Backward(x, p.Weight, dOut, dIn, g.Weight, g.Bias, l.Stride, l.Pad, l.Dilation);
                    AddInputGradient(inSlot[i], dIn);
                    break;
                }
                case LayerKind.ConvTranspose:
                {
                    var (p, g) = ((ConvTensors)parameters[i]!, (ConvTensors)gradients[i]!);
                    Tensor<float>? dIn = InputGradient(inSlot[i]);
                    Conv2dOps.TransposedBackward(x, p.Weight, dOut, dIn, g.Weight, g.Bias, l.Stride, l.Pad);
                    AddInputGradient(inSlot[i], dIn);
                    break;
                }
                case LayerKind.Relu:
                    // In place: the ReLU's output slot is its input slot, and so is the gradient.
                    ActivationOps.ReluBackward(slots[outSlot[i]]!, dOut, dOut);
                    break;
                case LayerKind.Tanh:
                    ActivationOps.TanhBackward(slots[outSlot[i]]!, dOut, dOut);
                    break;
                case LayerKind.Add:
                {
                    // d(input) = d(output): the same tensor, in place. d(other) = d(output), assigned or added.
                    int o = otherSlot[i];
                    if (!gradAssigned[o])
                    {
                        slotGrads[o]!.CopyFrom(dOut, 0);
                        gradAssigned[o] = true;
                    }
                    else
                        BufferOps.Accumulate(dOut, slotGrads[o]!);
                    break;
                }
                case LayerKind.BatchNorm:
                {
                    var (p, g) = ((NormTensors)parameters[i]!, (NormTensors)gradients[i]!);
                    var (stats, sums) = NormScratch(i);
                    Tensor<float> dIn = InputGradient(inSlot[i])!;
                    BatchNormOps.Backward(x, dOut, stats, p.Gamma, sums, dIn, g.Gamma, g.Beta, config.BnEps);
                    AddInputGradient(inSlot[i], dIn);
                    break;
                }
            }
        }
    }

    /// <summary>Whether a layer after <paramref name="layer"/> reads slot <paramref name="slot"/>.</summary>
    private bool HasReader(int slot, int layer)
    {
        for (int j = layer + 1; j < layers.Count; j++)
            if (inSlot[j] == slot || otherSlot[j] == slot)
                return true;
        return false;
    }

    /// <summary>Where a layer's backward pass writes the gradient of its input slot: the slot's own gradient when no later reader has written it yet, else scratch to be added.</summary>
    private Tensor<float>? InputGradient(int slot)
    {
        if (slot < 0)
            return null;   // the network's input: no gradient wanted
        if (!gradAssigned[slot])
            return slotGrads[slot]!;
        return gradScratch[slot] ??= device.Allocate<float>("grad_scratch", slotGrads[slot]!.Shape);
    }

    private void AddInputGradient(int slot, Tensor<float>? written)
    {
        if (slot < 0)
            return;
        if (gradAssigned[slot])
            BufferOps.Accumulate(written!, slotGrads[slot]!);
        gradAssigned[slot] = true;
    }

    /// <summary>The epilogue the fused path gives conv <paramref name="i"/>: ReLU when one follows, with the batch norm after it folded in.</summary>
    private ConvEpilogue FusedEpilogue(int i)
    {
        bool reluNext = i + 1 < layers.Count && layers[i + 1].Kind == LayerKind.Relu && layers[i + 1].Input is null;
        bool normAfter = reluNext && i + 2 < layers.Count && layers[i + 2].Kind == LayerKind.BatchNorm && layers[i + 2].Input is null
            && !HasReader(outSlot[i], i + 2);
        return !reluNext ? ConvEpilogue.None : normAfter ? ConvEpilogue.ReluAffine : ConvEpilogue.Relu;
    }

    private static object? Typed(LayerSpec l, Func<string, Tensor<float>> tensor, bool withStatistics) => l.Kind switch
    {
        LayerKind.Conv or LayerKind.ConvTranspose => new ConvTensors(tensor(l.Prefix + ".weight"), tensor(l.Prefix + ".bias")),
        LayerKind.BatchNorm => new NormTensors(tensor(l.Prefix + ".weight"), tensor(l.Prefix + ".bias"),
            withStatistics ? tensor(l.Prefix + ".running_mean") : null, withStatistics ? tensor(l.Prefix + ".running_var") : null),
        _ => null,
    };

    /// <summary>The layer named <paramref name="prefix"/> among the first <paramref name="before"/>.</summary>
    private int Index(string prefix, int before)
    {
        for (int i = 0; i < before; i++)
            if (layers[i].Prefix == prefix)
                return i;
        throw new ArgumentException($"no layer '{prefix}' before layer {before}");
    }

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
        if (input.Rank != 4 || input[1] != config.InputChannels)
            throw new ArgumentException($"network input must be [N, {config.InputChannels}, H, W]; it is {input}");
        if (!input.Equals(slotInput))
        {
            DisposeSlots();
            slotInput = input;
        }
        // A graph that trains keeps every activation and its gradient (an evaluation's loss writes its
        // gradient too): allocate them all now, so that running out of memory shows at the first step.
        if (trains)
            for (int i = 0; i < layers.Count; i++)
                if (!layers[i].InPlace)
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
        var (h, w) = SpatialSize(layer, input[2], input[3]);
        return Shape.Nchw(input[0], layers[layer].OutChannels, h, w);
    }

    /// <summary>The spatial size layer <paramref name="layer"/> writes, following its inputs back to the network's.</summary>
    private (int H, int W) SpatialSize(int layer, int h, int w)
    {
        LayerSpec l = layers[layer];
        (int H, int W) source = layer == 0 ? (h, w) : SpatialSize(l.Input is null ? layer - 1 : Index(l.Input, layer), h, w);
        return l.OutputSize(source.H, source.W);
    }

    private void DisposeSlots()
    {
        for (int i = 0; i < slots.Length; i++)
        {
            slots[i]?.Dispose();
            slotGrads[i]?.Dispose();
            gradScratch[i]?.Dispose();
            slots[i] = slotGrads[i] = gradScratch[i] = null;
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
