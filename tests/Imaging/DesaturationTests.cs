using ColorKernels.Engine.Color;
using ColorKernels.Engine.Imaging;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Imaging;

/// <summary>
/// desaturate promises R = G = B exactly. Through the rounded XYZ-to-RGB matrix a grey came out split by one
/// 8-bit level now and then (8 pixels of samples/photos/books.png); neutral Lab now maps straight to grey.
/// </summary>
public class DesaturationTests
{
    public static IEnumerable<object[]> Devices => TestDevices.All;

    [Theory]
    [MemberData(nameof(Devices))]
    public void Desaturated_photos_are_exactly_grey(string deviceId)
    {
        ImageData photo = ImageIO.Load(TestData.RepositoryFile("samples", "photos", "books.png"));
        byte[] rgb = Desaturation.Desaturate(TestDevices.Get(deviceId), photo).Rgb8!;
        int split = Enumerable.Range(0, photo.Pixels).Count(p => rgb[3 * p] != rgb[3 * p + 1] || rgb[3 * p + 1] != rgb[3 * p + 2]);
        Assert.Equal(0, split);
    }

    [Fact]
    public void Every_8bit_grey_survives_desaturation_unchanged()
    {
        // The 256 greys: Lab with a = b = 0 back to the same byte on every channel.
        byte[] greys = Enumerable.Range(0, 256).SelectMany(v => new[] { (byte)v, (byte)v, (byte)v }).ToArray();
        ImageData result = Desaturation.Desaturate(TestDevices.Get("cpu:0"), ImageData.FromRgb8(256, 1, greys));
        Assert.Equal(greys, result.Rgb8);
    }
}
