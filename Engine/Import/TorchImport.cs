using System.IO.Compression;
using System.Text.Json.Nodes;
using ColorKernels.Engine.Models;

namespace ColorKernels.Engine.Import;

/// <summary>
/// Imports a PyTorch state dict of the paper's ECCV16 port (colorizers/eccv16.py key names; torch.save's zip
/// format, PyTorch 1.6 and later) into a model file. The width is read off model1.0.weight. Imported models
/// decode at temperature 1, as the authors' PyTorch demo does (its forward() is softmax then model_out,
/// with no logit scaling); --temperature still overrides. Mapping: docs/import.md.
/// </summary>
internal static class TorchImport
{
    public static ModelFile Import(string path)
    {
        byte[] bytes = ReadFile(path);
        if (bytes.Length >= 2 && bytes[0] == 0x80 && bytes[1] <= 5)
            throw new UserErrorException($"'{path}': a legacy (pre-1.6) torch.save file; this importer reads the zip format (re-save it with torch.save under PyTorch 1.6 or later)");

        ZipArchive zip;
        try
        {
            zip = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);
        }
        catch (InvalidDataException e)
        {
            throw new UserErrorException($"'{path}': not a torch.save zip archive, or a truncated one ({e.Message})", e);
        }
        using (zip)
        {
            ZipArchiveEntry pickleEntry = zip.Entries.FirstOrDefault(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) || e.FullName == "data.pkl")
                ?? throw new UserErrorException($"'{path}': no data.pkl in the archive: not a torch.save file");
            string prefix = pickleEntry.FullName[..^"data.pkl".Length];
            IReadOnlyDictionary<string, object?> state = StateDictPickle.Read(ReadEntry(pickleEntry, path), path);

            var tensors = new Dictionary<string, StoredTensor>(StringComparer.Ordinal);
            foreach (var (name, value) in state)
            {
                if (name.EndsWith(".num_batches_tracked", StringComparison.Ordinal))
                    continue;   // a counter PyTorch keeps for batch norm; not part of the model
                if (value is not TorchTensorRef t)
                    throw new UserErrorException($"'{path}': entry '{name}' is not a tensor");
                tensors[name] = new StoredTensor(name, t.Shape, ReadTensor(zip, prefix, t, name, path));
            }

            int c1 = tensors.TryGetValue("model1.0.weight", out StoredTensor? first) && first.Shape.Length == 4 && first.Shape[1] == 1
                ? first.Shape[0]
                : throw new UserErrorException($"'{path}': no 'model1.0.weight' of shape [C, 1, 3, 3]: not the ECCV16 port's state dict");
            var config = new NetworkConfig(Eccv16Architecture.Instance, c1 / 64.0, Temperature: 1f);
            JsonObject header = config.ToHeader();
            header["imported_from"] = Path.GetFileName(path);
            var expected = Eccv16Architecture.Tensors(config.Width);
            var ordered = new List<StoredTensor>();
            foreach (var (name, shape, _) in expected)
            {
                if (!tensors.Remove(name, out StoredTensor? t))
                    throw new UserErrorException($"'{path}': key '{name}' [{string.Join(", ", shape)}] is missing (ECCV16 port at width {config.Width})");
                if (!t.Shape.SequenceEqual(shape))
                    throw new UserErrorException($"'{path}': key '{name}' is {t.ShapeText}; the ECCV16 port at width {config.Width} has [{string.Join(", ", shape)}]");
                ordered.Add(t);
            }
            if (tensors.Count > 0)
                throw new UserErrorException($"'{path}': unexpected key '{tensors.Keys.First()}' for the ECCV16 port");
            var model = new ModelFile(header, ordered);
            InferenceNetwork.Validate(model, path);
            return model;
        }
    }

    /// <summary>The whole file, with a one-line error when it is missing or unreadable.</summary>
    internal static byte[] ReadFile(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            throw new UserErrorException($"'{path}': no such file");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserErrorException($"'{path}': cannot read: {e.Message}", e);
        }
    }

    private static byte[] ReadEntry(ZipArchiveEntry entry, string path)
    {
        try
        {
            using Stream stream = entry.Open();
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            return memory.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new UserErrorException($"'{path}': archive entry '{entry.FullName}' is corrupt ({e.Message})", e);
        }
    }

    private static float[] ReadTensor(ZipArchive zip, string prefix, TorchTensorRef t, string name, string path)
    {
        int elementSize = t.StorageType switch
        {
            "FloatStorage" => 4,
            "HalfStorage" => 2,
            _ => throw new UserErrorException($"'{path}': key '{name}' is stored as {t.StorageType}; float32 or float16 expected"),
        };
        long count = t.Shape.Aggregate(1L, (a, d) => a * d);
        long expectedStride = 1;
        for (int d = t.Shape.Length - 1; d >= 0; d--)
        {
            if (t.Shape[d] > 1 && t.Stride[d] != expectedStride)
                throw new UserErrorException($"'{path}': key '{name}' is not stored contiguously");
            expectedStride *= t.Shape[d];
        }
        ZipArchiveEntry entry = zip.GetEntry(prefix + "data/" + t.StorageKey)
            ?? throw new UserErrorException($"'{path}': storage '{t.StorageKey}' of key '{name}' is missing from the archive");
        byte[] raw = ReadEntry(entry, path);
        long start = t.Offset * elementSize, length = count * elementSize;
        if (t.Offset < 0 || start + length > raw.Length)
            throw new UserErrorException($"'{path}': key '{name}' reaches past the end of its storage (truncated file?)");
        var values = new float[count];
        for (int i = 0; i < count; i++)
            values[i] = elementSize == 4
                ? BitConverter.ToSingle(raw, (int)(start + i * 4))
                : (float)BitConverter.ToHalf(raw, (int)(start + i * 2));
        return values;
    }
}
