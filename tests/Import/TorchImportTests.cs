using System.IO.Compression;
using System.Text;
using ColorKernels.Engine;
using ColorKernels.Engine.Import;
using ColorKernels.Engine.Models;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Import;

/// <summary>
/// Importing PyTorch state dicts written by torch.save (PyTorch 1.13, tests/Fixtures/make_eccv16_reference.py)
/// and refusing damaged or hostile ones. The imported model's forward pass against PyTorch is
/// Eccv16Tests.Forward_matches_the_PyTorch_port (same weights, same expected outputs).
/// </summary>
public sealed class TorchImportTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("ck-import-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void The_pth_imports_to_exactly_the_weights_PyTorch_used()
    {
        ModelFile imported = TorchImport.Import(TestData.Fixture("eccv16-w32.pth"));
        ModelFile reference = ModelFile.Read(TestData.Fixture("eccv16-w32.ckm"));
        Assert.Equal(1.0 / 32, imported.Header["width"]!.GetValue<double>());
        Assert.Equal(1f, imported.Header["temperature"]!.GetValue<float>());   // the authors' PyTorch demo decodes the mean
        var expected = reference.Tensors.ToDictionary(t => t.Name);
        Assert.Equal(expected.Count, imported.Tensors.Count);
        foreach (StoredTensor t in imported.Tensors)
        {
            Assert.Equal(expected[t.Name].Shape, t.Shape);
            Assert.Equal(expected[t.Name].Data, t.Data);
        }
    }

    [Theory]
    [InlineData("eccv16-w32-missing.pth", "'model3.2.weight' [8, 8, 3, 3] is missing")]
    [InlineData("eccv16-w32-shape.pth", "'model3.2.weight' is [8, 4, 3, 3]")]
    public void Missing_keys_and_wrong_shapes_are_named(string file, string message)
    {
        var e = Assert.Throws<UserErrorException>(() => TorchImport.Import(TestData.Fixture(file)));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Every_truncation_of_the_archive_is_refused()
    {
        byte[] bytes = File.ReadAllBytes(TestData.Fixture("eccv16-w32.pth"));
        string path = Path.Combine(dir, "cut.pth");
        for (int length = 0; length < bytes.Length; length += 97)
        {
            File.WriteAllBytes(path, bytes[..length]);
            Assert.Throws<UserErrorException>(() => TorchImport.Import(path));
        }
    }

    private string ZipWithPickle(byte[] pickle)
    {
        string path = Path.Combine(dir, "hostile.pth");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            using Stream s = zip.CreateEntry("archive/data.pkl").Open();
            s.Write(pickle);
        }
        return path;
    }

    [Fact]
    public void A_pickle_that_calls_anything_else_is_refused_and_nothing_runs()
    {
        // PROTO 2; GLOBAL 'os system'; BINUNICODE 'touch MARKER'; TUPLE1; REDUCE; STOP: what pickle.load would run.
        string marker = Path.Combine(dir, "MARKER");
        var pickle = new List<byte> { 0x80, 2, (byte)'c' };
        pickle.AddRange(Encoding.ASCII.GetBytes("os\nsystem\n"));
        byte[] command = Encoding.UTF8.GetBytes("touch " + marker);
        pickle.Add((byte)'X');
        pickle.AddRange(BitConverter.GetBytes(command.Length));
        pickle.AddRange(command);
        pickle.AddRange(new byte[] { 0x85, (byte)'R', (byte)'.' });
        var e = Assert.Throws<UserErrorException>(() => TorchImport.Import(ZipWithPickle(pickle.ToArray())));
        Assert.Contains("os.system", e.Message);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void Unknown_opcodes_and_non_archives_are_refused()
    {
        var e = Assert.Throws<UserErrorException>(() => TorchImport.Import(ZipWithPickle(new byte[] { 0x80, 2, (byte)'i', (byte)'.' })));
        Assert.Contains("opcode 0x69", e.Message);

        string text = Path.Combine(dir, "notes.pth");
        File.WriteAllText(text, "hello");
        Assert.Contains("not a torch.save zip", Assert.Throws<UserErrorException>(() => TorchImport.Import(text)).Message);

        string legacy = Path.Combine(dir, "legacy.pth");
        File.WriteAllBytes(legacy, new byte[] { 0x80, 2, 0x8a, 0x0a, 0x6c, 0xfc });
        Assert.Contains("legacy", Assert.Throws<UserErrorException>(() => TorchImport.Import(legacy)).Message);
    }
}

/// <summary>
/// The Caffe model written by tests/Fixtures/make_eccv16_reference.py from the same weights in Caffe's
/// conventions. Tolerance 1e-6 relative: the x100 and /110 conversions round in float32.
/// </summary>
public sealed class CaffeImportTests
{
    [Fact]
    public void The_caffemodel_imports_to_the_same_network_in_the_ports_conventions()
    {
        ModelFile imported = CaffeImport.Import(TestData.Fixture("eccv16-w32.caffemodel"));
        var reference = ModelFile.Read(TestData.Fixture("eccv16-w32.ckm")).Tensors.ToDictionary(t => t.Name);
        Assert.Equal(1 / 2.606f, imported.Header["temperature"]!.GetValue<float>(), 5);
        var norms = Eccv16Architecture.Layers(1.0 / 32).Where(l => l.Kind == LayerKind.BatchNorm).Select(l => l.Prefix).ToHashSet();
        foreach (StoredTensor t in imported.Tensors)
        {
            Assert.Equal(reference[t.Name].Shape, t.Shape);
            bool affine = t.Name.EndsWith(".weight", StringComparison.Ordinal) || t.Name.EndsWith(".bias", StringComparison.Ordinal);
            bool norm = norms.Contains(t.Name[..t.Name.LastIndexOf('.')]);
            if (norm && affine)
            {
                // Caffe's batch norm has no affine part: gamma 1, beta 0.
                Assert.All(t.Data, v => Assert.Equal(t.Name.EndsWith(".weight", StringComparison.Ordinal) ? 1f : 0f, v));
                continue;
            }
            for (int i = 0; i < t.Data.Length; i++)
                Assert.Equal(reference[t.Name].Data[i], t.Data[i], Math.Abs(reference[t.Name].Data[i]) * 1e-6 + 1e-9);
        }
    }

    [Fact]
    public void Caffe_blobs_of_impossible_sizes_or_in_double_precision_are_one_line_errors()
    {
        string path = Path.Combine(Path.GetTempPath(), $"ck-blob-{Guid.NewGuid():N}.caffemodel");
        try
        {
            foreach (var (blob, message) in new[]
            {
                (new Engine.Formats.Caffe.BlobProto { Shape = new Engine.Formats.Caffe.BlobShape { Dim = { 4, 1_000_000_000_000 } } }, "a blob dimension of 1000000000000"),
                (new Engine.Formats.Caffe.BlobProto { DoubleData = { 1.0, 2.0 } }, "double-precision blobs are not supported"),
            })
            {
                var net = new Engine.Formats.Caffe.NetParameter();
                net.Layer.Add(new Engine.Formats.Caffe.LayerParameter { Name = "conv1_1", Blobs = { blob } });
                File.WriteAllBytes(path, Google.Protobuf.MessageExtensions.ToByteArray(net));
                var e = Assert.Throws<UserErrorException>(() => CaffeImport.Import(path));
                Assert.Contains(message, e.Message);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Truncated_caffemodels_are_refused()
    {
        byte[] bytes = File.ReadAllBytes(TestData.Fixture("eccv16-w32.caffemodel"));
        string path = Path.Combine(Path.GetTempPath(), $"ck-cut-{Guid.NewGuid():N}.caffemodel");
        try
        {
            foreach (int length in new[] { 0, 1, 10, bytes.Length / 3, bytes.Length / 2, bytes.Length - 1 })
            {
                File.WriteAllBytes(path, bytes[..length]);
                Assert.Throws<UserErrorException>(() => CaffeImport.Import(path));
            }
        }
        finally
        {
            File.Delete(path);
        }
    }
}
