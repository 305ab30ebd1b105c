using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Models;

/// <summary>The built-in models (docs/model-card.md, docs/hint-model-card.md) load and colourize a bundled photo.</summary>
public class DefaultModelTests
{
    private static string RepositoryFile(params string[] parts) => Support.TestData.RepositoryFile(parts);

    [Fact]
    public void The_default_model_colourizes_a_bundled_photo()
    {
        Assert.True(DefaultModel.Available, "no default model is embedded (Engine/Models/Data/default.ckm)");
        ModelFile file = DefaultModel.Load();
        ComputeDevice device = TestDevices.Get("cpu:0");
        using var network = InferenceNetwork.Load(device, file, DefaultModel.Name);
        int size = file.Header["input_size"]!.GetValue<int>();
        using var colorizer = new NetworkColorizer(network, size, network.Config.Temperature);
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

    [Fact]
    public void The_built_in_hint_network_colours_toward_its_hints()
    {
        // --model hints: the hint network trained on the CPU (docs/hint-model-card.md), at its input_size.
        // A hint on the grey books photo pulls the pixels under it toward the hint's colour (its default
        // decode: the network, then the propagation of what it left).
        Assert.True(DefaultModel.HintsAvailable, "no hint network is embedded (Engine/Models/Data/hints.ckm)");
        ModelFile file = ModelFile.Open(ModelFile.HintsName);
        Assert.Equal(Siggraph17Architecture.ArchitectureName, file.Architecture);
        ComputeDevice device = TestDevices.Get("cpu:0");
        using IColorizer colorizer = Colorizer.Open(device, ModelFile.HintsName);
        Assert.Equal(ColorizationMethod.HintNetwork, colorizer.Method);
        ImageData grey = ColorKernels.Engine.Color.Desaturation.Desaturate(device, ImageIO.Load(RepositoryFile("samples", "photos", "books.png")));
        using Prediction prediction = colorizer.Predict(grey);
        int x = grey.Width / 2, y = grey.Height / 2;
        var hint = new ColorHint(x, y, 50f, 40f, Size: 9);
        ImageData plain = colorizer.Decode(prediction), hinted = colorizer.Decode(prediction, null, new[] { hint });
        double Distance(ImageData image)
        {
            int i = 3 * (y * image.Width + x);
            var (_, a, b) = ColorKernels.Kernels.Color.LabReference.SrgbToLab(image.Rgb8![i] / 255.0, image.Rgb8[i + 1] / 255.0, image.Rgb8[i + 2] / 255.0);
            return Math.Sqrt((a - 50) * (a - 50) + (b - 40) * (b - 40));
        }
        Assert.True(Distance(hinted) < Distance(plain) / 2, $"hinted pixel {Distance(hinted):F1} from the hint, {Distance(plain):F1} without it");
    }
}
