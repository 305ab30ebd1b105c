using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Convolution;

namespace ColorKernels.Perf.Speed;

/// <summary>
/// Every distinct convolution of the ECCV16 network at one width, picture size and batch, timed with each
/// convolution variant the device can run, in the same run: forward (bias, no epilogue, as a framework's
/// conv) and backward (data + weight gradients). GPUs: the tiled implicit GEMM against the direct kernels;
/// the CPU accelerator: its lowered GEMM against the direct kernels (its tiled variant, barrier-bound
/// there, only with --conv tiled). Each variant's forward output and gradients are compared with the
/// first variant's before anything is timed. One line per shape and variant:
/// <c>conv-shape KEY VARIANT fwd_ms bwd_ms fwd_GFLOP/s bwd_GFLOP/s</c>; KEY is the form
/// perf/torch/conv_shapes_cuda.py prints, so perf/gpu/compare.sh can join the two.
/// </summary>
public static class ConvShapesBench
{
    public static void Run(ComputeDevice device, double width, int size, int batch, IReadOnlyList<ConvAlgorithm> variants, TextWriter log)
    {
        // Keyed (and so deduplicated) by the shape key: the same layer geometry at the same input size runs once.
        var shapes = new Dictionary<string, (LayerSpec Layer, int H, int W)>();
        int h = size, w = size;
        foreach (LayerSpec layer in Eccv16Architecture.Layers(width))
        {
            if (layer.Kind is LayerKind.Conv or LayerKind.ConvTranspose)
                shapes.TryAdd(Key(layer, h, w, batch), (layer, h, w));
            (h, w) = layer.OutputSize(h, w);
        }
        log.WriteLine($"# conv shapes of eccv16 width {width} at {size}x{size}, batch {batch}, on {device.Description}; variants {string.Join(", ", variants)}");
        ConvAlgorithm original = device.ConvAlgorithm;
        try
        {
            foreach (var (key, (layer, ih, iw)) in shapes)
                RunShape(device, key, layer, batch, ih, iw, variants, log);
        }
        finally
        {
            device.ConvAlgorithm = original;
        }
    }

    /// <summary>conv:IN->OUT:kKsSpPdD:HxW:nN (convT for the transposed conv), as perf/torch/conv_shapes_cuda.py writes it.</summary>
    private static string Key(LayerSpec layer, int h, int w, int n) =>
        $"{(layer.Kind == LayerKind.ConvTranspose ? "convT" : "conv")}:{layer.InChannels}->{layer.OutChannels}:k{layer.Kernel}s{layer.Stride}p{layer.Pad}d{layer.Dilation}:{h}x{w}:n{n}";

    private static void RunShape(ComputeDevice device, string key, LayerSpec layer, int n, int h, int w, IReadOnlyList<ConvAlgorithm> variants, TextWriter log)
    {
        bool transposed = layer.Kind == LayerKind.ConvTranspose;
        var (oh, ow) = layer.OutputSize(h, w);
        var random = new Random(1);
        float[] Random(int count) => Enumerable.Range(0, count).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        Shape wShape = transposed
            ? Shape.Nchw(layer.InChannels, layer.OutChannels, layer.Kernel, layer.Kernel)
            : Shape.Nchw(layer.OutChannels, layer.InChannels, layer.Kernel, layer.Kernel);
        using Tensor<float> x = device.Upload("x", Shape.Nchw(n, layer.InChannels, h, w), Random(n * layer.InChannels * h * w));
        using Tensor<float> weight = device.Upload("w", wShape, Random(wShape.Elements));
        using Tensor<float> bias = device.Upload("b", new Shape(layer.OutChannels), Random(layer.OutChannels));
        using Tensor<float> y = device.Allocate<float>("y", Shape.Nchw(n, layer.OutChannels, oh, ow));
        using Tensor<float> dy = device.Upload("dy", y.Shape, Random(y.Elements));
        using Tensor<float> dx = device.Allocate<float>("dx", x.Shape);
        using Tensor<float> dw = device.Allocate<float>("dw", wShape);

        void Forward()
        {
            if (transposed)
                Conv2dOps.TransposedForward(x, weight, bias, y, layer.Stride, layer.Pad);
            else
                Conv2dOps.Forward(x, weight, bias, y, layer.Stride, layer.Pad, layer.Dilation);
            device.Synchronize();
        }
        void Backward()
        {
            // dW accumulates; timing it on top of earlier runs' sums changes nothing about the work done.
            if (transposed)
                Conv2dOps.TransposedBackward(x, weight, dy, dx, dw, null, layer.Stride, layer.Pad);
            else
                Conv2dOps.Backward(x, weight, dy, dx, dw, null, layer.Stride, layer.Pad, layer.Dilation);
            device.Synchronize();
        }

        double macs = (double)n * (transposed ? h * w : oh * ow) * layer.InChannels * layer.OutChannels * layer.Kernel * layer.Kernel;
        double fwdFlop = 2 * macs, bwdFlop = 4 * macs;
        float[]? refY = null, refDx = null, refDw = null;
        foreach (ConvAlgorithm variant in variants)
        {
            device.ConvAlgorithm = variant;
            Forward();
            BufferOps.Fill(dw, 0f);
            Backward();
            float[] outY = y.Download(), outDx = dx.Download(), outDw = dw.Download();
            if (refY is null)
                (refY, refDx, refDw) = (outY, outDx, outDw);
            else
            {
                Check(refY, outY, $"{key} {variant} forward");
                Check(refDx!, outDx, $"{key} {variant} data gradient");
                Check(refDw!, outDw, $"{key} {variant} weight gradient");
            }
            double tf = Harness.MedianSeconds(Forward, minRuns: 3, minSeconds: 0.5);
            double tb = Harness.MedianSeconds(Backward, minRuns: 3, minSeconds: 0.5);
            log.WriteLine($"conv-shape {key} {variant} {tf * 1e3:F3} {tb * 1e3:F3} {fwdFlop / tf / 1e9:F1} {bwdFlop / tb / 1e9:F1}");
        }
    }

    /// <summary>Relative to the largest magnitude: the variants sum in different orders over up to ~10^5 terms.</summary>
    private static void Check(float[] expected, float[] actual, string what)
    {
        double scale = expected.Max(v => Math.Abs((double)v)) + 1e-6;
        for (int i = 0; i < expected.Length; i++)
            if (!(Math.Abs(expected[i] - actual[i]) <= 1e-3 * scale))
                throw new InvalidOperationException($"{what}: element {i} is {actual[i]}, the first variant gave {expected[i]}; refusing to time it");
    }
}
