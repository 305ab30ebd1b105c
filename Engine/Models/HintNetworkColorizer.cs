using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;

namespace ColorKernels.Engine.Models;

/// <summary>
/// The hint network's colourizer (<see cref="Siggraph17Architecture"/>): it predicts ab at Size x Size from L and
/// its hint channels, with no hints for the prediction (mask 0), and again with a decode's hints
/// (<see cref="PredictWithHints"/>). A pixel's distribution is its classification head's (the 313 bins at a
/// quarter), kept beside the prediction (<see cref="Prediction.ClassHead"/>).
/// </summary>
internal sealed class HintNetworkColorizer : NetworkColorizer
{
    internal HintNetworkColorizer(InferenceNetwork network, int size, float temperature, bool ownsNetwork = false, int? batch = null)
        : base(network, size, temperature, ownsNetwork, batch)
    {
    }

    /// <summary>No hints yet: the hint channels are a, b 0 and the mask off.</summary>
    protected override void PrepareOtherInputs(Tensor<float> networkInput) =>
        HintTable.Write(Device, Array.Empty<int>(), Array.Empty<float>(), networkInput, Network.Config);

    /// <summary>Its output depends on the frame's hints too, which the film carries anew each frame: it runs on every frame.</summary>
    protected override bool ReusesPredictions => false;

    /// <summary>The classification head's logits [1, 313, Size/4, Size/4] of picture <paramref name="slot"/>, kept as the prediction's <see cref="Prediction.ClassHead"/>.</summary>
    protected override void KeepOtherHeads(Prediction prediction, int slot)
    {
        int quarter = Size / 4, bins = BinCodebook.Count;
        Tensor<float> classLogits = Device.Allocate<float>("class-logits", Shape.Nchw(1, bins, quarter, quarter));
        prediction.ClassHead = new Prediction(this, prediction.Image, classLogits, quarter, quarter, bins, quarter * quarter);
        classLogits.CopyFrom(Network.Output(Siggraph17Architecture.ClassHead), slot * bins * quarter * quarter);
    }

    /// <summary>
    /// The network run again on the picture with <paramref name="hints"/> as input: its ab [1, 2, Size, Size]
    /// (a new tensor), each hint's square mapped onto the network's input (at least one of its pixels).
    /// </summary>
    protected override Tensor<float>? PredictWithHints(Prediction prediction, IReadOnlyList<ColorHint> hints)
    {
        NetworkConfig c = Network.Config;
        int width = prediction.Image.Width, height = prediction.Image.Height;
        var squares = new int[5 * hints.Count];
        var colours = new float[2 * hints.Count];
        for (int i = 0; i < hints.Count; i++)
        {
            ColorHint hint = hints[i];
            var (x0, y0, x1, y1) = hint.Square(width, height);
            // Picture pixels [x0, x1] cover [x0, x1 + 1) x Size / width of the input; every input pixel they touch.
            int nx0 = (int)((long)x0 * Size / width), ny0 = (int)((long)y0 * Size / height);
            int nx1 = Math.Max(nx0, (int)(((long)(x1 + 1) * Size - 1) / width)), ny1 = Math.Max(ny0, (int)(((long)(y1 + 1) * Size - 1) / height));
            (squares[5 * i], squares[5 * i + 1], squares[5 * i + 2], squares[5 * i + 3], squares[5 * i + 4]) = (0, nx0, ny0, nx1 - nx0 + 1, ny1 - ny0 + 1);
            (colours[2 * i], colours[2 * i + 1]) = (hint.A, hint.B);
        }
        using Tensor<float> hinted = Device.Allocate<float>("hint-input", Shape.Nchw(1, 4, Size, Size));
        NetworkL(prediction.Lab!, hinted, 0);
        HintTable.Write(Device, squares, colours, hinted, c);
        Tensor<float> output = Network.Forward(hinted);
        Tensor<float> ab = Device.Allocate<float>("hinted-ab", Shape.Nchw(1, 2, Size, Size));
        ResampleOps.ResizeBilinear(output, 0, 2, ab, 0, c.AbScale, 0f);   // same size: ab / ab_scale x ab_scale
        return ab;
    }
}
