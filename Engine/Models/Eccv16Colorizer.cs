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
public sealed class Eccv16Colorizer : IColorizer
{
    private readonly Eccv16Network network;
    private readonly bool ownsNetwork;
    private Tensor<float>? input;
    private Tensor<float>? ab;

    /// <param name="ownsNetwork">Dispose the network with the colourizer (as <see cref="Colorizer.Open(ComputeDevice, string, ColorizerOptions?)"/> does).</param>
    public Eccv16Colorizer(Eccv16Network network, int size, float temperature, bool ownsNetwork = false)
    {
        if (size < 8 || size % 8 != 0)
            throw new UserErrorException($"--size {size}: must be a positive multiple of 8 (the network halves the picture three times)");
        if (!(temperature > 0) || float.IsInfinity(temperature))
            throw new UserErrorException($"--temperature {temperature}: must be a positive number (the paper uses 0.38)");
        this.network = network;
        this.ownsNetwork = ownsNetwork;
        Size = size;
        Temperature = temperature;
    }

    public int Size { get; }

    public float Temperature { get; }

    public ComputeDevice Device => network.Device;

    public ColorizationMethod Method => ColorizationMethod.Eccv16;

    /// <summary>One picture at a time on the CPU accelerator (no gain from batching there), 8 on a GPU.</summary>
    public int PreferredBatch => Device.Kind == DeviceKind.Cpu ? 1 : 8;

    public IReadOnlyList<ImageData> Colorize(IReadOnlyList<ImageData> images)
    {
        int batch = images.Count;
        if (batch == 0)
            return Array.Empty<ImageData>();
        ComputeDevice device = network.Device;
        EnsureBuffers(batch);
        Eccv16Config c = network.Config;
        Tensor<float> stacked = input!.Reshape(Shape.Nchw(1, batch, Size, Size));
        var labs = new List<Tensor<float>>();
        try
        {
            for (int b = 0; b < batch; b++)
            {
                ImageData image = images[b];
                Tensor<float> lab = device.Allocate<float>($"lab[{b}]", Shape.Nchw(1, 3, image.Height, image.Width));
                labs.Add(lab);
                LabOps.ImageToLab(device, image, lab);
                // L -> (L - l_center) / l_scale, resized into slot b of the network input.
                ResampleOps.ResizeBilinear(lab, 0, 1, stacked, b, 1f / c.LScale, -c.LCenter / c.LScale);
            }
            Tensor<float> logits = network.Logits(input);
            network.DecodeAb(logits, ab!, Temperature);
            Tensor<float> abPerImage = ab!.Reshape(Shape.Nchw(1, 2 * batch, Size / 4, Size / 4));
            var results = new ImageData[batch];
            for (int b = 0; b < batch; b++)
            {
                ResampleOps.ResizeBilinear(abPerImage, 2 * b, 2, labs[b], 1);
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

    public void Dispose()
    {
        input?.Dispose();
        ab?.Dispose();
        if (ownsNetwork)
            network.Dispose();
    }
}
