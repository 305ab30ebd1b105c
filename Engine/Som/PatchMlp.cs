using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Convolution;

namespace ColorKernels.Engine.Som;

/// <summary>
/// The multi-layer perceptron of the SOM + MLP method: K x K patches of L in [0, 1] -> hidden ReLU layers ->
/// one logit per SOM class. Activations are feature-major [features, batch], so every dense layer is one
/// GEMM (W [out, in] x A [in, batch], bias and ReLU in its epilogue); the backward pass is GEMMs with
/// transposed operands, the ReLU and bias-gradient kernels, and the loss is the fused softmax
/// cross-entropy with one-hot targets, each sample weighted by its class (rebalancing; 1 by default).
/// Adam updates every weight and bias.
/// </summary>
internal sealed class PatchMlp : IDisposable
{
    private readonly ComputeDevice device;
    private readonly int batch;
    private readonly List<(Tensor<float> W, Tensor<float> B)> layers = new();
    private readonly List<(Tensor<float> W, Tensor<float> B)> grads = new(), m = new(), v = new();
    private readonly List<Tensor<float>> activations = new(), activationGrads = new();
    private readonly Tensor<float> sampleWeight, loss, scratchT, scratchW;
    private readonly Tensor<int> labels;
    private readonly Tensor<float> targetWeight;
    private int step;

    public PatchMlp(ComputeDevice device, int inputs, IReadOnlyList<int> hidden, int classes, int batch, int seed, IReadOnlyList<float[]>? weights = null)
    {
        if (hidden.Any(h => h < 1) || classes < 1 || inputs < 1 || batch < 1)
            throw new UserErrorException("the MLP needs at least one input, one class, a batch of one, and hidden layers of at least one unit");
        this.device = device;
        this.batch = batch;
        Inputs = inputs;
        Hidden = hidden.ToArray();
        Classes = classes;
        int[] sizes = new[] { inputs }.Concat(hidden).Append(classes).ToArray();
        var random = new Random(seed);
        int maxFeatures = sizes.Max(), maxWeights = 0;
        for (int i = 0; i + 1 < sizes.Length; i++)
        {
            int fanIn = sizes[i], fanOut = sizes[i + 1];
            maxWeights = Math.Max(maxWeights, fanIn * fanOut);
            float[] w = weights?[2 * i] ?? Enumerable.Range(0, fanOut * fanIn).Select(_ => (float)(Math.Sqrt(2.0 / fanIn) * Gaussian(random))).ToArray();
            float[] b = weights?[2 * i + 1] ?? new float[fanOut];
            layers.Add((device.Upload($"layer{i}.weight", new Shape(fanOut, fanIn), w), device.Upload($"layer{i}.bias", new Shape(fanOut), b)));
            grads.Add((device.Allocate<float>($"d.layer{i}.weight", new Shape(fanOut, fanIn)), device.Allocate<float>($"d.layer{i}.bias", new Shape(fanOut))));
            m.Add((Zeros($"m{i}w", new Shape(fanOut, fanIn)), Zeros($"m{i}b", new Shape(fanOut))));
            v.Add((Zeros($"v{i}w", new Shape(fanOut, fanIn)), Zeros($"v{i}b", new Shape(fanOut))));
        }
        foreach (int size in sizes)
        {
            activations.Add(device.Allocate<float>("activation", new Shape(size, batch)));
            activationGrads.Add(device.Allocate<float>("activation_grad", new Shape(size, batch)));
        }
        // The loss's per-sample weight (class rebalancing), and the one-hot target's weight (always 1).
        sampleWeight = device.Upload("sample_weight", new Shape(1, 1, batch), Enumerable.Repeat(1f, batch).ToArray());
        targetWeight = device.Upload("target_weight", Shape.Nchw(1, 1, 1, batch), Enumerable.Repeat(1f, batch).ToArray());
        labels = device.Allocate<int>("labels", Shape.Nchw(1, 1, 1, batch));
        loss = device.Allocate<float>("loss", new Shape(1, 1, batch));
        scratchT = device.Allocate<float>("transpose", new Shape(maxFeatures * batch));
        scratchW = device.Allocate<float>("weight_t", new Shape(maxWeights));
    }

