using System.Text.Json.Nodes;
using ColorKernels.Engine;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Models;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Models;

/// <summary>The model file format (docs/model-format.md): round trips, and every kind of damage refused with a precise message.</summary>
public class ModelFileTests
{
    // Width 1/64 (channels 1, 2, 4, 8, 8, 8, 8, 4): a complete eccv16 file of about 40 KB.
    private static readonly ModelFile Small = NetworkInit.Create(NetworkConfig.Eccv16(1.0 / 64), seed: 3);
    private static readonly byte[] SmallBytes = Small.ToBytes();

    /// <summary>A stream that never ends (a pipe left open, /dev/zero).</summary>
    private sealed class Endless : Stream
    {
        public long Served { get; private set; }
        public override int Read(byte[] buffer, int offset, int count)
        {
            Served += count;
            return count;
        }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => Served; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Fact]
    public void A_model_stream_is_read_only_up_to_the_size_limit()
    {
        var endless = new Endless();
        var e = Assert.Throws<UserErrorException>(() => ModelFile.ReadBytes(endless, "pipe", limit: 1 << 20));
        Assert.Contains("'pipe': over 1 MiB, larger than any model file", e.Message);
        Assert.True(endless.Served <= (1 << 20) + (1 << 16), $"{endless.Served} bytes read past a 1 MiB limit");
        Assert.Equal(100, ModelFile.ReadBytes(new MemoryStream(new byte[100]), "small", limit: 100).Length);
        // A real model file is far below the real limit.
        Assert.True(new FileInfo(TestData.RepositoryFile("docs", "som-mlp", "general.ckm")).Length < ModelFile.MaxFileBytes);
    }

    [Fact]
    public void Round_trip_keeps_header_and_every_value()
    {
        ModelFile back = ModelFile.Parse(SmallBytes, "m.ckm");
        Assert.Equal("eccv16", back.Architecture);
        Assert.Equal(1.0 / 64, back.Header["width"]!.GetValue<double>());
        Assert.Equal(Small.Tensors.Select(t => t.Name), back.Tensors.Select(t => t.Name));
        for (int i = 0; i < Small.Tensors.Count; i++)
        {
            Assert.Equal(Small.Tensors[i].Shape, back.Tensors[i].Shape);
            Assert.Equal(Small.Tensors[i].Data, back.Tensors[i].Data);
        }
    }

    [Fact]
    public void Float16_storage_round_trips_to_half_precision_and_halves_the_size()
    {
        ModelFile half = NetworkInit.Create(NetworkConfig.Eccv16(1.0 / 64), seed: 3, TensorStorage.Float16);
        byte[] bytes = half.ToBytes();
        Assert.InRange(bytes.Length, SmallBytes.Length / 2, SmallBytes.Length * 6 / 10);
        ModelFile back = ModelFile.Parse(bytes, "h.ckm");
        for (int i = 0; i < Small.Tensors.Count; i++)
            for (int j = 0; j < Small.Tensors[i].Data.Length; j++)
            {
                // binary16 has an 11-bit significand: relative error <= 2^-11 (plus subnormal range near 0).
                float a = Small.Tensors[i].Data[j], b = back.Tensors[i].Data[j];
                Assert.True(Math.Abs(a - b) <= Math.Abs(a) * (1.0 / 2048) + 1e-7, $"{Small.Tensors[i].Name}[{j}]: {a} vs {b}");
            }
    }

    [Fact]
    public void Same_seed_same_file_other_seed_other_weights()
    {
        Assert.Equal(SmallBytes, NetworkInit.Create(NetworkConfig.Eccv16(1.0 / 64), seed: 3).ToBytes());
        Assert.NotEqual(SmallBytes, NetworkInit.Create(NetworkConfig.Eccv16(1.0 / 64), seed: 4).ToBytes());
    }

    [Fact]
    public void Every_truncation_is_refused()
    {
        for (int length = 0; length < SmallBytes.Length; length++)
        {
            var e = Assert.Throws<UserErrorException>(() => ModelFile.Parse(SmallBytes[..length], "t.ckm"));
            Assert.Contains("'t.ckm'", e.Message);
        }
    }

