using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;

namespace ColorKernels.Engine.Models;

/// <summary>
/// A network model's half of the prediction path, as the ECCV16 paper's demo does it: each picture goes to Lab
/// at full resolution on the device; its L is resized to Size x Size (bilinear), normalised and stacked into
/// one batch; the network predicts logits over the 313 ab bins at Size/4 (or ab, for a regression head).
/// <see cref="CodebookColorizer"/> decodes them and joins them with the picture's own L. An architecture whose
/// input or heads differ overrides the hooks (<see cref="HintNetworkColorizer"/>); its
/// <see cref="NetworkArchitecture.CreateColorizer"/> says which class colours its models.
/// </summary>
internal class NetworkColorizer : CodebookColorizer
{
    private readonly InferenceNetwork network;
    private readonly bool ownsNetwork;
    private readonly int? batch;
    private Tensor<float>? input;

    /// <param name="network">The loaded network.</param>
    /// <param name="size">The network's input size (a multiple of 8).</param>
    /// <param name="temperature">The decode temperature (checked by <see cref="DecodeTemperature"/>).</param>
    /// <param name="ownsNetwork">Dispose the network with the colourizer (as <see cref="Colorizer.Open(ComputeDevice, string, ColorizerOptions?)"/> does).</param>
    /// <param name="batch">Pictures a batch in the batch conveniences (null: the device's default).</param>
    internal NetworkColorizer(InferenceNetwork network, int size, float temperature, bool ownsNetwork = false, int? batch = null)
        : base(network.Device, network.HasBins ? network.BinPalette() : null, temperature)
    {
        NetworkInputSize.Check(size);
        BatchSize.Check(batch);
        this.network = network;
        this.ownsNetwork = ownsNetwork;
        this.batch = batch;
        Size = size;
    }

    /// <summary>The network's input size (the picture's L is resized to Size x Size).</summary>
    public int Size { get; }

    /// <summary>The loaded network.</summary>
    protected InferenceNetwork Network => network;

    public override ColorizationMethod Method => network.Config.Architecture.Method;

    /// <summary>Whether the network's output is logits to decode over the bins (not ab itself).</summary>
    protected override bool DecodesDistribution => !network.Config.Architecture.OutputsAb(network.Config);

    protected override bool HintsSteerDistribution => DecodesDistribution;

    /// <summary>The prediction's grid: a quarter of the input (the ECCV16 output), or the input itself (the hint network's ab).</summary>
    private int Cells => network.Config.Architecture.PredictionCells(Size);

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
            PrepareOtherInputs(input);
            Tensor<float> output = network.Forward(input);
            int channels = output.Shape[1];
            for (int b = 0; b < count; b++)
            {
                Tensor<float> values = Device.Allocate<float>("prediction", Shape.Nchw(1, channels, cells, cells));
                bool logits = DecodesDistribution;
                var prediction = new Prediction(this, images[b], values, cells, cells, logits ? channels : 0, cells * cells);
                predictions.Add(prediction);
                KeepOtherHeads(prediction, b);
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
    protected void NetworkL(Tensor<float> lab, Tensor<float> networkInput, int slot)
    {
        NetworkConfig c = network.Config;
        int channels = networkInput.Shape[1];
        Tensor<float> stacked = networkInput.Reshape(Shape.Nchw(1, networkInput.Shape[0] * channels, Size, Size));
        ResampleOps.ResizeBilinear(lab, 0, 1, stacked, slot * channels, 1f / c.LScale, -c.LCenter / c.LScale);
    }

    /// <summary>Fills the network input's channels after L (none for ECCV16).</summary>
    protected virtual void PrepareOtherInputs(Tensor<float> networkInput)
    {
    }

    /// <summary>Keeps what another head of the network predicted for picture <paramref name="slot"/> of the batch (none for ECCV16).</summary>
    protected virtual void KeepOtherHeads(Prediction prediction, int slot)
    {
    }

    protected override void DisposeModel()
    {
        input?.Dispose();
        if (ownsNetwork)
            network.Dispose();
    }
}
