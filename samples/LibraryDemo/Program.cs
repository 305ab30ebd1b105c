// The README's library example, as a program: colourize a photo with the built-in model, then again steered by a hint and a palette;
// given a film too, colour it steered by a keyframe whose hints are carried along the motion (docs/library.md).
// dotnet run --project samples/LibraryDemo -- IN.jpg OUT.jpg [FILM.mp4 FILM-OUT.mp4]
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Frames;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Video;

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
if (args.Length > 3)
{
    string film = args[2], filmOutput = args[3];
    // Film example begins
    // A film steered by a person: a red square on frame 3, carried along the motion through its shot (and back to the shot's start).
    FrameJob job = FrameJob.Video(film, filmOutput).WithKeyframes(new[]
    {
        new FilmKeyframe { Frame = 3, Hints = new[] { ColorHint.FromColor(48, 32, "#c03020", size: 9) } },
        new FilmKeyframe { Time = TimeSpan.FromSeconds(0.8), Palette = ColorPalette.Parse("#2060d0") },  // a palette from frame 8 to the shot's end
    });
    FrameJobReport report = new FramePipeline(colorizer).Run(job);                                      // ffmpeg decodes and encodes
    Console.WriteLine($"{filmOutput}: {report.Frames} frames, {report.Cuts} cuts");
    // Film example ends
}
