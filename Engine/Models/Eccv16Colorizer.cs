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

    public override ColorizationMethod Method => ColorizationMethod.Eccv16;

    /// <summary>The options' batch, else one picture at a time on the CPU accelerator (no gain from batching there), 8 on a GPU.</summary>
    public override int PreferredBatch => batch ?? (Device.Kind == DeviceKind.Cpu ? 1 : 8);

    protected override IReadOnlyList<Prediction> PredictUnlocked(IReadOnlyList<ImageData> images, bool keepLab)
    {
        int count = images.Count, cells = Size / 4;
        if (input is null || input.Shape[0] != count)
        {
            input?.Dispose();
            input = Device.Allocate<float>("l-input", Shape.Nchw(count, 1, Size, Size));
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
            Tensor<float> output = network.Logits(input);
            int channels = output.Shape[1];
            for (int b = 0; b < count; b++)
            {
                Tensor<float> values = Device.Allocate<float>("prediction", Shape.Nchw(1, channels, cells, cells));
                var prediction = new Prediction(this, images[b], values, cells, cells, HasDistribution ? channels : 0, cells * cells);
                predictions.Add(prediction);
                if (HasDistribution)
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
        Eccv16Config c = network.Config;
        LabOps.ImageToLab(Device, image, lab);
        // L -> (L - l_center) / l_scale, resized into slot b of the network input.
        Tensor<float> stacked = networkInput.Reshape(Shape.Nchw(1, networkInput.Shape[0], Size, Size));
        ResampleOps.ResizeBilinear(lab, 0, 1, stacked, slot, 1f / c.LScale, -c.LCenter / c.LScale);
    }

    protected override void DisposeModel()
    {
        input?.Dispose();
        if (ownsNetwork)
            network.Dispose();
    }
}
