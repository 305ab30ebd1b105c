using System.Text;
using ColorKernels.Engine;
using ColorKernels.Host.Files;
using CsCheck;
using Xunit;

namespace ColorKernels.Tests.Cli;

/// <summary>
/// Hints files, films' keyframes files and the web page's steering bodies come from anyone: random mutations
/// of valid files (flips, overwrites, insertions, deletions, truncations) give hints or keyframes or a one-line
/// user error, never another exception (the JSON reader's, a number's overflow, an out-of-range index).
/// </summary>
public class HintFileMutationTests
{
    private static readonly byte[][] Valid =
    {
        Encoding.UTF8.GetBytes("""{"hints": [{"x": 12, "y": 8, "color": "#c03020", "size": 3}, {"x": 0, "y": 47, "color": "507040"}]}"""),
        Encoding.UTF8.GetBytes("""{"hints": []}"""),
        Encoding.UTF8.GetBytes("""{"hints": [{"x": 63, "y": 0, "color": "#ffffff", "size": 64}], "note": [1, 2.5e300, null, true]}"""),
    };

    [Fact]
    public void Random_mutations_of_hints_files_only_ever_give_hints_or_user_errors()
    {
        Gen.Select(Gen.Int[0, Valid.Length - 1], ByteMutation.Any(1 << 16, 16)).Sample(m =>
        {
            byte[] bytes = m.Item2.Apply(Valid[m.Item1]);
            try
            {
                var hints = HintFiles.Parse(bytes, "'mutated.json'", 64, 48);
                Assert.All(hints, h => h.Check(64, 48));
            }
            catch (UserErrorException e)
            {
                Assert.DoesNotContain('\n', e.Message);
            }
        }, iter: 3000, seed: "0N0XIzNsQ0O2");
    }

    private static readonly byte[][] ValidKeyframes =
    {
        Encoding.UTF8.GetBytes("""{"keyframes": [{"frame": 0, "hints": [{"x": 12, "y": 8, "color": "#c03020", "size": 3}]}, {"time": "00:00:01.040", "palette": "#2060d0,#c8a070", "paletteStrength": 2}]}"""),
        Encoding.UTF8.GetBytes("""{"keyframes": [{"time": 0.48, "hints": [{"x": 63, "y": 47, "color": "507040"}]}, {"frame": 99, "paletteFrom": "photo.png"}]}"""),
    };

    [Fact]
    public void Random_mutations_of_keyframes_files_only_ever_give_keyframes_or_user_errors()
    {
        // A film of 100 frames of 64 x 48 at 25 frames/s; keyframes placed as the job does before decoding.
        Gen.Select(Gen.Int[0, ValidKeyframes.Length - 1], ByteMutation.Any(1 << 16, 16)).Sample(m =>
        {
            byte[] bytes = m.Item2.Apply(ValidKeyframes[m.Item1]);
            try
            {
                var keyframes = HintFiles.ParseKeyframes(bytes, "'mutated.json'", "/nonexistent-folder", long.MaxValue);
                var placed = Engine.Video.KeyframePlacement.Place(keyframes, 64, 48, 100, false, (25, 1));
                Assert.All(placed, k => Assert.InRange(k.Frame, 0, 99));
            }
            catch (UserErrorException e)
            {
                Assert.DoesNotContain('\n', e.Message);
            }
        }, iter: 3000, seed: "0N0XIzNsQ0O2");
    }

    [Theory]
    [InlineData("{\"hints\": [{\"x\": 1, \"y\": 1, \"color\": \"#c0\\n\\n\\r30\"}]}")]
    [InlineData("{\"hints\": [{\"x\": 1, \"y\": 1, \"color\": \"#c03020\", \"size\": nu\n\n\nll}]}")]
    public void Newlines_in_a_hints_file_stay_out_of_its_one_line_error(string json)
    {
        // Found by the test above (seed c3lIBT_vncM3): a message quoting the file's text carried its newlines.
        var e = Assert.Throws<UserErrorException>(() => HintFiles.Parse(Encoding.UTF8.GetBytes(json), "'h.json'", 64, 48));
        Assert.DoesNotContain('\n', e.Message);
        Assert.DoesNotContain('\r', e.Message);
    }

    [Fact]
    public void A_colour_whose_bytes_are_not_utf8_is_a_user_error()
    {
        // Found by the test above: System.Text.Json accepts the document and throws only when the string is read.
        byte[] json = Encoding.UTF8.GetBytes("""{"hints": [{"x": 1, "y": 1, "color": "#c0302X"}]}""");
        json[Array.IndexOf(json, (byte)'X')] = 0xA4;
        var e = Assert.Throws<UserErrorException>(() => HintFiles.Parse(json, "'h.json'", 64, 48));
        Assert.Equal("'h.json': hint 0: \"color\" is not valid UTF-8", e.Message);
    }

    [Fact]
    public void A_keyframe_field_name_whose_bytes_are_not_utf8_is_a_user_error()
    {
        // Found by the keyframes mutation test (seed 01CPvin5mzV1): a property's name throws only when it is read.
        byte[] json = Encoding.UTF8.GetBytes("""{"keyframes": [{"frame": 0, "paletteStrengtX": 2}]}""");
        json[Array.IndexOf(json, (byte)'X')] = 0xA4;
        var e = Assert.Throws<UserErrorException>(() => HintFiles.ParseKeyframes(json, "'k.json'", null, long.MaxValue));
        Assert.Equal("'k.json': keyframe 0: a field's name is not valid UTF-8", e.Message);
    }
}
