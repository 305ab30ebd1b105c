using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Tensors;

namespace ColorKernels.Engine.Models;

/// <summary>
/// A film's last model output, kept on the device so that the frames between the model's runs
/// (<see cref="Video.VideoOptions.PredictEvery"/>) decode it with their own L instead of running the model again.
/// Why that costs little: the model predicts on a coarse grid (the built-in model: 28 x 28 cells over the whole
/// frame), so a frame's motion moves its content by a small part of a cell, and the stabiliser carries most of
/// the colour along the motion anyway; what the prediction decides is where colour is released (new content,
/// a changed L). A frame reuses only the same colourizer's output for a frame of the same size; the frame
/// pipeline never asks it to across a cut. One per film, used in order on the pipeline's thread.
/// </summary>
internal sealed class PredictionReuse : IDisposable
{
    private Tensor<float>? values;
    private object? owner;
    private (int ImageWidth, int ImageHeight, int Width, int Height, int Classes, int Plane) shape;

    /// <summary>
    /// Whether the kept output is <paramref name="colorizer"/>'s for a picture of <paramref name="image"/>'s size, on a
    /// grid whose cells are at least <see cref="MinCellPixels"/> pixels a side (a fine grid, such as SOM + MLP's at the
    /// frame's own size, would show a moving edge a frame late: measured on a moving object, -0.45 dB on the last frame).
    /// </summary>
    internal bool CanReuse(CodebookColorizer colorizer, ImageData image) =>
        values is not null && ReferenceEquals(owner, colorizer) && image.Width == shape.ImageWidth && image.Height == shape.ImageHeight
        && shape.Width * MinCellPixels <= image.Width && shape.Height * MinCellPixels <= image.Height;

    /// <summary>The smallest side, in pixels, of a grid cell whose prediction a later frame may reuse.</summary>
    internal const int MinCellPixels = 4;

    /// <summary>A prediction for <paramref name="image"/> from the last kept output (a copy: the caller disposes it), or null when none fits.</summary>
    internal Prediction? TryReuse(CodebookColorizer colorizer, ImageData image)
    {
        if (!CanReuse(colorizer, image))
            return null;
        Tensor<float> copy = colorizer.Device.Allocate<float>("prediction", values!.Shape);
        copy.CopyFrom(values, 0);
        return new Prediction(colorizer, image, copy, shape.Width, shape.Height, shape.Classes, shape.Plane);
    }

    /// <summary>Keeps a copy of a prediction the model just made, in place of the last.</summary>
    internal void Keep(CodebookColorizer colorizer, Prediction prediction)
    {
        if (values is null || !values.Shape.Equals(prediction.Values.Shape) || !ReferenceEquals(values.Device, colorizer.Device))
        {
            values?.Dispose();
            values = null;
            values = colorizer.Device.Allocate<float>("prediction.kept", prediction.Values.Shape);
        }
        values.CopyFrom(prediction.Values, 0);
        owner = colorizer;
        shape = (prediction.Image.Width, prediction.Image.Height, prediction.Width, prediction.Height, prediction.Classes, prediction.Plane);
    }

    public void Dispose()
    {
        values?.Dispose();
        values = null;
        owner = null;
    }
}

/// <summary>One frame's part in its film's <see cref="PredictionReuse"/>: the film's kept output, and whether this frame may decode it instead of running the model.</summary>
internal sealed record FrameReuse(PredictionReuse Kept, bool Reuse);
