using ColorKernels.Engine.Formats.Caffe;
using ColorKernels.Engine.Models;
using Google.Protobuf;

namespace ColorKernels.Engine.Import;

/// <summary>
/// Imports the paper's Caffe model (colorization_release_v2.caffemodel, the layers of
/// colorization_deploy_v2.prototxt) into a model file. The file is a NetParameter (layers as LayerParameter
/// or the older V1LayerParameter), parsed by Google.Protobuf into the classes protoc generates from
/// Engine/Formats/caffe.proto (names and weight blobs only; every other field is discarded unread). Caffe's conventions are converted to the port's: the
/// network input there is L - 50 (conv1_1's weights x 100 here, where the input is (L - 50) / 100); batch
/// norm blobs are mean and variance times a scale factor (divided out) with no affine part (gamma 1,
/// beta 0); class8_ab outputs ab (model_out = class8_ab / 110); the Scale layer conv8_313_rh multiplies the
/// logits by 2.606 before the softmax, which is the annealed mean at T = 1 / 2.606 (the model's temperature).
/// </summary>
internal static class CaffeImport
{
    private sealed record Blob(int[] Shape, float[] Data);

    public static ModelFile Import(string path)
    {
        byte[] bytes = TorchImport.ReadFile(path);

        NetParameter net;
        try
        {
            net = NetParameter.Parser.WithDiscardUnknownFields(true).ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new UserErrorException($"'{path}': truncated or corrupt Caffe model ({e.Message.TrimEnd('.')})", e);
        }
        // The older layout first: a layer named in both keeps the current layout's blobs.
        var layers = new Dictionary<string, List<Blob>>(StringComparer.Ordinal);
        foreach (V1LayerParameter layer in net.Layers.Where(l => l.HasName))
            layers[layer.Name] = layer.Blobs.Select(b => ToBlob(b, path)).ToList();
        foreach (LayerParameter layer in net.Layer.Where(l => l.HasName))
            layers[layer.Name] = layer.Blobs.Select(b => ToBlob(b, path)).ToList();

        Blob Get(string layer, int index)
        {
            if (!layers.TryGetValue(layer, out List<Blob>? blobs))
                throw new UserErrorException($"'{path}': layer '{layer}' is missing: not the paper's colorization network");
            return index < blobs.Count ? blobs[index] : throw new UserErrorException($"'{path}': layer '{layer}' has {blobs.Count} blobs; blob {index} expected");
        }

        Blob first = Get("conv1_1", 0);
        if (first.Shape.Length != 4 || first.Shape[1] != 1)
            throw new UserErrorException($"'{path}': conv1_1's weights are [{string.Join(", ", first.Shape)}]; [C, 1, 3, 3] expected");
        float temperature = layers.TryGetValue("conv8_313_rh", out List<Blob>? scale) && scale.Count > 0 && scale[0].Data.Length == 1 && scale[0].Data[0] > 0
            ? 1f / scale[0].Data[0]
            : 1f;
        var config = new NetworkConfig(Eccv16Architecture.Instance, first.Shape[0] / 64.0, Temperature: temperature);

        var convNames = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["model8.0"] = "conv8_1", ["model8.2"] = "conv8_2", ["model8.4"] = "conv8_3", ["model8.6"] = "conv8_313",
        };
        int[] perBlock = { 2, 2, 3, 3, 3, 3, 3 };
        for (int b = 1; b <= 7; b++)
        {
            for (int i = 0; i < perBlock[b - 1]; i++)
                convNames[$"model{b}.{2 * i}"] = $"conv{b}_{i + 1}";
            convNames[$"model{b}.{2 * perBlock[b - 1]}"] = $"conv{b}_{perBlock[b - 1]}norm";
        }

        var tensors = new List<StoredTensor>();
        foreach (var (name, shape, _) in Eccv16Architecture.Tensors(config.Width))
        {
            int dot = name.LastIndexOf('.');
            string prefix = name[..dot], field = name[(dot + 1)..];
            float[] data;
            if (name == "model_out.weight")
            {
                data = Get("class8_ab", 0).Data.Select(v => v / config.AbScale).ToArray();
            }
            else if (convNames[prefix].EndsWith("norm", StringComparison.Ordinal))
            {
                string layer = convNames[prefix];
                float factor = Get(layer, 2).Data.Length == 1 && Get(layer, 2).Data[0] != 0 ? 1f / Get(layer, 2).Data[0] : 0f;
                int c = shape[0];
                data = field switch
                {
                    "weight" => Enumerable.Repeat(1f, c).ToArray(),
                    "bias" => new float[c],
                    "running_mean" => Get(layer, 0).Data.Select(v => v * factor).ToArray(),
                    _ => Get(layer, 1).Data.Select(v => v * factor).ToArray(),
                };
            }
            else
            {
                Blob blob = Get(convNames[prefix], field == "weight" ? 0 : 1);
                data = prefix == "model1.0" && field == "weight" ? blob.Data.Select(v => v * 100f).ToArray() : blob.Data;
            }
            int expected = shape.Aggregate(1, (a, d) => a * d);
            if (data.Length != expected)
                throw new UserErrorException($"'{path}': '{name}' (Caffe layer {(name == "model_out.weight" ? "class8_ab" : convNames[prefix])}) has {data.Length} values; [{string.Join(", ", shape)}] expected at width {config.Width}");
            tensors.Add(new StoredTensor(name, shape, data));
        }
        var model = new ModelFile(config.ToHeader(), tensors);
        model.Header["imported_from"] = Path.GetFileName(path);
        InferenceNetwork.Validate(model, path);
        return model;
    }

    /// <summary>A blob's shape (its BlobShape, else the legacy num, channels, height, width that are set) and float values.</summary>
    private static Blob ToBlob(BlobProto blob, string path)
    {
        if (blob.DoubleData.Count > 0 || blob.DoubleDiff.Count > 0)
            throw new UserErrorException($"'{path}': double-precision blobs are not supported");
        int[] shape = blob.Shape is { } s
            ? s.Dim.Select(d => d is >= 0 and <= int.MaxValue ? (int)d : throw new UserErrorException($"'{path}': a blob dimension of {d}: not a Caffe model")).ToArray()
            : new[] { blob.Num, blob.Channels, blob.Height, blob.Width }.Where(d => d > 0).ToArray();
        return new Blob(shape, blob.Data.ToArray());
    }
}
