using ColorKernels.Engine.Color;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;

namespace ColorKernels.Engine.Models;

/// <summary>
/// Colourizes pictures with an ECCV16 network, as the paper's demo does: each picture goes to Lab at full
/// resolution on the device; its L is resized to Size x Size (bilinear), normalised and stacked into one
/// batch; the network predicts ab at Size/4; the annealed mean decodes it; ab is resized back to the
/// picture's own size (bilinear) and joined with the untouched full-resolution L; Lab goes back to sRGB.
/// </summary>
public sealed class Eccv16Colorizer : IColorizer, ILabStep
{
    private readonly Eccv16Network network;
    private readonly bool ownsNetwork;
    private readonly object gate = new();
    private Tensor<float>? input;
    private Tensor<float>? ab;

    /// <param name="network">The loaded network.</param>
    /// <param name="size">The network's input size (a multiple of 8).</param>
    /// <param name="temperature">The annealed mean's temperature.</param>
    /// <param name="ownsNetwork">Dispose the network with the colourizer (as <see cref="Colorizer.Open(ComputeDevice, string, ColorizerOptions?)"/> does).</param>
    /// <param name="batch">Pictures a batch in the batch conveniences (null: the device's default).</param>
    internal Eccv16Colorizer(Eccv16Network network, int size, float temperature, bool ownsNetwork = false, int? batch = null)
    {
        if (size < 8 || size % 8 != 0)
            throw new UserErrorException($"--size {size}: must be a positive multiple of 8 (the network halves the picture three times)");
        if (!(temperature > 0) || float.IsInfinity(temperature))
            throw new UserErrorException($"--temperature {temperature}: must be a positive number (the paper uses 0.38)");
        this.network = network;
        this.ownsNetwork = ownsNetwork;
        if (batch is < 1)
            throw new UserErrorException($"--batch {batch}: must be at least 1");
        this.batch = batch;
        Size = size;
        Temperature = temperature;
    }

    /// <summary>The network's input size (the picture's L is resized to Size x Size).</summary>
    public int Size { get; }

    /// <summary>The annealed mean's temperature.</summary>
    public float Temperature { get; }

    /// <summary>The device the network runs on.</summary>
    public ComputeDevice Device => network.Device;

    /// <summary>Whether the network predicts a distribution over the 313 bins (false for a regression head).</summary>
    internal bool HasDistribution => !network.Config.Regression;

    /// <summary>Always <see cref="ColorizationMethod.Eccv16"/>.</summary>
    public ColorizationMethod Method => ColorizationMethod.Eccv16;

    private readonly int? batch;

    /// <summary>The options' batch, else one picture at a time on the CPU accelerator (no gain from batching there), 8 on a GPU.</summary>
    public int PreferredBatch => batch ?? (Device.Kind == DeviceKind.Cpu ? 1 : 8);

    /// <summary>Colours the pictures as one batch on the device; concurrent calls are serialised.</summary>
    public IReadOnlyList<ImageData> Colorize(IReadOnlyList<ImageData> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        int batch = images.Count;
        if (batch == 0)
            return Array.Empty<ImageData>();
        lock (gate)
            return ColorizeBatch(images);
    }

    /// <summary>
    /// What the network predicts for one picture, at its resolution (Size/4 square): the per-pixel
    /// distribution over the 313 ab bins at temperature 1 ([313, H, W], null for a regression-head model)
    /// and the decoded ab plane ([2, H, W]: the annealed mean at <see cref="Temperature"/>), for callers who
    /// post-process. Concurrent calls are serialised.
    /// </summary>
    public Eccv16Prediction Predict(ImageData image)
    {
        ArgumentNullException.ThrowIfNull(image);
        lock (gate)
        {
            ComputeDevice device = network.Device;
            EnsureBuffers(1);
            using Tensor<float> lab = device.Allocate<float>("lab", Shape.Nchw(1, 3, image.Height, image.Width));
            PrepareInput(image, lab, input!, 0);
            Tensor<float> logits = network.Logits(input!);
            network.DecodeAb(logits, ab!, Temperature);
            float[]? probabilities = null;
            if (!network.Config.Regression)
            {
                using Tensor<float> p = device.Allocate<float>("probabilities", logits.Shape);
                SoftmaxOps.Softmax(logits, p, 1f);
                probabilities = p.Download();
            }
            return new Eccv16Prediction(Size / 4, Size / 4, probabilities, ab!.Download())
            {
                Logits = network.Config.Regression ? null : logits.Download(),
                AbTemperature = Temperature,
            };
        }
    }