    public int Inputs { get; }
    public int[] Hidden { get; }
    public int Classes { get; }
    public int Batch => batch;

    /// <summary>The network input [Inputs, Batch] (fill it, e.g. with the patch kernel, before Forward or Step).</summary>
    public Tensor<float> Input => activations[0];

    /// <summary>Logits [Classes, Batch] of the last Forward.</summary>
    public Tensor<float> Logits => activations[^1];

    public void Forward()
    {
        for (int i = 0; i < layers.Count; i++)
        {
            var (w, b) = layers[i];
            int outputs = w.Shape[0], inputs = w.Shape[1];
            bool last = i == layers.Count - 1;
            GemmOps.Gemm(w, activations[i], activations[i + 1], new GemmArgs(outputs, batch, inputs, 0, 0, 0, false, true, last ? ConvEpilogue.None : ConvEpilogue.Relu), b, b, b);
        }
    }

    /// <summary>One Adam step on the patches in <see cref="Input"/> with class labels [Batch]; returns the mean cross-entropy.</summary>
    public double Step(int[] classLabels, float learningRate)
    {
        double mean = Gradients(classLabels);
        step++;
        for (int i = 0; i < layers.Count; i++)
        {
            OptimizerOps.Adam(layers[i].W, grads[i].W, m[i].W, v[i].W, learningRate, 0.9f, 0.999f, 1e-8f, 0f, step, 1f);
            OptimizerOps.Adam(layers[i].B, grads[i].B, m[i].B, v[i].B, learningRate, 0.9f, 0.999f, 1e-8f, 0f, step, 1f);
        }
        return mean;
    }

    /// <summary>The weight and bias gradients of the mean cross-entropy, as computed by the last <see cref="Gradients"/>.</summary>
    public IReadOnlyList<(Tensor<float> W, Tensor<float> B)> Grads => grads;

    /// <summary>The layers' weights and biases (device tensors; tests perturb them for finite differences).</summary>
    public IReadOnlyList<(Tensor<float> W, Tensor<float> B)> Parameters => layers;

    /// <summary>
    /// Per-class loss weights (class rebalancing, <see cref="SomRebalancing"/>): each sample's cross-entropy
    /// is multiplied by its class's weight. Null: every class weighs 1 (the plain cross-entropy).
    /// </summary>
    public float[]? ClassWeights
    {
        get => classWeights;
        set
        {
            if (value is not null && (value.Length != Classes || value.Any(w => !(w >= 0) || !float.IsFinite(w))))
                throw new ArgumentException($"class weights: {Classes} finite weights of at least 0 expected");
            classWeights = value;
            if (value is null)
                sampleWeight.Upload(Enumerable.Repeat(1f, batch).ToArray());
        }
    }

    private float[]? classWeights;

    /// <summary>Mean (class-weighted) cross-entropy on <see cref="Input"/> and its gradients (zeroed, then accumulated), without updating anything.</summary>
    public double Gradients(int[] classLabels)
    {
        labels.Upload(classLabels);
        if (classWeights is { } weights)
            sampleWeight.Upload(classLabels.Select(c => weights[c]).ToArray());
        Forward();
        foreach (var (w, b) in grads)
        {
            BufferOps.Fill(w, 0f);
            BufferOps.Fill(b, 0f);
        }
        Tensor<float> logits = Logits.Reshape(Shape.Nchw(1, Classes, 1, batch));
        Tensor<float> dLogits = activationGrads[^1].Reshape(Shape.Nchw(1, Classes, 1, batch));
        LossOps.SoftmaxCrossEntropy(logits, labels, targetWeight, sampleWeight, loss, dLogits, 1f / batch);
        for (int i = layers.Count - 1; i >= 0; i--)
        {
            var (w, _) = layers[i];
            int outputs = w.Shape[0], inputs = w.Shape[1];
            Tensor<float> dOut = activationGrads[i + 1];
            // dW += dOut [out, B] x A^T [B, in]; dB += row sums of dOut.
            Transpose(activations[i], scratchT, inputs, batch);
            GemmOps.Gemm(dOut, scratchT, grads[i].W, new GemmArgs(outputs, inputs, batch, 0, 0, 0, true, false, ConvEpilogue.None), w, w, w);
            Conv2dOps.BiasBackward(dOut.Reshape(Shape.Nchw(1, outputs, 1, batch)), grads[i].B);
            if (i == 0)
                break;
            // dA = W^T [in, out] x dOut [out, B], then through the ReLU that produced A.
            Transpose(w, scratchW, outputs, inputs);
            GemmOps.Gemm(scratchW, dOut, activationGrads[i], new GemmArgs(inputs, batch, outputs, 0, 0, 0, false, false, ConvEpilogue.None), w, w, w);
            ActivationOps.ReluBackward(activations[i], activationGrads[i], activationGrads[i]);
        }
        return loss.Download().Average(x => (double)x);   // step boundary: the loss is read back for the log
    }

