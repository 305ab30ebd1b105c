using System.CommandLine;
using ColorKernels.Engine.Color;
using ColorKernels.Engine.Devices;

namespace ColorKernels.Host.Commands;

/// <summary>
/// <c>colorkernels desaturate IN... -o OUT</c>: the greyscale picture a colourizer receives (Lab on the
/// device, a = b = 0, back to sRGB), for files, folders and globs.
/// </summary>
public static class DesaturateCommand
{
    public static Command Create()
    {
        var options = new BatchOptions();
        var command = new Command("desaturate", "Convert pictures to greyscale through CIELAB on the device (L kept, a = b = 0): the input a colourizer receives.");
        options.AddTo(command);
        command.SetAction(result => Cli.Guard(() =>
        {
            BatchRunner runner = options.Runner(result, "desaturate");
            if (runner.Prepare() is { } stopped)
                return stopped;
            using ComputeDevice device = Cli.OpenDevice(result);
            return runner.Run(new Engine.Frames.FramePipeline(device, image => Desaturation.Desaturate(device, image)), device.Description);
        }));
        return command;
    }
}