    /// <summary>
    /// The same prediction decoded at another annealed-mean <paramref name="temperature"/> (on the device,
    /// from the logits <see cref="Predict"/> kept): the network does not run again, so a temperature slider
    /// costs one decode. A regression-head model has no distribution, and a prediction already decoded at
    /// that temperature needs none: either comes back unchanged.
    /// </summary>
    public Eccv16Prediction Anneal(Eccv16Prediction prediction, float temperature)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        if (!(temperature > 0) || float.IsInfinity(temperature))
            throw new UserErrorException($"temperature {temperature}: must be a positive number (the paper uses 0.38)");
        if (prediction.Logits is not { } logits || prediction.AbTemperature == temperature)
            return prediction;
        lock (gate)
        {
            ComputeDevice device = network.Device;
            using Tensor<float> output = device.Upload("logits", Shape.Nchw(1, Eccv16Config.Bins, prediction.Height, prediction.Width), logits);
            using Tensor<float> decoded = device.Allocate<float>("ab", Shape.Nchw(1, 2, prediction.Height, prediction.Width));
            network.DecodeAb(output, decoded, temperature);
            return prediction with { Ab = decoded.Download(), AbTemperature = temperature };
        }
    }

    /// <summary>
    /// Colours <paramref name="image"/> with a prediction's ab (from <see cref="Predict"/> or
    /// <see cref="Anneal"/> of the same picture): ab resized to the picture (bilinear) and joined with its
    /// full-resolution L, as <see cref="Colorize(IReadOnlyList{ImageData})"/> does.
    /// </summary>
    public ImageData Colorize(ImageData image, Eccv16Prediction prediction)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(prediction);
        if (prediction.Ab.Length != 2 * prediction.Width * prediction.Height)
            throw new ArgumentException($"the prediction's ab has {prediction.Ab.Length} values, not 2 x {prediction.Width} x {prediction.Height}", nameof(prediction));
        lock (gate)
        {
            ComputeDevice device = network.Device;
            using Tensor<float> ab = device.Upload("ab", Shape.Nchw(1, 2, prediction.Height, prediction.Width), prediction.Ab);
            using Tensor<float> lab = device.Allocate<float>("lab", Shape.Nchw(1, 3, image.Height, image.Width));
            LabOps.ImageToLab(device, image, lab);
            ResampleOps.ResizeBilinear(ab, 0, 2, lab, 1);
            return LabOps.LabToImage(device, image, lab);
        }
    }

    /// <summary>The picture to Lab on the device, its L resized and normalised into slot <paramref name="slot"/> of the network input.</summary>
    private void PrepareInput(ImageData image, Tensor<float> lab, Tensor<float> networkInput, int slot)
    {
        Eccv16Config c = network.Config;
        LabOps.ImageToLab(network.Device, image, lab);
        // L -> (L - l_center) / l_scale, resized into slot b of the network input.
        Tensor<float> stacked = networkInput.Reshape(Shape.Nchw(1, networkInput.Shape[0], Size, Size));
        ResampleOps.ResizeBilinear(lab, 0, 1, stacked, slot, 1f / c.LScale, -c.LCenter / c.LScale);
    }

    /// <summary>As <see cref="Colorize(IReadOnlyList{ImageData})"/>, with each picture's Lab handed to <paramref name="labStep"/> (in order) before it goes back to sRGB.</summary>
    IReadOnlyList<ImageData> ILabStep.Colorize(IReadOnlyList<ImageData> images, Action<int, Tensor<float>> labStep)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0)
            return Array.Empty<ImageData>();
        lock (gate)
            return ColorizeBatch(images, labStep);
    }

    private IReadOnlyList<ImageData> ColorizeBatch(IReadOnlyList<ImageData> images, Action<int, Tensor<float>>? labStep = null)
    {
        int batch = images.Count;
        ComputeDevice device = network.Device;
        EnsureBuffers(batch);
        var labs = new List<Tensor<float>>();
        try
        {
            for (int b = 0; b < batch; b++)
            {
                ImageData image = images[b];
                Tensor<float> lab = device.Allocate<float>($"lab[{b}]", Shape.Nchw(1, 3, image.Height, image.Width));
                labs.Add(lab);
                PrepareInput(image, lab, input!, b);
            }
            Tensor<float> logits = network.Logits(input!);
            network.DecodeAb(logits, ab!, Temperature);
            Tensor<float> abPerImage = ab!.Reshape(Shape.Nchw(1, 2 * batch, Size / 4, Size / 4));
            var results = new ImageData[batch];
            for (int b = 0; b < batch; b++)
            {
                ResampleOps.ResizeBilinear(abPerImage, 2 * b, 2, labs[b], 1);
                labStep?.Invoke(b, labs[b]);
                results[b] = LabOps.LabToImage(device, images[b], labs[b]);
            }
            return results;
        }
        finally
        {
            foreach (Tensor<float> t in labs)
                t.Dispose();
        }
    }

    private void EnsureBuffers(int batch)
    {
        if (input is not null && input.Shape[0] == batch)
            return;
        input?.Dispose();
        ab?.Dispose();
        input = network.Device.Allocate<float>("l-input", Shape.Nchw(batch, 1, Size, Size));
        ab = network.Device.Allocate<float>("ab", Shape.Nchw(batch, 2, Size / 4, Size / 4));
    }

    /// <summary>Frees the device buffers (and the network, when the colourizer owns it).</summary>
    public void Dispose()
    {
        lock (gate)
        {
            DisposeBuffers();
            if (ownsNetwork)
                network.Dispose();
        }
    }

    private void DisposeBuffers()
    {
        input?.Dispose();
        ab?.Dispose();
    }
}

/// <summary>
/// An ECCV16 network's prediction for one picture at the network's output resolution: <see cref="Probabilities"/>
/// [313, Height, Width] (softmax at temperature 1; null for a regression-head model) and <see cref="Ab"/>
/// [2, Height, Width] (the decoded a and b), both row-major planes.
/// </summary>
public sealed record Eccv16Prediction(int Width, int Height, float[]? Probabilities, float[] Ab)
{
    /// <summary>[313, Height, Width] the network's raw output, kept so <see cref="Eccv16Colorizer.Anneal"/> can decode it again.</summary>
    internal float[]? Logits { get; init; }

    /// <summary>The temperature <see cref="Ab"/> was decoded at (null: not known, e.g. a prediction made by hand).</summary>
    internal float? AbTemperature { get; init; }
}
