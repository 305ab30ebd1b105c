namespace ColorKernels.Engine.Models;

/// <summary>A freshly initialised ECCV16 model, for experiments and for training to start from.</summary>
internal static class Eccv16Init
{
    /// <summary>
    /// He (Kaiming) normal initialisation: conv weights ~ N(0, 2 / fan_in), fan_in = InC x K x K (for the
    /// stride-2 transposed conv, the InC x (K/2)^2 taps that reach each output); biases 0; batch norm
    /// gamma 1, beta 0, running mean 0, variance 1; model_out = bin centres / ab_scale, so the decode
    /// layer is the paper's. Same seed, same file.
    /// </summary>
    public static ModelFile Create(Eccv16Config config, int seed, TensorStorage storage = TensorStorage.Float32)
    {
        var random = new Random(seed);
        var layers = Eccv16Architecture.Layers(config).ToDictionary(l => l.Prefix);
        var tensors = new List<StoredTensor>();
        foreach (var (name, shape, _) in Eccv16Architecture.Tensors(config))
        {
            int count = shape.Aggregate(1, (a, d) => a * d);
            var data = new float[count];
            string prefix = name[..name.LastIndexOf('.')];
            string field = name[(name.LastIndexOf('.') + 1)..];
            if (name == "model_out.weight")
            {
                for (int q = 0; q < Eccv16Config.Bins; q++)
                {
                    data[q] = Eccv16Architecture.BinCentres[q, 0] / config.AbScale;
                    data[Eccv16Config.Bins + q] = Eccv16Architecture.BinCentres[q, 1] / config.AbScale;
                }
            }
            else if (layers[prefix].Kind is LayerKind.Conv or LayerKind.ConvTranspose && field == "weight")
            {
                LayerSpec l = layers[prefix];
                double fanIn = l.Kind == LayerKind.Conv
                    ? (double)l.InChannels * l.Kernel * l.Kernel
                    : (double)l.InChannels * l.Kernel * l.Kernel / (l.Stride * l.Stride);
                double std = Math.Sqrt(2.0 / fanIn);
                for (int i = 0; i < count; i++)
                    data[i] = (float)(std * Gaussian(random));
            }
            else if (field is "weight" or "running_var")
            {
                Array.Fill(data, 1f);
            }
            tensors.Add(new StoredTensor(name, shape, data, storage));
        }
        return new ModelFile(config.ToHeader(), tensors);
    }

    /// <summary>
    /// A hint network (Eccv16Architecture.Layers with hints) started from a trained ECCV16 classification model
    /// of the same width: every tensor the two share by name is copied (the trunk, block 8 and its 1x1 conv
    /// to the bins, which becomes the classification head); conv1_1's weights for the hint channels and the
    /// three shortcut convs start at 0, and so does the ab head (grey), so with no hints the new network's logits are the ECCV16 model's
    /// exactly, and training starts from its colours rather than from noise (what a CPU budget allows; the
    /// paper trains from scratch on a GPU). The half- and full-resolution decoder and the ab head are
    /// initialised as <see cref="Create"/> does.
    /// </summary>
    public static ModelFile HintNetworkFrom(ModelFile eccv16, string path, int seed)
    {
        Eccv16Config source = Eccv16InferenceNetwork.Validate(eccv16, path);
        if (source.Hints || source.Regression)
            throw new UserErrorException($"'{path}': a hint network starts from an eccv16 classification model; this is {(source.Hints ? "already a hint network" : "a regression-head model")}");
        var config = source with { Hints = true };
        var stored = eccv16.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var tensors = new List<StoredTensor>();
        foreach (StoredTensor t in Create(config, seed).Tensors)
        {
            float[] data = t.Data;
            if (t.Name == "model1.0.weight")
            {
                // [C, 4, 3, 3] from [C, 1, 3, 3]: channel 0 (L) copied, the hint channels 0.
                float[] l = stored[t.Name].Data;
                data = new float[t.Data.Length];
                for (int c = 0; c < t.Shape[0]; c++)
                    Array.Copy(l, c * 9, data, c * 36, 9);
            }
            else if (stored.TryGetValue(t.Name, out StoredTensor? s) && s.Shape.SequenceEqual(t.Shape))
                data = s.Data.ToArray();
            else if (t.Name.StartsWith("short", StringComparison.Ordinal) || t.Name.StartsWith("model_ab.", StringComparison.Ordinal))
                data = new float[t.Data.Length];   // shortcuts add nothing yet; the ab head starts at grey (tanh 0)
            tensors.Add(new StoredTensor(t.Name, t.Shape, data));
        }
        return new ModelFile(config.ToHeader(), tensors);
    }

    private static double Gaussian(Random random)
    {
        // Box-Muller; 1 - NextDouble() is in (0, 1], so the log is finite.
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
