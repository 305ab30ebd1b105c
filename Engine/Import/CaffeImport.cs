using System.Buffers.Binary;
using System.Text;
using ColorKernels.Engine.Models;

namespace ColorKernels.Engine.Import;

/// <summary>
/// Imports the paper's Caffe model (colorization_release_v2.caffemodel, the layers of
/// colorization_deploy_v2.prototxt) into a model file, reading the protobuf directly (NetParameter with
/// LayerParameter or the older V1LayerParameter). Caffe's conventions are converted to the port's: the
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

        var layers = new Dictionary<string, List<Blob>>(StringComparer.Ordinal);
        var net = new Reader(bytes, 0, bytes.Length, path);
        while (net.More)
        {
            var (number, wire) = net.Key();
            if ((number == 100 || number == 2) && wire == 2)
            {
                Reader layer = net.Nested();
                string? name = null;
                var blobs = new List<Blob>();
                int nameField = number == 100 ? 1 : 4, blobField = number == 100 ? 7 : 6;
                while (layer.More)
                {
                    var (f, w) = layer.Key();
                    if (f == nameField && w == 2)
                        name = layer.String();
                    else if (f == blobField && w == 2)
                        blobs.Add(ReadBlob(layer.Nested(), path));
                    else
                        layer.Skip(w);
                }
                if (name is not null)
                    layers[name] = blobs;
            }
            else
            {
                net.Skip(wire);
            }
        }

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
        var config = new Eccv16Config(first.Shape[0] / 64.0, Temperature: temperature);

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
        Eccv16InferenceNetwork.Validate(model, path);
        return model;
    }

    private static Blob ReadBlob(Reader blob, string path)
    {
        var legacy = new int[4];
        int[]? shape = null;
        var data = new List<float>();
        while (blob.More)
        {
            var (f, w) = blob.Key();
            switch (f)
            {
                case >= 1 and <= 4 when w == 0:
                    legacy[f - 1] = (int)blob.Varint();
                    break;
                case 5 when w == 2:
                    data.AddRange(blob.PackedFloats());
                    break;
                case 5 when w == 5:
                    data.Add(blob.Fixed32Float());
                    break;
                case 7 when w == 2:
                {
                    Reader s = blob.Nested();
                    var dims = new List<int>();
                    while (s.More)
                    {
                        var (sf, sw) = s.Key();
                        if (sf == 1 && sw == 2)
                            dims.AddRange(s.PackedVarints().Select(v => checked((int)v)));
                        else if (sf == 1 && sw == 0)
                            dims.Add(checked((int)s.Varint()));
                        else
                            s.Skip(sw);
                    }
                    shape = dims.ToArray();
                    break;
                }
                case 8 or 9:
                    throw new UserErrorException($"'{path}': double-precision blobs are not supported");
                default:
                    blob.Skip(w);
                    break;
            }
        }
        return new Blob(shape ?? legacy.Where(d => d > 0).ToArray(), data.ToArray());
    }

    /// <summary>A bounds-checked protobuf reader over a slice of the file; running out of bytes is reported as truncation.</summary>
    private sealed class Reader
    {
        private readonly byte[] bytes;
        private readonly int end;
        private readonly string path;
        private int pos;

        public Reader(byte[] bytes, int start, int end, string path)
        {
            this.bytes = bytes;
            pos = start;
            this.end = end;
            this.path = path;
        }

        public bool More => pos < end;

        private UserErrorException Truncated() => new($"'{path}': truncated or corrupt Caffe model (protobuf ends inside a field at byte {pos})");

        public ulong Varint()
        {
            ulong value = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                if (pos >= end)
                    throw Truncated();
                byte b = bytes[pos++];
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                    return value;
            }
            throw new UserErrorException($"'{path}': malformed varint at byte {pos}: not a Caffe model");
        }

        public (int Number, int Wire) Key()
        {
            ulong key = Varint();
            return ((int)(key >> 3), (int)(key & 7));
        }

        private int Length()
        {
            ulong length = Varint();
            if (length > (ulong)(end - pos))
                throw Truncated();
            return (int)length;
        }

        public Reader Nested()
        {
            int length = Length();
            var nested = new Reader(bytes, pos, pos + length, path);
            pos += length;
            return nested;
        }

        public string String()
        {
            int length = Length();
            string text = Encoding.UTF8.GetString(bytes, pos, length);
            pos += length;
            return text;
        }

        public float Fixed32Float()
        {
            if (end - pos < 4)
                throw Truncated();
            float v = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(pos));
            pos += 4;
            return v;
        }

        public IEnumerable<float> PackedFloats()
        {
            int length = Length();
            if (length % 4 != 0)
                throw new UserErrorException($"'{path}': packed float field of {length} bytes: not a Caffe model");
            var values = new float[length / 4];
            for (int i = 0; i < values.Length; i++)
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(pos + 4 * i));
            pos += length;
            return values;
        }

        public IEnumerable<ulong> PackedVarints()
        {
            int length = Length();
            var nested = new Reader(bytes, pos, pos + length, path);
            var values = new List<ulong>();
            while (nested.More)
                values.Add(nested.Varint());
            pos += length;
            return values;
        }

        public void Skip(int wire)
        {
            switch (wire)
            {
                case 0: Varint(); break;
                case 1: Advance(8); break;
                case 2: Advance(Length()); break;
                case 5: Advance(4); break;
                default: throw new UserErrorException($"'{path}': protobuf wire type {wire} at byte {pos}: not a Caffe model");
            }
        }

        private void Advance(int count)
        {
            if (end - pos < count)
                throw Truncated();
            pos += count;
        }
    }
}
