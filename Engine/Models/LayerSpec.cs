namespace ColorKernels.Engine.Models;

/// <summary>
/// The kinds of layer in the ECCV16 and hint networks. ReLU, tanh and add work in place on their input's
/// tensor; add sums its input and <see cref="LayerSpec.Other"/> (a shortcut connection).
/// </summary>
internal enum LayerKind { Conv, ConvTranspose, Relu, BatchNorm, Add, Tanh }

/// <summary>
/// One layer of the network; <see cref="Prefix"/> is its PyTorch key prefix ("model3.4"). It reads the
/// previous layer's output, or <see cref="Input"/>'s (a layer's prefix) when given; an add layer also reads
/// <see cref="Other"/>'s.
/// </summary>
internal sealed record LayerSpec(LayerKind Kind, string Prefix, int InChannels, int OutChannels,
    int Kernel = 0, int Stride = 1, int Pad = 0, int Dilation = 1)
{
    /// <summary>The layer whose output this one reads (null: the previous layer's).</summary>
    public string? Input { get; init; }

    /// <summary>An add layer's second input (the shortcut's layer).</summary>
    public string? Other { get; init; }

    /// <summary>Whether the layer overwrites its input's tensor with its output (its backward pass needs only its output, or nothing).</summary>
    public bool InPlace => Kind is LayerKind.Relu or LayerKind.Tanh or LayerKind.Add;

    /// <summary>The spatial size this layer produces from an input of <paramref name="h"/> x <paramref name="w"/>.</summary>
    public (int H, int W) OutputSize(int h, int w) => Kind switch
    {
        LayerKind.Conv => (Kernels.Convolution.Conv2dArgs.ForwardOutputSize(h, Kernel, Stride, Pad, Dilation),
            Kernels.Convolution.Conv2dArgs.ForwardOutputSize(w, Kernel, Stride, Pad, Dilation)),
        LayerKind.ConvTranspose => (Kernels.Convolution.Conv2dArgs.TransposedOutputSize(h, Kernel, Stride, Pad),
            Kernels.Convolution.Conv2dArgs.TransposedOutputSize(w, Kernel, Stride, Pad)),
        _ => (h, w),
    };

    /// <summary>
    /// The tensors this layer keeps, in model-file order, named as PyTorch's state dict names them: a
    /// convolution's weight ([OutC, InC, K, K]; transposed [InC, OutC, K, K]) and bias; a batch norm's
    /// weight (gamma), bias (beta), running_mean and running_var (not parameters). A ReLU has none.
    /// </summary>
    public IReadOnlyList<(string Name, int[] Shape, bool IsParameter)> Tensors() => Kind switch
    {
        LayerKind.Conv => new[] { ($"{Prefix}.weight", new[] { OutChannels, InChannels, Kernel, Kernel }, true), ($"{Prefix}.bias", new[] { OutChannels }, true) },
        LayerKind.ConvTranspose => new[] { ($"{Prefix}.weight", new[] { InChannels, OutChannels, Kernel, Kernel }, true), ($"{Prefix}.bias", new[] { OutChannels }, true) },
        LayerKind.BatchNorm => new[]
        {
            ($"{Prefix}.weight", new[] { OutChannels }, true), ($"{Prefix}.bias", new[] { OutChannels }, true),
            ($"{Prefix}.running_mean", new[] { OutChannels }, false), ($"{Prefix}.running_var", new[] { OutChannels }, false),
        },
        _ => Array.Empty<(string, int[], bool)>(),
    };

    /// <summary>Multiply-adds of this layer on an input of <paramref name="h"/> x <paramref name="w"/> (a transposed conv scatters K x K taps from each input pixel).</summary>
    public long MultiplyAdds(int h, int w) => Kind switch
    {
        LayerKind.Conv => (long)OutputSize(h, w).H * OutputSize(h, w).W * OutChannels * InChannels * Kernel * Kernel,
        LayerKind.ConvTranspose => (long)h * w * OutChannels * InChannels * Kernel * Kernel,
        _ => 0,
    };
}
