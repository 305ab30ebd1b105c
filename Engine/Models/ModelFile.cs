using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ColorKernels.Engine.Imaging;

namespace ColorKernels.Engine.Models;

/// <summary>How a tensor's values are stored in a model file.</summary>
public enum TensorStorage : byte
{
    /// <summary>IEEE single precision.</summary>
    Float32 = 0,

    /// <summary>IEEE half precision (half the size; read back as float).</summary>
    Float16 = 1,
}

/// <summary>A named tensor read from or written to a model file; values are always float32 in memory.</summary>
public sealed record StoredTensor(string Name, int[] Shape, float[] Data, TensorStorage Storage = TensorStorage.Float32)
{
    /// <summary>"[2, 313, 1, 1]": the shape for messages.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}

/// <summary>
/// The model file: a JSON header and a table of named, checksummed tensors (docs/model-format.md).
/// Reading validates every byte; writing is atomic.
/// </summary>
public sealed class ModelFile
{
    /// <summary>The format version this build reads and writes (docs/model-format.md).</summary>
    public const int FormatVersion = 1;
    private static readonly byte[] Magic = "CKMODEL\0"u8.ToArray();
    private const int MaxHeaderBytes = 1 << 20, MaxTensors = 10000, MaxRank = 8, MaxNameBytes = 1024;

    /// <summary>A model file in memory: its JSON header (with "architecture") and its tensors in file order.</summary>
    public ModelFile(JsonObject header, IReadOnlyList<StoredTensor> tensors)
    {
        Header = header;
        Tensors = tensors;
    }

    /// <summary>The JSON header (docs/model-format.md lists the keys of each architecture).</summary>
    public JsonObject Header { get; }

    /// <summary>The tensors, in file order.</summary>
    public IReadOnlyList<StoredTensor> Tensors { get; }

    /// <summary>"eccv16", "som-mlp", "som" ...: what the file holds.</summary>
    public string Architecture => Header["architecture"]?.GetValue<string>() ?? "";

    /// <summary>The name that means the built-in model wherever a model file is asked for.</summary>
    public const string DefaultName = "default";

    /// <summary>The name that means the built-in hint network (docs/hint-model-card.md).</summary>
    public const string HintsName = "hints";

    /// <summary>"default" (the built-in model), "hints" (the built-in hint network) or a model file's path: what every --model and model argument accepts.</summary>
    public static ModelFile Open(string pathOrDefault) => pathOrDefault switch
    {
        DefaultName => DefaultModel.Load(),
        HintsName => DefaultModel.LoadHints(),
        _ => Read(pathOrDefault),
    };

    /// <summary>The name <see cref="Open"/>'s model goes by in messages and reports.</summary>
    public static string DisplayName(string pathOrDefault) => pathOrDefault switch
    {
        DefaultName => DefaultModel.Name,
        HintsName => DefaultModel.HintsName,
        _ => pathOrDefault,
    };

    /// <summary>
    /// The largest model file read (1 GiB): the largest real one, the paper's full-width network, is about
    /// 130 MB, so anything much larger is not a model, and reading it whole would only exhaust memory.
    /// </summary>
    public const long MaxFileBytes = 1L << 30;

    /// <summary>A model's bytes from a stream, refused past <paramref name="limit"/> bytes (<see cref="MaxFileBytes"/>) before they are all read.</summary>
    public static byte[] ReadBytes(Stream stream, string name, long limit = MaxFileBytes)
    {
        return Files.StreamBytes.ReadAtMost(stream, limit, () => new UserErrorException($"'{name}': over {limit / (1024.0 * 1024):0.#} MiB, larger than any model file; not read"));
    }

    /// <summary>Reads and checks a model file (magic, version, header ranges, every checksum); a bad file is a <see cref="UserErrorException"/>.</summary>
    public static ModelFile Read(string path)
    {
        Files.FileStatus status = Files.FileStatus.Of(path);
        if (status.Kind == Files.FileKind.Directory)
            throw new UserErrorException($"'{path}': is a folder, not a model file (give the .ckm file inside it, e.g. '{Path.Combine(path, "model.ckm")}')");
        if (status.Kind is not (Files.FileKind.Regular or Files.FileKind.Missing))
            throw new UserErrorException($"'{path}': {status.KindName}, not a model file");
        byte[] bytes;
        try
        {
            using FileStream stream = File.OpenRead(path);
            bytes = ReadBytes(stream, path);
        }
        catch (FileNotFoundException)
        {
            throw new UserErrorException($"'{path}': no such model file");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserErrorException($"'{path}': cannot read: {AtomicFile.Describe(e)}", e);
        }
        return Parse(bytes, path);
    }

