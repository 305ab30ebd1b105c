using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Models;

/// <summary>The built-in default model (docs/model-card.md) loads and colourizes a bundled photo.</summary>
public class DefaultModelTests
{
    private static string RepositoryFile(params string[] parts) => Support.TestData.RepositoryFile(parts);

    [Fact]
    public void The_default_model_colourizes_a_bundled_photo()
    {
        Assert.True(DefaultModel.Available, "no default model is embedded (Engine/Models/Data/default.ckm)");
        ModelFile file = DefaultModel.Load();
        ComputeDevice device = TestDevices.Get("cpu:0");
        using var network = Eccv16InferenceNetwork.Load(device, file, DefaultModel.Name);
        int size = file.Header["input_size"]!.GetValue<int>();
        using var colorizer = new Eccv16Colorizer(network, size, network.Config.Temperature);
        ImageData photo = ImageIO.Load(RepositoryFile("samples", "photos", "books.png"));
        ImageData grey = ColorKernels.Engine.Color.Desaturation.Desaturate(device, photo);
        ImageData output = colorizer.Colorize(new[] { grey })[0];
        Assert.Equal((photo.Width, photo.Height), (output.Width, output.Height));
        // It adds colour: some pixels are no longer grey.
        int coloured = 0;
        for (int i = 0; i < output.Pixels; i++)
            if (Math.Abs(output.Rgb8![3 * i] - output.Rgb8[3 * i + 2]) > 3)
                coloured++;
        Assert.True(coloured > output.Pixels / 10, $"only {coloured} of {output.Pixels} pixels got colour");
    }
}
