// The README's library example, as a program: colourize a photo with the built-in model.
// dotnet run --project samples/LibraryDemo -- IN.jpg OUT.jpg
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;

string input = args.Length > 0 ? args[0] : "photo.jpg", output = args.Length > 1 ? args[1] : "coloured.jpg";
// README example begins
using ComputeDevice device = ComputeDevice.Open("auto");           // the first CUDA device, else the CPU
using IColorizer colorizer = Colorizer.Open(device, "default");     // the built-in model, or a .ckm file
ImageData coloured = colorizer.ColorizeFile(input);                 // full-resolution L kept, ab predicted
ImageIO.Save(output, coloured);                                     // format from the extension
// README example ends
Console.WriteLine($"{output}: {coloured.Width}x{coloured.Height}, coloured on {device.Description}");
