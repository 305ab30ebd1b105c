using System.Text.Json.Nodes;
using ColorKernels.Engine.Training;

namespace ColorKernels.Engine.Models;

/// <summary>
/// A network architecture a model file can name (its header's "architecture"): its layer list, the tensors a
/// file must hold, the header fields of its own, and the parts of colouring and training that differ between
/// architectures (its colourizer and its training heads). Everything else — the layer graph's walk, loading,
/// fusing, optimisers, checkpoints — is shared. A new architecture is one class like
/// <see cref="Eccv16Architecture"/> or <see cref="Siggraph17Architecture"/> plus its line in <see cref="All"/>.
/// </summary>
internal abstract class NetworkArchitecture
{
    /// <summary>Every architecture this build knows, in the order messages list them.</summary>
    public static IReadOnlyList<NetworkArchitecture> All { get; } = new NetworkArchitecture[] { Eccv16Architecture.Instance, Siggraph17Architecture.Instance };

    /// <summary>The architecture named <paramref name="name"/>, or null.</summary>
    public static NetworkArchitecture? Find(string name) => All.FirstOrDefault(a => a.Name == name);

    /// <summary>"eccv16 and siggraph17": the names, for messages.</summary>
    public static string KnownNames => NaturalList(All.Select(a => a.Name));

    /// <summary>"a, b and c" (one name alone as it is).</summary>
    public static string NaturalList(IEnumerable<string> names)
    {
        var list = names.ToList();
        return list.Count == 1 ? list[0] : string.Join(", ", list.Take(list.Count - 1)) + " and " + list[^1];
    }

    /// <summary>The model file's "architecture".</summary>
    public abstract string Name { get; }

    /// <summary>How a colourizer of this architecture reports its method.</summary>
    public abstract ColorizationMethod Method { get; }

    /// <summary>Channels of the network's input (L first).</summary>
    public abstract int InputChannels { get; }

    /// <summary>The values the header's "head" may take.</summary>
    public abstract IReadOnlyList<string> HeadNames { get; }

    /// <summary>The header's "head" for <paramref name="config"/>.</summary>
    public abstract string HeadName(NetworkConfig config);

    /// <summary>The layers, in the order they run.</summary>
    public abstract IReadOnlyList<LayerSpec> Layers(NetworkConfig config);

    /// <summary>Every tensor a model file must hold, in file order: the layers' (architectures with more add theirs).</summary>
    public virtual IReadOnlyList<(string Name, int[] Shape, bool IsParameter)> Tensors(NetworkConfig config) =>
        Layers(config).SelectMany(l => l.Tensors()).ToList();

    /// <summary>The header fields of this architecture's own, after the shared ones (none by default).</summary>
    public virtual void WriteHeader(NetworkConfig config, JsonObject header)
    {
    }

    /// <summary><paramref name="config"/> with this architecture's own header fields read and checked.</summary>
    public virtual NetworkConfig ReadHeader(NetworkConfig config, JsonObject header, string path) => config;

    /// <summary>Whether the network's output is ab itself (/ ab_scale) rather than logits over the bins.</summary>
    public abstract bool OutputsAb(NetworkConfig config);

    /// <summary>
    /// The decoding matrix [2, 313] (each bin's ab) of a model whose file holds <paramref name="stored"/>, or null
    /// where the network has no bins to decode.
    /// </summary>
    public abstract float[]? DecodeMatrix(NetworkConfig config, IReadOnlyDictionary<string, StoredTensor> stored);

    /// <summary>"eccv16 classification width 0.25": what messages call a model of <paramref name="config"/>.</summary>
    public abstract string Describe(NetworkConfig config);

    /// <summary>What `model info` says of the architecture: "eccv16 (Zhang, Isola, Efros 2016), width 0.25, classification head".</summary>
    public abstract string Summary(NetworkConfig config);

    /// <summary>What `model info` says of the channels: "16, 32, 64, ... (blocks 1-8), 313 outputs".</summary>
    public abstract string ChannelSummary(NetworkConfig config);

    /// <summary>The side of the prediction's grid for a network input of <paramref name="size"/> x <paramref name="size"/>.</summary>
    public abstract int PredictionCells(int size);

    /// <summary>Trainable parameters (batch-norm running statistics excluded, as PyTorch counts them).</summary>
    public long ParameterCount(NetworkConfig config) =>
        Tensors(config).Where(t => t.IsParameter).Sum(t => t.Shape.Aggregate(1L, (a, d) => a * d));

    /// <summary>
    /// Multiply-adds of one forward pass at <paramref name="height"/> x <paramref name="width"/>: the layers'
    /// (each layer's size followed through the input it reads), plus what <see cref="ExtraMultiplyAdds"/> adds.
    /// </summary>
    public long MultiplyAdds(NetworkConfig config, int height, int width)
    {
        var sizes = new Dictionary<string, (int H, int W)>(StringComparer.Ordinal);
        (int H, int W) previous = (height, width);
        long total = 0;
        foreach (LayerSpec l in Layers(config))
        {
            var (h, w) = l.Input is null ? previous : sizes[l.Input];
            total += l.MultiplyAdds(h, w);
            previous = sizes[l.Prefix] = l.OutputSize(h, w);
        }
        return total + ExtraMultiplyAdds(config, previous.H, previous.W);
    }

    /// <summary>Multiply-adds outside the layers, given the last layer's output size (ECCV16: the 313 -> 2 decode).</summary>
    protected virtual long ExtraMultiplyAdds(NetworkConfig config, int outHeight, int outWidth) => 0;

    /// <summary>The colourizer for a loaded network of this architecture.</summary>
    public abstract NetworkColorizer CreateColorizer(InferenceNetwork network, int size, float temperature, bool ownsNetwork, int? batch);

    /// <summary>The training heads (targets, losses, their gradients) for a trainer of this architecture.</summary>
    public abstract TrainingHeads CreateHeads(TrainingHeadsContext context);

    public override string ToString() => Name;
}