    [Fact]
    public void Every_flipped_byte_is_refused()
    {
        // Every byte is under a checksum (header CRC over the table, one CRC per tensor), so flipping any
        // single byte must fail. All positions are tried: about 40,000 parses of a 40 KB file.
        byte[] copy = (byte[])SmallBytes.Clone();
        for (int i = 0; i < copy.Length; i++)
        {
            copy[i] ^= 0x5A;
            Assert.Throws<UserErrorException>(() => ModelFile.Parse(copy, "f.ckm"));
            copy[i] ^= 0x5A;
        }
    }

    [Fact]
    public void Wrong_magic_and_version_are_named()
    {
        byte[] copy = (byte[])SmallBytes.Clone();
        copy[0] = (byte)'X';
        Assert.Contains("not a ColorKernels model file", Assert.Throws<UserErrorException>(() => ModelFile.Parse(copy, "x")).Message);
        copy = (byte[])SmallBytes.Clone();
        copy[8] = 7;
        Assert.Contains("version 7", Assert.Throws<UserErrorException>(() => ModelFile.Parse(copy, "x")).Message);
        Assert.Contains("version 7", Assert.Throws<UserErrorException>(() => ModelFile.Parse(copy, "x")).Message);
    }

    [Fact]
    public void Trailing_bytes_are_refused()
    {
        byte[] longer = SmallBytes.Concat(new byte[] { 0 }).ToArray();
        Assert.Contains("unexpected bytes", Assert.Throws<UserErrorException>(() => ModelFile.Parse(longer, "x")).Message);
    }

    [Fact]
    public void Wrong_shape_missing_and_extra_tensors_name_the_tensor()
    {
        ComputeDevice device = TestDevices.Get("cpu:0");
        string Load(ModelFile file) =>
            Assert.Throws<UserErrorException>(() => InferenceNetwork.Load(device, ModelFile.Parse(file.ToBytes(), "m.ckm"), "m.ckm")).Message;

        var wrongShape = Small.Tensors.Select(t => t.Name == "model3.2.weight" ? t with { Shape = new[] { 5, 4, 3, 3 }, Data = new float[180] } : t).ToList();
        string message = Load(new ModelFile(Small.Header, wrongShape));
        Assert.Contains("'model3.2.weight' is [5, 4, 3, 3]", message);
        Assert.Contains("expects [4, 4, 3, 3]", message);

        Assert.Contains("'model5.6.running_var'", Load(new ModelFile(Small.Header, Small.Tensors.Where(t => t.Name != "model5.6.running_var").ToList())));
        Assert.Contains("unexpected tensor 'model5.6.num_batches_tracked'",
            Load(new ModelFile(Small.Header, Small.Tensors.Append(new StoredTensor("model5.6.num_batches_tracked", new[] { 1 }, new float[1])).ToList())));

        var header = (JsonObject)Small.Header.DeepClone();
        header["architecture"] = "unet";
        Assert.Contains("'unet'", Load(new ModelFile(header, Small.Tensors)));

        // A file whose width says 1/32 but holds width-1/64 tensors: a mismatched model.
        header = (JsonObject)Small.Header.DeepClone();
        header["width"] = 1.0 / 32;
        Assert.Contains("width 0.03125", Load(new ModelFile(header, Small.Tensors)));
    }

    [Fact]
    public void Save_is_atomic_and_read_back_from_disk()
    {
        string dir = Directory.CreateTempSubdirectory("ck-model-").FullName;
        try
        {
            string path = Path.Combine(dir, "m.ckm");
            Small.Write(path);
            Assert.Equal(new[] { path }, Directory.GetFiles(dir));
            Assert.Equal(SmallBytes, File.ReadAllBytes(path));
            Assert.Contains("no such model file", Assert.Throws<UserErrorException>(() => ModelFile.Read(Path.Combine(dir, "none.ckm"))).Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
