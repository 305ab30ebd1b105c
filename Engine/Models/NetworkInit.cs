namespace ColorKernels.Engine.Models;

/// <summary>A freshly initialised network model (any architecture), for experiments and for training to start from.</summary>
internal static class NetworkInit
{
    /// <summary>
    /// He (Kaiming) normal initialisation: conv weights ~ N(0, 2 / fan_in), fan_in = InC x K x K (for the
    /// stride-2 transposed conv, the InC x (K/2)^2 taps that reach each output); biases 0; batch norm
    /// gamma 1, beta 0, running mean 0, variance 1; model_out = bin centres / ab_scale, so the decode
    /// layer is the paper's. Same seed, same file.
    /// </summary>
    public static ModelFile Create(NetworkConfig config, int seed, TensorStorage storage = TensorStorage.Float32)
    {
        var random = new Random(seed);
        var layers = config.Architecture.Layers(config).ToDictionary(l => l.Prefix);
        var tensors = new List<StoredTensor>();
        foreach (var (name, shape, _) in config.Tensors())
        {
            int count = shape.Aggregate(1, (a, d) => a * d);
            var data = new float[count];
            string prefix = name[..name.LastIndexOf('.')];
            string field = name[(name.LastIndexOf('.') + 1)..];
            if (name == "model_out.weight")
            {
                for (int q = 0; q < BinCodebook.Count; q++)
                {
                    data[q] = BinCodebook.Centres[q, 0] / config.AbScale;
                    data[BinCodebook.Count + q] = BinCodebook.Centres[q, 1] / config.AbScale;
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

    private static double Gaussian(Random random)
    {
        // Box-Muller; 1 - NextDouble() is in (0, 1], so the log is finite.
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
