using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;

namespace ColorKernels.Engine.Models;

/// <summary>
/// The ECCV16 network's half of the prediction path, as the paper's demo does it: each picture goes to Lab
/// at full resolution on the device; its L is resized to Size x Size (bilinear), normalised and stacked into
/// one batch; the network predicts logits over the 313 ab bins at Size/4 (or ab, for a regression head).
/// <see cref="PaletteColorizer"/> decodes them and joins them with the picture's own L.
/// The hint network (Zhang, Zhu et al. 2017) predicts ab at Size x Size from L and its hint channels: with
/// no hints for the prediction, and again with a decode's hints (<see cref="PredictWithHints"/>).
/// </summary>
internal sealed class Eccv16Colorizer : PaletteColorizer
{
    private readonly Eccv16InferenceNetwork network;
    private readonly bool ownsNetwork;
    private readonly int? batch;
    private Tensor<float>? input;

    /// <param name="network">The loaded network.</param>
    /// <param name="size">The network's input size (a multiple of 8).</param>
    /// <param name="temperature">The decode temperature (checked by <see cref="DecodeTemperature"/>).</param>
    /// <param name="ownsNetwork">Dispose the network with the colourizer (as <see cref="Colorizer.Open(ComputeDevice, string, ColorizerOptions?)"/> does).</param>
    /// <param name="batch">Pictures a batch in the batch conveniences (null: the device's default).</param>
    internal Eccv16Colorizer(Eccv16InferenceNetwork network, int size, float temperature, bool ownsNetwork = false, int? batch = null)
        : base(network.Device, network.Config.Regression ? null : network.BinPalette(), temperature)
    {
        if (size < 8 || size % 8 != 0)
            throw new UserErrorException($"--size {size}: must be a positive multiple of 8 (the network halves the picture three times)");
        if (batch is < 1)
            throw new UserErrorException($"--batch {batch}: must be at least 1");
        this.network = network;
        this.ownsNetwork = ownsNetwork;
        this.batch = batch;
        Size = size;
    }

    /// <summary>The network's input size (the picture's L is resized to Size x Size).</summary>
    public int Size { get; }

    public override ColorizationMethod Method => network.Config.Hints ? ColorizationMethod.HintNetwork : ColorizationMethod.Eccv16;

    protected override bool DecodesDistribution => !network.Config.Hints && !network.Config.Regression;

    /// <summary>The prediction's grid: a quarter of the input (the ECCV16 output), or the input itself (the hint network's ab).</summary>
    private int Cells => network.Config.Hints ? Size : Size / 4;

    /// <summary>The options' batch, else one picture at a time on the CPU accelerator (no gain from batching there), 8 on a GPU.</summary>
    public override int PreferredBatch => batch ?? (Device.Kind == DeviceKind.Cpu ? 1 : 8);

    protected override IReadOnlyList<Prediction> PredictUnlocked(IReadOnlyList<ImageData> images, bool keepLab)
    {
        int count = images.Count, cells = Cells;
        if (input is null || input.Shape[0] != count)
        {
            input?.Dispose();
            input = Device.Allocate<float>("l-input", Shape.Nchw(count, network.Config.InputChannels, Size, Size));
        }
        var labs = new Tensor<float>?[count];
        var predictions = new List<Prediction>(count);
        try
        {
            for (int b = 0; b < count; b++)
            {
                labs[b] = Device.Allocate<float>($"lab[{b}]", Shape.Nchw(1, 3, images[b].Height, images[b].Width));
                PrepareInput(images[b], labs[b]!, input, b);
            }
            if (network.Config.Hints)
                HintTable.Write(Device, Array.Empty<int>(), Array.Empty<float>(), input, network.Config);   // no hints yet
            Tensor<float> output = network.Logits(input);
            int channels = output.Shape[1];
            for (int b = 0; b < count; b++)
            {
                Tensor<float> values = Device.Allocate<float>("prediction", Shape.Nchw(1, channels, cells, cells));
                bool logits = HasDistribution && !network.Config.Hints;
                var prediction = new Prediction(this, images[b], values, cells, cells, logits ? channels : 0, cells * cells);
                predictions.Add(prediction);
                if (network.Config.Hints)
                {
                    int quarter = Size / 4, bins = Eccv16Config.Bins;
                    Tensor<float> classLogits = Device.Allocate<float>("class-logits", Shape.Nchw(1, bins, quarter, quarter));
                    prediction.ClassHead = new Prediction(this, images[b], classLogits, quarter, quarter, bins, quarter * quarter);
                    classLogits.CopyFrom(network.ClassLogits, b * bins * quarter * quarter);
                }
                if (logits)
                    values.CopyFrom(output, b * channels * cells * cells);
                else    // the regression head's output x ab_scale: ab itself
                    ResampleOps.ResizeBilinear(output.Reshape(Shape.Nchw(1, count * 2, cells, cells)), 2 * b, 2, values, 0, network.Config.AbScale, 0f);
                if (keepLab)
                    (prediction.Lab, labs[b]) = (labs[b], null);
            }
            return predictions;
        }
        catch
        {
            foreach (Prediction p in predictions)
                p.Dispose();
            throw;
        }
        finally
        {
            foreach (Tensor<float>? lab in labs)
                lab?.Dispose();
        }
    }

    /// <summary>The picture to Lab on the device, its L resized and normalised into slot <paramref name="slot"/> of the network input.</summary>
    private void PrepareInput(ImageData image, Tensor<float> lab, Tensor<float> networkInput, int slot)
    {
        LabOps.ImageToLab(Device, image, lab);
        NetworkL(lab, networkInput, slot);
    }

    /// <summary>L -> (L - l_center) / l_scale, resized into channel 0 of picture <paramref name="slot"/> of the network input.</summary>
    private void NetworkL(Tensor<float> lab, Tensor<float> networkInput, int slot)
    {
        Eccv16Config c = network.Config;
        int channels = networkInput.Shape[1];
        Tensor<float> stacked = networkInput.Reshape(Shape.Nchw(1, networkInput.Shape[0] * channels, Size, Size));
        ResampleOps.ResizeBilinear(lab, 0, 1, stacked, slot * channels, 1f / c.LScale, -c.LCenter / c.LScale);
    }

    /// <summary>
    /// The hint network run again on the picture with <paramref name="hints"/> as input: its ab [1, 2, Size, Size]
    /// (a new tensor), each hint's square mapped onto the network's input (at least one of its pixels). Null for
    /// ECCV16, whose hints are spread after the network.
    /// </summary>
    protected override Tensor<float>? PredictWithHints(Prediction prediction, IReadOnlyList<ColorHint> hints)
    {
        if (!network.Config.Hints)
            return null;
        Eccv16Config c = network.Config;
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
        Tensor<float> output = network.Logits(hinted);
        Tensor<float> ab = Device.Allocate<float>("hinted-ab", Shape.Nchw(1, 2, Size, Size));
        ResampleOps.ResizeBilinear(output, 0, 2, ab, 0, c.AbScale, 0f);   // same size: ab / ab_scale x ab_scale
        return ab;
    }

    protected override void DisposeModel()
    {
        input?.Dispose();
        if (ownsNetwork)
            network.Dispose();
    }
}
