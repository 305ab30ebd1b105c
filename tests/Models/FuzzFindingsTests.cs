using ColorKernels.Engine;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Models;

/// <summary>
/// Every input the coverage-guided fuzzer (tests/Fuzz, docs/fuzzing.md) ever found to break a reader is kept
/// in tests/Fuzz/findings/TARGET and replayed here as the fuzz target runs it: each must now be refused with
/// a user error (or read), never throw anything else.
/// </summary>
public class FuzzFindingsTests
{
    public static IEnumerable<object[]> Findings =>
        new[] { "model", "image" }.SelectMany(target =>
            Directory.Exists(TestData.RepositoryFile("tests", "Fuzz", "findings", target))
                ? Directory.GetFiles(TestData.RepositoryFile("tests", "Fuzz", "findings", target)).Order(StringComparer.Ordinal)
                    .Select(f => new object[] { target, Path.GetFileName(f) })
                : Enumerable.Empty<object[]>());

    [Fact]
    public void There_are_findings_to_replay()
    {
        Assert.NotEmpty(Findings);
    }

    [Theory]
    [MemberData(nameof(Findings))]
    public void A_finding_is_now_a_user_error(string target, string name)
    {
        byte[] bytes = File.ReadAllBytes(TestData.RepositoryFile("tests", "Fuzz", "findings", target, name));
        foreach (byte[] input in target == "model" ? new[] { bytes, ModelChecksums.Fix(bytes) } : new[] { bytes })
        {
            try
            {
                if (target == "model")
                    ModelFile.Parse(input, name);
                else
                    ImageIO.Decode(name, input);
            }
            catch (UserErrorException e)
            {
                Assert.DoesNotContain('\n', e.Message);
            }
        }
    }

    [Fact]
    public void A_header_that_is_not_valid_UTF8_is_refused_by_name()
    {
        // A file with no tensors: magic, version, header length, header, count 0, header checksum.
        byte[] bytes = new ModelFile(new System.Text.Json.Nodes.JsonObject { ["architecture"] = "som" }, Array.Empty<StoredTensor>()).ToBytes();
        int at = Array.IndexOf(bytes, (byte)'s', 16);   // the first letter of "som"
        bytes[at] = 0xFF;
        var e = Assert.Throws<UserErrorException>(() => ModelFile.Parse(ModelChecksums.Fix(bytes), "bad.ckm"));
        Assert.Equal("'bad.ckm': header is not valid UTF-8 text (corrupt file)", e.Message);
    }
}
