using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;

namespace ColorKernels.Engine.Models;

/// <summary>
/// No model (<c>--model none</c>): every picture predicted grey (ab 0) on a grid of <see cref="GridSide"/>
/// cells along its longer side, so that decoding with hints is Levin, Lischinski and Weiss's colourization by
/// optimisation alone: the hints' colours spread where L is alike and stop at edges, and what no hint reaches
/// stays grey. The baseline a model's hinted output must beat, and a way to colour with no model at all.
/// </summary>
internal sealed class NoModelColorizer : CodebookColorizer
{
    /// <summary>The name that opens it where a model is named.</summary>
    public const string Name = "none";

    /// <summary>Grid cells along the picture's longer side (as the built-in model's 64 x 64 grid at its 256 px input, doubled: hints are all it has).</summary>
    public const int GridSide = 128;

    public NoModelColorizer(ComputeDevice device) : base(device, null, 0f)
    {
    }

    public override ColorizationMethod Method => ColorizationMethod.None;

    public override int PreferredBatch => 1;

    /// <summary>No model runs: nothing to save by reusing a frame's output.</summary>
    protected override bool ReusesPredictions => false;

    protected override IReadOnlyList<Prediction> PredictUnlocked(IReadOnlyList<ImageData> images, bool keepLab)
    {
        var predictions = new List<Prediction>(images.Count);
        try
        {
            foreach (ImageData image in images)
            {
                double scale = Math.Min(1.0, (double)GridSide / Math.Max(image.Width, image.Height));
                int width = Math.Max(1, (int)Math.Round(image.Width * scale)), height = Math.Max(1, (int)Math.Round(image.Height * scale));
                Tensor<float> grey = Device.Allocate<float>("ab", Shape.Nchw(1, 2, height, width));
                BufferOps.Fill(grey, 0f);
                predictions.Add(new Prediction(this, image, grey, width, height, 0, width * height));
            }
            return predictions;
        }
        catch
        {
            foreach (Prediction p in predictions)
                p.Dispose();
            throw;
        }
    }

    protected override void DisposeModel()
    {
    }
}
