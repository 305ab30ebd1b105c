using System.Text.Json.Nodes;
using ColorKernels.Engine;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Som;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Models;

/// <summary>
/// The one colourizer interface (Engine/Models/Colorizer.cs): either method's model opens through it and
/// colours exactly as its own class does, and files of other architectures are refused in one line.
/// </summary>
public class ColorizerTests
{
    private static ImageData GreyBooks(ComputeDevice device) =>
        ColorKernels.Engine.Color.Desaturation.Desaturate(device, ImageIO.Load(TestData.RepositoryFile("samples", "photos", "books.png")));

    [Fact]
    public void The_default_model_through_the_interface_colours_as_the_network_does()
    {
        ComputeDevice device = TestDevices.Get("cpu:0");
        ImageData grey = GreyBooks(device);
        using IColorizer colorizer = Colorizer.Open(device, ModelFile.DefaultName);
        Assert.Equal(ColorizationMethod.Eccv16, colorizer.Method);
        Assert.Equal(1, colorizer.PreferredBatch);
        ModelFile file = DefaultModel.Load();
        using var network = InferenceNetwork.Load(device, file, DefaultModel.Name);
        using var direct = new NetworkColorizer(network, Colorizer.PreferredSize(file), network.Config.Temperature);
        Assert.Equal(direct.Colorize(new[] { grey })[0].Rgb8, colorizer.Colorize(new[] { grey })[0].Rgb8);
    }

    [Fact]
    public void A_som_mlp_model_through_the_interface_colours_as_the_model_does()
    {
        ComputeDevice device = TestDevices.Get("cpu:0");
        ImageData grey = GreyBooks(device);
        string path = TestData.RepositoryFile("docs", "som-mlp", "general.ckm");
        using IColorizer colorizer = Colorizer.Open(device, path, new ColorizerOptions { Temperature = 0.5f });
        Assert.Equal(ColorizationMethod.SomMlp, colorizer.Method);
        // The model read by hand and opened in memory (as reference mode does) colours as the file does.
        SomMlpModel model = SomMlpModel.FromModelFile(ModelFile.Read(path), path);
        using IColorizer inMemory = Colorizer.Open(device, model, new ColorizerOptions { Temperature = 0.5f });
        Assert.Equal(inMemory.Colorize(new[] { grey })[0].Rgb8, colorizer.Colorize(new[] { grey })[0].Rgb8);
    }

    [Fact]
    public void A_colour_map_or_an_unknown_architecture_is_refused_in_one_line()
    {
        var map = new SomMap(2, 2, new float[8]).ToModelFile();
        var e = Assert.Throws<UserErrorException>(() => Colorizer.MethodOf(map, "map.ckm"));
        Assert.Contains("som quantize", e.Message);
        var other = new ModelFile(new JsonObject { ["architecture"] = "unet" }, new List<StoredTensor>());
        e = Assert.Throws<UserErrorException>(() => Colorizer.MethodOf(other, "x.ckm"));
        Assert.Contains("'unet' is not known to this build (it knows eccv16, siggraph17 and som-mlp)", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
