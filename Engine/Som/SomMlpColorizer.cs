using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Convolution;
using ColorKernels.Kernels.Patches;

namespace ColorKernels.Engine.Som;

/// <summary>
/// The SOM + MLP method's half of the prediction path: the picture's L at the model's working size, every
/// pixel's K x K patch (and context patch) classified by the MLP into logits over the map's codewords, in
/// chunks of <see cref="Chunk"/> pixels (each chunk one GEMM per layer, written straight into the
/// prediction). Holds the weights only, uploaded once: training (its gradients and Adam moments) is
/// <see cref="PatchMlp"/>'s. <see cref="CodebookColorizer"/> decodes with the codewords as the palette.
/// </summary>
internal sealed class SomMlpColorizer : CodebookColorizer
{
    /// <summary>Pixels a chunk by default: the MLP's activations are [features, Chunk].</summary>
    public const int Chunk = 8192;

    private readonly SomMlpModel model;
    private readonly int? batch;
    private readonly int workingSize, chunk;
    private readonly List<(Tensor<float> W, Tensor<float> B)> layers = new();

    public SomMlpColorizer(ComputeDevice device, SomMlpModel model, ColorizerOptions options, int chunk = Chunk)
        : base(device, model.Map.Codebook, options.Temperature is { } t ? DecodeTemperature.Check(t) : DecodeTemperature.Check(model.Temperature, "the model's temperature"))
    {
        this.model = model;
        this.chunk = chunk > 0 ? chunk : throw new ArgumentOutOfRangeException(nameof(chunk));
        batch = BatchSize.Check(options.Batch);
        workingSize = options.Size ?? model.InputSize;
        if (workingSize < 0)
            throw new UserErrorException($"--size {workingSize}: must be 0 (the picture's own size) or more");
        int[] sizes = new[] { SomMlpModel.Features(model.Patch, model.Context) }.Concat(model.Hidden).Append(model.Map.Neurons).ToArray();
        try
        {
            for (int i = 0; i + 1 < sizes.Length; i++)
                layers.Add((device.Upload($"layer{i}.weight", new Shape(sizes[i + 1], sizes[i]), model.Weights[2 * i]),
                    device.Upload($"layer{i}.bias", new Shape(sizes[i + 1]), model.Weights[2 * i + 1])));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public override ColorizationMethod Method => ColorizationMethod.SomMlp;

    public override int PreferredBatch => batch ?? 1;

    protected override IReadOnlyList<Prediction> PredictUnlocked(IReadOnlyList<ImageData> images, bool keepLab)
    {
        var predictions = new List<Prediction>(images.Count);
        try
        {
            foreach (ImageData image in images)
                predictions.Add(Predict(image, keepLab));
            return predictions;
        }
        catch
        {
            foreach (Prediction p in predictions)
                p.Dispose();
            throw;
        }
    }

    private Prediction Predict(ImageData image, bool keepLab)
    {
        Tensor<float> lab = Device.Allocate<float>("lab", Shape.Nchw(1, 3, image.Height, image.Width));
        Tensor<float>? values = null;
        try
        {
            LabOps.ImageToLab(Device, image, lab);
            using Tensor<float>? small = Working(lab, image, out int height, out int width);
            int plane = height * width, chunk = Math.Min(this.chunk, plane), chunks = (plane + chunk - 1) / chunk, classes = model.Map.Neurons;
            // The last chunk runs past the picture: its extra columns read clamped patches and are never decoded.
            values = Device.Allocate<float>("prediction", new Shape(chunks, classes, chunk));
            var activations = new List<Tensor<float>>();
            try
            {
                foreach (int size in new[] { SomMlpModel.Features(model.Patch, model.Context) }.Concat(model.Hidden))
                    activations.Add(Device.Allocate<float>("activation", new Shape(size, chunk)));
                for (int c = 0; c < chunks; c++)
                {
                    ExtractInputs(small ?? lab, height, width, activations[0], chunk, c * chunk);
                    Forward(activations, values, c * classes * chunk, chunk);
                }
            }
            finally
            {
                foreach (Tensor<float> t in activations)
                    t.Dispose();
            }
            var prediction = new Prediction(this, image, values, width, height, classes, chunk);
            if (keepLab)
                (prediction.Lab, lab) = (lab, null!);
            return prediction;
        }
        catch
        {
            values?.Dispose();
            throw;
        }
        finally
        {
            lab?.Dispose();
        }
    }

    /// <summary>
    /// The picture's L at the working size, its longer side the working size (bilinear), in a new
    /// [1, 3, h, w] tensor; null (work on <paramref name="lab"/> itself) when that size is 0 or the picture is no larger.
    /// </summary>
    private Tensor<float>? Working(Tensor<float> lab, ImageData image, out int height, out int width)
    {
        (height, width) = SomMlpModel.WorkingDims(image.Height, image.Width, workingSize);
        if ((height, width) == (image.Height, image.Width))
            return null;
        Tensor<float> small = Device.Allocate<float>("lab-working", Shape.Nchw(1, 3, height, width));
        ResampleOps.ResizeBilinear(lab, 0, 1, small, 0);
        return small;
    }

    /// <summary>The MLP's inputs [features, count] for pixels start .. start + count - 1 of lab [1, 3, H, W]: their K x K L patches (and context patches).</summary>
    private void ExtractInputs(Tensor<float> lab, int height, int width, Tensor<float> inputs, int count, int start)
    {
        int k = model.Patch;
        // All pixels in order: the centres view is never read (a placeholder of the right type).
        PatchOps.ExtractPatches(Device, lab.View, lab.View.Cast<int>(), inputs.View, new PatchArgs(height, width, k, count, 1, 1, start));
        if (model.Context > 0)
            PatchOps.ExtractPatches(Device, lab.View, lab.View.Cast<int>(), inputs.View.SubView(k * k * count, k * k * count),
                new PatchArgs(height, width, k, count, 1, 1, start, model.Context));
    }

    /// <summary>The MLP on activations[0] [features, count]: hidden ReLU layers (GEMMs with bias and ReLU in the epilogue), the last layer's logits into <paramref name="logits"/> at <paramref name="offset"/>.</summary>
    private void Forward(List<Tensor<float>> activations, Tensor<float> logits, int offset, int count)
    {
        for (int i = 0; i < layers.Count; i++)
        {
            var (w, b) = layers[i];
            bool last = i == layers.Count - 1;
            GemmOps.Gemm(w, activations[i], last ? logits : activations[i + 1],
                new GemmArgs(w.Shape[0], count, w.Shape[1], 0, 0, last ? offset : 0, false, true, last ? ConvEpilogue.None : ConvEpilogue.Relu), b, b, b);
        }
    }

    protected override void DisposeModel()
    {
        foreach (var (w, b) in layers)
        {
            w.Dispose();
            b.Dispose();
        }
    }
}