    /// <summary>Parses and validates a model file's bytes; <paramref name="path"/> names it in messages.</summary>
    public static ModelFile Parse(byte[] bytes, string path)
    {
        var reader = new Reader(bytes, path);
        if (bytes.Length < Magic.Length && Magic.AsSpan(0, bytes.Length).SequenceEqual(bytes))
            throw new UserErrorException($"'{path}': truncated: {bytes.Length} bytes, shorter than the magic bytes");
        if (bytes.Length < Magic.Length || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new UserErrorException($"'{path}': not a ColorKernels model file (wrong magic bytes)");
        reader.Skip(Magic.Length);
        uint version = reader.UInt32("format version");
        if (version != FormatVersion)
            throw new UserErrorException($"'{path}': model format version {version} is not supported (this build reads version {FormatVersion})");
        uint headerLength = reader.UInt32("header length");
        if (headerLength > MaxHeaderBytes)
            throw new UserErrorException($"'{path}': header length {headerLength} is implausible (corrupt file)");
        ReadOnlySpan<byte> headerBytes = reader.Bytes((int)headerLength, "header");
        uint count = reader.UInt32("tensor count");
        if (count > MaxTensors)
            throw new UserErrorException($"'{path}': tensor count {count} is implausible (corrupt file)");

        var entries = new List<(string Name, TensorStorage Storage, int[] Shape, ulong Offset, ulong Length, uint Crc)>();
        for (int i = 0; i < count; i++)
        {
            int nameLength = reader.UInt16($"tensor {i} name length");
            if (nameLength is 0 or > MaxNameBytes)
                throw new UserErrorException($"'{path}': tensor {i} has a name length of {nameLength} (corrupt file)");
            string name = reader.Utf8(nameLength, $"tensor {i} name");
            byte storage = reader.Byte($"tensor '{name}' storage");
            byte rank = reader.Byte($"tensor '{name}' rank");
            if (rank is 0 or > MaxRank)
                throw new UserErrorException($"'{path}': tensor '{name}' has rank {rank} (corrupt file)");
            var shape = new int[rank];
            for (int d = 0; d < rank; d++)
                shape[d] = reader.Int32($"tensor '{name}' dimensions");
            ulong offset = reader.UInt64($"tensor '{name}' offset");
            ulong length = reader.UInt64($"tensor '{name}' length");
            uint crc = reader.UInt32($"tensor '{name}' checksum");
            entries.Add((name, (TensorStorage)storage, shape, offset, length, crc));
        }
        int tableEnd = reader.Position;
        uint headerCrc = reader.UInt32("header checksum");
        if (Crc32.HashToUInt32(bytes.AsSpan(0, tableEnd)) != headerCrc)
            throw new UserErrorException($"'{path}': header checksum mismatch (the file is corrupt)");

        // Past the header checksum every field above is as written; now check it is consistent.
        JsonObject header;
        string headerText;
        try
        {
            // Strictly: System.Text.Json checks UTF-8 only when a string is read, long after parsing
            // (the fuzzer found that, with the checksums made to match).
            headerText = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(headerBytes);
        }
        catch (DecoderFallbackException)
        {
            throw new UserErrorException($"'{path}': header is not valid UTF-8 text (corrupt file)");
        }
        try
        {
            // Duplicate keys would otherwise throw later, when the object is first read (the fuzzer again).
            header = JsonNode.Parse(headerText, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) as JsonObject
                     ?? throw new UserErrorException($"'{path}': header is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new UserErrorException($"'{path}': header is not valid JSON ({e.Message})", e);
        }

        var tensors = new List<StoredTensor>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        ulong expectedOffset = (ulong)reader.Position;
        foreach (var (name, storage, shape, offset, length, crc) in entries)
        {
            if (!names.Add(name))
                throw new UserErrorException($"'{path}': tensor '{name}' appears twice");
            if (storage is not (TensorStorage.Float32 or TensorStorage.Float16))
                throw new UserErrorException($"'{path}': tensor '{name}' has unknown storage type {(byte)storage}");
            long elements = 1;
            foreach (int d in shape)
            {
                if (d < 1)
                    throw new UserErrorException($"'{path}': tensor '{name}' has a dimension of {d}");
                elements *= d;
                if (elements > int.MaxValue)
                    throw new UserErrorException($"'{path}': tensor '{name}' is implausibly large");
            }
            ulong expectedLength = (ulong)elements * (storage == TensorStorage.Float32 ? 4UL : 2UL);
            if (length != expectedLength || offset != expectedOffset)
                throw new UserErrorException($"'{path}': tensor '{name}' table entry is inconsistent (offset {offset}, length {length}; expected {expectedOffset}, {expectedLength})");
            if (offset + length > (ulong)bytes.Length)
                throw new UserErrorException($"'{path}': truncated: tensor '{name}' needs bytes {offset}..{offset + length}, the file has {bytes.Length}");
            ReadOnlySpan<byte> data = bytes.AsSpan((int)offset, (int)length);
            if (Crc32.HashToUInt32(data) != crc)
                throw new UserErrorException($"'{path}': tensor '{name}' checksum mismatch (the file is corrupt)");
            tensors.Add(new StoredTensor(name, shape, Decode(data, storage, (int)elements), storage));
            expectedOffset += length;
        }
        if (expectedOffset != (ulong)bytes.Length)
            throw new UserErrorException($"'{path}': {(ulong)bytes.Length - expectedOffset} unexpected bytes after the last tensor (corrupt file)");
        ValidateHeader(header, path);
        return new ModelFile(header, tensors);
    }

    /// <summary>The largest input size a model may record or colorize may be asked for (a 4096 x 4096 network input).</summary>
    public const int MaxInputSize = NetworkInputSize.Max;

    /// <summary>
    /// A header passes its checksum when a program wrote it; these are the ranges that make sense, so that a
    /// hand-edited or buggy header is refused here, in one line, rather than giving black pictures later.
    /// Fields are checked where present; which are required is up to each architecture.
    /// </summary>
    internal static void ValidateHeader(JsonObject header, string path)
    {
        if (header["architecture"] is { } arch && (arch is not JsonValue a || a.GetValueKind() != JsonValueKind.String))
            throw new UserErrorException($"'{path}': header field 'architecture' is not a string");
        if (header["input_size"] is not null)
        {
            double size = Number(header, "input_size", path);
            if (!NetworkInputSize.IsValid(size))
                throw new UserErrorException($"'{path}': header field 'input_size' is {size}; {NetworkInputSize.Range()} expected");
        }
        if (header["temperature"] is not null)
        {
            double t = Number(header, "temperature", path);
            if (!DecodeTemperature.IsValid((float)t))
                throw new UserErrorException($"'{path}': header field 'temperature' is {t.ToString(System.Globalization.CultureInfo.InvariantCulture)}; {DecodeTemperature.Range} expected");
        }
        // (field, lowest, highest, whether the lowest itself is allowed)
        foreach ((string key, double low, double high, bool lowIncluded) in new[]
        {
            ("ab_scale", 0.0, 1000.0, false), ("l_scale", 0.0, 1000.0, false),
            ("l_center", -1000.0, 1000.0, true), ("bn_eps", 0.0, 1.0, false), ("width", 0.0, 64.0, false),
            ("grid_w", 1.0, 1024.0, true), ("grid_h", 1.0, 1024.0, true), ("patch", 1.0, 255.0, true), ("context", 0.0, 64.0, true),
        })
        {
            if (header[key] is null)
                continue;
            double value = Number(header, key, path);
            if (!(lowIncluded ? value >= low : value > low) || value > high)
                throw new UserErrorException($"'{path}': header field '{key}' is {value.ToString(System.Globalization.CultureInfo.InvariantCulture)}; " +
                    $"{(lowIncluded ? "from" : "above")} {low.ToString(System.Globalization.CultureInfo.InvariantCulture)} to {high.ToString(System.Globalization.CultureInfo.InvariantCulture)} expected");
        }
    }

    /// <summary>A numeric header field, or a one-line error naming it.</summary>
    internal static double Number(JsonObject header, string key, string path)
    {
        JsonNode? node = header[key] ?? throw new UserErrorException($"'{path}': header lacks '{key}'");
        if (node is not JsonValue value || value.GetValueKind() != JsonValueKind.Number)
            throw new UserErrorException($"'{path}': header field '{key}' is not a number");
        // Through the JSON text: a header built in memory holds ints and floats, a parsed one JSON elements.
        if (!double.TryParse(value.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double number))
            number = double.NaN;
        if (!double.IsFinite(number))
            throw new UserErrorException($"'{path}': header field '{key}' is not a finite number");
        return number;
    }

    /// <summary>A whole-number header field within [<paramref name="low"/>, <paramref name="high"/>], or a one-line error naming it.</summary>
    internal static int Integer(JsonObject header, string key, string path, int low, int high)
    {
        double number = Number(header, key, path);
        if (number != Math.Floor(number) || number < low || number > high)
            throw new UserErrorException($"'{path}': header field '{key}' is {number}; a whole number from {low} to {high} expected");
        return (int)number;
    }

    /// <summary>The file's bytes (as <see cref="Write"/> writes them).</summary>
    public byte[] ToBytes()
    {
        byte[] headerBytes = Encoding.UTF8.GetBytes(Header.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
        var encoded = Tensors.Select(t => Encode(t)).ToList();
        using var table = new MemoryStream();
        var w = new BinaryWriter(table);
        w.Write(Magic);
        w.Write((uint)FormatVersion);
        w.Write((uint)headerBytes.Length);
        w.Write(headerBytes);
        w.Write((uint)Tensors.Count);
        // Table size first, so data offsets can be written in one pass.
        long tableEnd = 16 + headerBytes.Length + 4 + Tensors.Sum(t => 2 + Encoding.UTF8.GetByteCount(t.Name) + 2 + 4 * t.Shape.Length + 20);
        ulong offset = (ulong)(tableEnd + 4);
        for (int i = 0; i < Tensors.Count; i++)
        {
            StoredTensor t = Tensors[i];
            byte[] name = Encoding.UTF8.GetBytes(t.Name);
            w.Write((ushort)name.Length);
            w.Write(name);
            w.Write((byte)t.Storage);
            w.Write((byte)t.Shape.Length);
            foreach (int d in t.Shape)
                w.Write(d);
            w.Write(offset);
            w.Write((ulong)encoded[i].Length);
            w.Write(Crc32.HashToUInt32(encoded[i]));
            offset += (ulong)encoded[i].Length;
        }
        w.Flush();
        if (table.Length != tableEnd)
            throw new InvalidOperationException("model table size miscomputed");
        w.Write(Crc32.HashToUInt32(table.GetBuffer().AsSpan(0, (int)table.Length)));
        foreach (byte[] data in encoded)
            w.Write(data);
        w.Flush();
        return table.ToArray();
    }

    /// <summary>Writes the file atomically (temporary file in the same folder, then rename).</summary>
    public void Write(string path)
    {
        byte[] bytes = ToBytes();
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    private static byte[] Encode(StoredTensor t)
    {
        if (t.Storage == TensorStorage.Float32)
        {
            var bytes = new byte[t.Data.Length * 4];
            for (int i = 0; i < t.Data.Length; i++)
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), t.Data[i]);
            return bytes;
        }
        var half = new byte[t.Data.Length * 2];
        for (int i = 0; i < t.Data.Length; i++)
            BinaryPrimitives.WriteHalfLittleEndian(half.AsSpan(i * 2), (Half)t.Data[i]);
        return half;
    }

    private static float[] Decode(ReadOnlySpan<byte> data, TensorStorage storage, int elements)
    {
        var values = new float[elements];
        if (storage == TensorStorage.Float32)
            for (int i = 0; i < elements; i++)
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(data[(i * 4)..]);
        else
            for (int i = 0; i < elements; i++)
                values[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(data[(i * 2)..]);
        return values;
    }

    /// <summary>Bounds-checked little-endian reads; running out of bytes is reported as truncation.</summary>
    private ref struct Reader
    {
        private readonly byte[] bytes;
        private readonly string path;

        public Reader(byte[] bytes, string path)
        {
            this.bytes = bytes;
            this.path = path;
            Position = 0;
        }

        public int Position { get; private set; }

        private ReadOnlySpan<byte> Take(int count, string what)
        {
            if (count < 0 || Position + count > bytes.Length)
                throw new UserErrorException($"'{path}': truncated: the file ends inside the {what} ({bytes.Length} bytes)");
            var span = bytes.AsSpan(Position, count);
            Position += count;
            return span;
        }

        public void Skip(int count) => Take(count, "magic bytes");
        public ReadOnlySpan<byte> Bytes(int count, string what) => Take(count, what);
        public byte Byte(string what) => Take(1, what)[0];
        public ushort UInt16(string what) => BinaryPrimitives.ReadUInt16LittleEndian(Take(2, what));
        public uint UInt32(string what) => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, what));
        public int Int32(string what) => BinaryPrimitives.ReadInt32LittleEndian(Take(4, what));
        public ulong UInt64(string what) => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, what));

        public string Utf8(int count, string what)
        {
            try
            {
                return new UTF8Encoding(false, true).GetString(Take(count, what));
            }
            catch (DecoderFallbackException)
            {
                throw new UserErrorException($"'{path}': {what} is not valid UTF-8 (corrupt file)");
            }
        }
    }
}
