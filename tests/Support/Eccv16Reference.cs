using ColorKernels.Engine.Models;
using ColorKernels.Kernels.Activation;
using ColorKernels.Kernels.BatchNorm;
using ColorKernels.Kernels.Softmax;
using ColorKernels.Kernels.Common;
using ColorKernels.Kernels.Convolution;

namespace ColorKernels.Tests.Support;

/// <summary>
/// The whole ECCV16 network in plain C# from the double-precision layer references, unfused, layer by
/// layer as the architecture lists them. Between layers values are rounded to float (the references take
/// float inputs), which is also what the device does, so only accumulation order and precision differ.
/// </summary>
public static class Eccv16Reference
{
    public static (float[] Logits, int H, int W) Logits(ModelFile model, float[] normalisedL, int n, int h, int w)
    {
        double width = model.Header["width"]!.GetValue<double>();
        var t = model.Tensors.ToDictionary(x => x.Name, x => x.Data);
        float[] x = normalisedL;
        int c = 1;
        foreach (LayerSpec l in Eccv16Architecture.Layers(width))
        {
            switch (l.Kind)
            {
                case LayerKind.Conv:
                {
                    int oh = Conv2dArgs.ForwardOutputSize(h, l.Kernel, l.Stride, l.Pad, l.Dilation);
                    int ow = Conv2dArgs.ForwardOutputSize(w, l.Kernel, l.Stride, l.Pad, l.Dilation);
                    var a = Conv2dArgs.Forward(n, c, h, w, l.OutChannels, l.Kernel, l.Stride, l.Pad, l.Dilation, hasBias: true);
                    x = ToFloat(Conv2dReference.Forward(x, t[l.Prefix + ".weight"], t[l.Prefix + ".bias"], null, null, a));
                    (c, h, w) = (l.OutChannels, oh, ow);
                    break;
                }
                case LayerKind.ConvTranspose:
                {
                    int oh = Conv2dArgs.TransposedOutputSize(h, l.Kernel, l.Stride, l.Pad);
                    int ow = Conv2dArgs.TransposedOutputSize(w, l.Kernel, l.Stride, l.Pad);
                    var a = Conv2dArgs.Transposed(n, c, h, w, l.OutChannels, l.Kernel, l.Stride, l.Pad, hasBias: true);
                    x = ToFloat(Conv2dReference.TransposedForward(x, t[l.Prefix + ".weight"], t[l.Prefix + ".bias"], null, null, a));
                    (c, h, w) = (l.OutChannels, oh, ow);
                    break;
                }
                case LayerKind.Relu:
                    x = ToFloat(ActivationReference.Relu(x));
                    break;
                case LayerKind.BatchNorm:
                    x = ToFloat(BatchNormReference.BatchNorm(x, t[l.Prefix + ".running_mean"], t[l.Prefix + ".running_var"],
                        t[l.Prefix + ".weight"], t[l.Prefix + ".bias"], n, c, h * w, 1e-5));
                    break;
            }
        }
        return (x, h, w);
    }

    private static float[] ToFloat(double[] values) => values.Select(v => (float)v).ToArray();
}
