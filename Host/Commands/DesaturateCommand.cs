using System.CommandLine;
using ColorKernels.Engine.Color;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;

namespace ColorKernels.Host.Commands;

/// <summary>
/// <c>colorkernels desaturate IN... -o OUT</c>: the greyscale picture a colourizer receives (Lab on the
/// device, a = b = 0, back to sRGB), for files, folders and globs.
/// </summary>
public static class DesaturateCommand
{
    public static readonly Argument<string[]> Inputs = new("inputs")
    {
        Description = "Image files, folders (searched recursively) or globs such as 'photos/**/*.jpg'",
        Arity = ArgumentArity.OneOrMore,
    };

    public static readonly Option<string> Output = new("--output", "-o")
    {
        Description = "Output file (one input file) or folder (mirrors the inputs' layout)",
        Required = true,
    };

    public static readonly Option<bool> Overwrite = new("--overwrite")
    {
        Description = "Replace outputs that already exist (they are skipped otherwise); inputs are never overwritten",
    };

    public static readonly Option<string?> Format = new("--format")
    {
        Description = "Output format for folder outputs: png, jpg, bmp, gif, tif or webp (default: the input's)",
    };

    public static readonly Option<double> MaxMegapixels = new("--max-megapixels")
    {
        Description = "Refuse pictures larger than this, read from the header before decoding",
        DefaultValueFactory = _ => ImageIO.DefaultMaxPixels / 1e6,
    };

    public static Command Create()
    {
        var command = new Command("desaturate", "Convert pictures to greyscale through CIELAB on the device (L kept, a = b = 0): the input a colourizer receives.")
        {
            Inputs, Output, Overwrite, Format, MaxMegapixels,
        };
        command.SetAction(result => Cli.Guard(() =>
        {
            double megapixels = result.GetValue(MaxMegapixels);
            if (!(megapixels > 0))
                throw new Engine.UserErrorException($"--max-megapixels {megapixels}: must be above 0");
            var runner = new BatchRunner
            {
                Verb = "desaturate",
                Inputs = result.GetValue(Inputs)!,
                Output = result.GetValue(Output)!,
                Format = result.GetValue(Format),
                Overwrite = result.GetValue(Overwrite),
                MaxPixels = (long)(megapixels * 1e6),
            };
            using ComputeDevice device = Cli.OpenDevice(result);
            return runner.Run(image => Desaturation.Desaturate(device, image), device.Description);
        }));
        return command;
    }
}