    /// <summary>Arg-max class of each column of <see cref="Logits"/> (ties to the lowest class), read back.</summary>
    public int[] Predict()
    {
        Forward();
        float[] z = Logits.Download();
        var result = new int[batch];
        for (int b = 0; b < batch; b++)
        {
            int best = 0;
            for (int c = 1; c < Classes; c++)
                if (z[c * batch + b] > z[best * batch + b])
                    best = c;
            result[b] = best;
        }
        return result;
    }

    /// <summary>Adam steps taken.</summary>
    public int StepCount => step;

    /// <summary>The Adam moments as stored tensors (m.layerI.weight, v.layerI.bias, ...).</summary>
    public IEnumerable<StoredTensor> OptimizerTensors() => m.SelectMany((moment, i) => new[]
    {
        new StoredTensor($"m.layer{i}.weight", moment.W.Shape.Dims.ToArray(), moment.W.Download()),
        new StoredTensor($"m.layer{i}.bias", moment.B.Shape.Dims.ToArray(), moment.B.Download()),
        new StoredTensor($"v.layer{i}.weight", v[i].W.Shape.Dims.ToArray(), v[i].W.Download()),
        new StoredTensor($"v.layer{i}.bias", v[i].B.Shape.Dims.ToArray(), v[i].B.Download()),
    });

    /// <summary>Restores Adam's moments and step count from <see cref="OptimizerTensors"/>'s output.</summary>
    public void LoadOptimizer(IReadOnlyDictionary<string, StoredTensor> tensors, int steps, string path)
    {
        void Restore(string name, Tensor<float> target)
        {
            if (!tensors.TryGetValue(name, out StoredTensor? t) || !t.Shape.SequenceEqual(target.Shape.Dims))
                throw new UserErrorException($"'{path}': optimiser tensor '{name}' missing or of the wrong shape (expected {target.Shape})");
            target.Upload(t.Data);
        }
        for (int i = 0; i < m.Count; i++)
        {
            Restore($"m.layer{i}.weight", m[i].W);
            Restore($"m.layer{i}.bias", m[i].B);
            Restore($"v.layer{i}.weight", v[i].W);
            Restore($"v.layer{i}.bias", v[i].B);
        }
        step = steps;
    }

    /// <summary>The weights and biases, layer by layer, as stored tensors named layerI.weight / layerI.bias.</summary>
    public IEnumerable<StoredTensor> ToTensors() => layers.SelectMany((l, i) => new[]
    {
        new StoredTensor($"layer{i}.weight", l.W.Shape.Dims.ToArray(), l.W.Download()),
        new StoredTensor($"layer{i}.bias", l.B.Shape.Dims.ToArray(), l.B.Download()),
    });

    private void Transpose(Tensor<float> source, Tensor<float> destination, int rows, int cols) =>
        GemmOps.Transpose(source, destination, rows, cols);

    private Tensor<float> Zeros(string name, Shape shape) => device.Upload(name, shape, new float[shape.Elements]);

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2.0 * Math.PI * random.NextDouble());

    public void Dispose()
    {
        foreach (var (w, b) in layers.Concat(grads).Concat(m).Concat(v))
        {
            w.Dispose();
            b.Dispose();
        }
        foreach (Tensor<float> t in activations.Concat(activationGrads).Append(sampleWeight).Append(loss).Append(scratchT).Append(scratchW).Append(targetWeight))
            t.Dispose();
        labels.Dispose();
    }
}
