// The README's library example, as a program: colourize a photo with the built-in model, then again steered by a hint and a palette.
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

// Steered by a person: a hint (this place is blue) and a palette; the model does not run again.
using Prediction prediction = colorizer.Predict(ImageIO.Load(input));
var hints = new[] { ColorHint.FromColor(coloured.Width / 2, coloured.Height / 4, "#3060c0", size: 9) };
ColorPalette palette = ColorPalette.Parse("#3060c0,#c8a070");      // or ColorPalette.FromImage(device, photo)
ImageIO.Save(Path.ChangeExtension(output, ".steered" + Path.GetExtension(output)), colorizer.Decode(prediction, null, hints, palette));
// README example ends
Console.WriteLine($"{output}: {coloured.Width}x{coloured.Height}, coloured on {device.Description}");
