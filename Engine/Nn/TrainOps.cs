using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Launch;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Common;
using ColorKernels.Kernels.Convolution;
using ColorKernels.Kernels.Loss;
using ColorKernels.Kernels.Optim;

namespace ColorKernels.Engine.Nn;

/// <summary>
/// Host side of the training kernels: backward passes, training-mode batch norm, losses, soft-encoding,
/// histograms and optimiser steps. Activation gradients are assigned; parameter gradients accumulate.
/// </summary>
public static class TrainOps
{
    /// <summary>Backward of <see cref="NnOps.Conv2d"/> (epilogue None): dInput = (optional), dWeight += , dBias += (optional).</summary>
    public static void Conv2dBackward(Tensor<float> input, Tensor<float> weight, Tensor<float> dOutput, Tensor<float>? dInput,
        Tensor<float> dWeight, Tensor<float>? dBias, int stride, int pad, int dilation = 1)
    {
        Shape x = input.Shape, w = weight.Shape, y = dOutput.Shape;
        Check(dWeight, w);
        if (dInput is not null)
            Check(dInput, x);
        ComputeDevice d = input.Device;
        var geometry = new Conv2dArgs(x[0], x[1], x[2], x[3], w[0], y[2], y[3], w[2], stride, pad, dilation, false, ConvEpilogue.None, 1);
        if (y[1] != w[0] || y[2] != Conv2dArgs.ForwardOutputSize(x[2], w[2], stride, pad, dilation) || y[3] != Conv2dArgs.ForwardOutputSize(x[3], w[2], stride, pad, dilation))
            throw new ArgumentException($"conv gradient '{dOutput.Name}' {y} does not match input {x} and weight {w}");
        if (d.UsesTiledConv)
        {
            if (dInput is not null)
                TiledConv.BackwardData(weight, dOutput, dInput, geometry);
            TiledConv.BackwardWeight(input, dOutput, dWeight, geometry);
        }
        else if (d.ConvAlgorithm == ConvAlgorithm.LoweredGemm)
        {
            if (dInput is not null)
                CpuConv.BackwardData(weight, dOutput, dInput, geometry);
            CpuConv.BackwardWeight(input, dOutput, dWeight, geometry);
        }
        else
        {
            if (dInput is not null)
            {
                ElementLaunch l = d.Launcher.ForElements(x.Elements);
                d.Launcher.Launch(d.Kernels.Conv2dBackwardData, l.Config, dOutput.View, weight.View, dInput.View, With(geometry, l.RunLength));
            }
            ElementLaunch lw = d.Launcher.ForElements(w.Elements);
            d.Launcher.Launch(d.Kernels.Conv2dBackwardWeight, lw.Config, input.View, dOutput.View, dWeight.View, With(geometry, lw.RunLength));
        }
        if (dBias is not null)
        {
            Check(dBias, new Shape(w[0]));
            ElementLaunch lb = d.Launcher.ForElements(w[0]);
            d.Launcher.Launch(d.Kernels.ConvBiasBackward, lb.Config, dOutput.View, dBias.View, With(geometry, lb.RunLength));
        }
    }

    /// <summary>Backward of <see cref="NnOps.ConvTranspose2d"/> (epilogue None).</summary>
    public static void ConvTranspose2dBackward(Tensor<float> input, Tensor<float> weight, Tensor<float> dOutput, Tensor<float>? dInput,
        Tensor<float> dWeight, Tensor<float>? dBias, int stride, int pad)
    {
        Shape x = input.Shape, w = weight.Shape, y = dOutput.Shape;
        Check(dWeight, w);
        if (dInput is not null)
            Check(dInput, x);
        if (y[1] != w[1] || y[2] != Conv2dArgs.TransposedOutputSize(x[2], w[2], stride, pad) || y[3] != Conv2dArgs.TransposedOutputSize(x[3], w[2], stride, pad))
            throw new ArgumentException($"transposed-conv gradient '{dOutput.Name}' {y} does not match input {x} and weight {w}");
        ComputeDevice d = input.Device;
        var geometry = new Conv2dArgs(x[0], x[1], x[2], x[3], w[1], y[2], y[3], w[2], stride, pad, 1, false, ConvEpilogue.None, 1);
        if (d.UsesTiledConv)
        {
            if (dInput is not null)
                TiledConv.TransposedBackwardData(weight, dOutput, dInput, geometry);
            TiledConv.TransposedBackwardWeight(input, dOutput, dWeight, geometry);
        }
        else if (d.ConvAlgorithm == ConvAlgorithm.LoweredGemm)
        {
            if (dInput is not null)
                CpuConv.TransposedBackwardData(weight, dOutput, dInput, geometry);
            CpuConv.TransposedBackwardWeight(input, dOutput, dWeight, geometry);
        }
        else
        {
            if (dInput is not null)
            {
                ElementLaunch l = d.Launcher.ForElements(x.Elements);
                d.Launcher.Launch(d.Kernels.ConvTranspose2dBackwardData, l.Config, dOutput.View, weight.View, dInput.View, With(geometry, l.RunLength));
            }
            ElementLaunch lw = d.Launcher.ForElements(w.Elements);
            d.Launcher.Launch(d.Kernels.ConvTranspose2dBackwardWeight, lw.Config, input.View, dOutput.View, dWeight.View, With(geometry, lw.RunLength));
        }
        if (dBias is not null)
        {
            Check(dBias, new Shape(w[1]));
            ElementLaunch lb = d.Launcher.ForElements(w[1]);
            d.Launcher.Launch(d.Kernels.ConvBiasBackward, lb.Config, dOutput.View, dBias.View, With(geometry, lb.RunLength));
        }
    }

    /// <summary>dBias[c] += sum over n, y, x of dOut[n, c, y, x].</summary>
    public static void BiasBackward(Tensor<float> dOut, Tensor<float> dBias)
    {
        Shape s = dOut.Shape;
        Check(dBias, new Shape(s[1]));
        ComputeDevice d = dOut.Device;
        ElementLaunch l = d.Launcher.ForElements(s[1]);
        var geometry = new Conv2dArgs(s[0], s[1], s[2], s[3], s[1], s[2], s[3], 1, 1, 0, 1, false, ConvEpilogue.None, l.RunLength);
        d.Launcher.Launch(d.Kernels.ConvBiasBackward, l.Config, dOut.View, dBias.View, geometry);
    }

    /// <summary>dx = dy where y &gt; 0 (y the ReLU's output).</summary>
    public static void ReluBackward(Tensor<float> y, Tensor<float> dy, Tensor<float> dx)
    {
        Check(dy, y.Shape);
        Check(dx, y.Shape);
        ComputeDevice d = y.Device;
        ElementLaunch l = d.Launcher.ForElements(y.Elements);
        d.Launcher.Launch(d.Kernels.ReluBackward, l.Config, y.View, dy.View, dx.View, new ChannelArgs(1, 1, y.Elements, 0f, l.RunLength));
    }

    /// <summary>
    /// Training-mode batch norm: batch statistics into <paramref name="stats"/> [2C] (means, biased
    /// variances), y = (x - mean) / sqrt(var + eps) * gamma + beta, and (when <paramref name="momentum"/> &gt; 0)
    /// the running statistics updated. x and y may be one tensor only if the caller keeps x elsewhere for the backward pass.
    /// </summary>
    public static void BatchNormTrainingForward(Tensor<float> x, Tensor<float> gamma, Tensor<float> beta, Tensor<float> runningMean,
        Tensor<float> runningVar, Tensor<float> stats, Tensor<float> y, float eps, float momentum)
    {
        Shape s = x.Shape;
        int c = s[1];
        Check(stats, new Shape(2 * c));
        Check(y, s);
        ComputeDevice d = x.Device;
        var args = new ChannelArgs(s[0], c, s[2] * s[3], eps, 1, 1);
        ElementLaunch lc = d.Launcher.ForElements(c);
        d.Launcher.Launch(d.Kernels.BatchNormStats, lc.Config, x.View, stats.View, With(args, lc.RunLength));
        ElementLaunch le = d.Launcher.ForElements(s.Elements);
        d.Launcher.Launch(d.Kernels.BatchNormInference, le.Config, x.View, stats.Range(0, c), stats.Range(c, c),
            gamma.View, beta.View, y.View, With(args, le.RunLength));
        if (momentum > 0)
            d.Launcher.Launch(d.Kernels.BatchNormRunningUpdate, lc.Config, stats.View, runningMean.View, runningVar.View,
                new ChannelArgs(s[0], c, s[2] * s[3], momentum, lc.RunLength));
    }

    /// <summary>Backward of training-mode batch norm: dx assigned; dGamma, dBeta accumulated. <paramref name="sums"/> [2C] is scratch.</summary>
    public static void BatchNormBackward(Tensor<float> x, Tensor<float> dy, Tensor<float> stats, Tensor<float> gamma, Tensor<float> sums,
        Tensor<float> dx, Tensor<float> dGamma, Tensor<float> dBeta, float eps)
    {
        Shape s = x.Shape;
        int c = s[1];
        Check(dy, s);
        Check(dx, s);
        Check(sums, new Shape(2 * c));
        ComputeDevice d = x.Device;
        var args = new ChannelArgs(s[0], c, s[2] * s[3], eps, 1, 1);
        ElementLaunch lc = d.Launcher.ForElements(c);
        d.Launcher.Launch(d.Kernels.BatchNormBackwardReduce, lc.Config, x.View, dy.View, stats.View, sums.View, With(args, lc.RunLength));
        ElementLaunch le = d.Launcher.ForElements(s.Elements);
        d.Launcher.Launch(d.Kernels.BatchNormBackwardData, le.Config, x.View, dy.View, stats.View, gamma.View, sums.View, dx.View, With(args, le.RunLength));
        var add = new ChannelArgs(1, 1, c, 1f, lc.RunLength);
        d.Launcher.Launch(d.Kernels.Accumulate, lc.Config, sums.Range(c, c), dGamma.View, add);
        d.Launcher.Launch(d.Kernels.Accumulate, lc.Config, sums.Range(0, c), dBeta.View, add);
    }

    /// <summary>Sets every element of <paramref name="t"/> to <paramref name="value"/>.</summary>
    public static void Fill(Tensor<float> t, float value)
    {
        ComputeDevice d = t.Device;
        ElementLaunch l = d.Launcher.ForElements(t.Elements);
        d.Launcher.Launch(d.Kernels.Fill, l.Config, t.View, new ChannelArgs(1, 1, t.Elements, value, l.RunLength));
    }

    /// <summary>
    /// result[0] += sum of squares of <paramref name="t"/>, reduced deterministically through
    /// <paramref name="partials"/> (at least <see cref="Launch.Launcher.MaxElementThreads"/> floats of scratch).
    /// </summary>
    public static void AddSumOfSquares(Tensor<float> t, Tensor<float> partials, Tensor<float> result)
    {
        ComputeDevice d = t.Device;
        ElementLaunch l = d.Launcher.ForElements(t.Elements);
        int threads = l.Config.GridDim.X * l.Config.GroupDim.X;
        if (partials.Elements < threads)
            throw new ArgumentException($"partials '{partials.Name}' holds {partials.Elements} floats; this launch needs {threads}");
        d.Launcher.Launch(d.Kernels.SumOfSquares, l.Config, t.View, partials.View, new ChannelArgs(1, 1, t.Elements, 0f, l.RunLength));
        d.Launcher.Launch(d.Kernels.SumPartials, new ILGPU.KernelConfig(1, 1), partials.View, result.View, new ChannelArgs(1, 1, threads, 0f, 1));
    }

    /// <summary>Soft-encodes ab [N, 2, H, W] onto the K nearest of the centres [2, Q]; see BinKernels.SoftEncodeKernel.</summary>
    public static void SoftEncode(Tensor<float> ab, Tensor<float> centres, Tensor<float> classWeight, Tensor<float> imageWeight,
        Tensor<int> index, Tensor<float> weight, Tensor<float> pixelWeight, int k, float sigma)
    {
        Shape s = ab.Shape;
        int q = centres.Shape[1], n = s[0], plane = s[2] * s[3];
        if (k < 1 || k > q)
            throw new UserErrorException($"soft-encoding neighbours {k}: must be between 1 and {q}");
        Check(classWeight, new Shape(q));
        Check(imageWeight, new Shape(n));
        if (!index.Shape.Equals(Shape.Nchw(n, k, s[2], s[3])))
            throw new ArgumentException($"tensor '{index.Name}' is {index.Shape}; expected {Shape.Nchw(n, k, s[2], s[3])}");
        Check(weight, Shape.Nchw(n, k, s[2], s[3]));
        Check(pixelWeight, new Shape(n, s[2], s[3]));
        ComputeDevice d = ab.Device;
        ElementLaunch l = d.Launcher.ForElements(n * plane);
        d.Launcher.Launch(d.Kernels.SoftEncode, l.Config, ab.View, centres.View, classWeight.View, imageWeight.View,
            index.View, weight.View, pixelWeight.View, new BinArgs(n, plane, q, k, sigma, 1f, l.RunLength));
    }

    /// <summary>Fused softmax cross-entropy: per-pixel loss [N, H, W] and dLogits (x gradScale), see BinKernels.</summary>
    public static void SoftmaxCrossEntropy(Tensor<float> logits, Tensor<int> index, Tensor<float> weight, Tensor<float> pixelWeight,
        Tensor<float> loss, Tensor<float> dLogits, float gradScale)
    {
        Shape s = logits.Shape;
        int n = s[0], q = s[1], k = index.Shape[1], plane = s[2] * s[3];
        Check(dLogits, s);
        Check(loss, new Shape(n, s[2], s[3]));
        Check(pixelWeight, new Shape(n, s[2], s[3]));
        Check(weight, Shape.Nchw(n, k, s[2], s[3]));
        ComputeDevice d = logits.Device;
        ElementLaunch l = d.Launcher.ForElements(n * plane);
        d.Launcher.Launch(d.Kernels.SoftmaxCrossEntropy, l.Config, logits.View, index.View, weight.View, pixelWeight.View,
            loss.View, dLogits.View, new BinArgs(n, plane, q, k, 0f, gradScale, l.RunLength));
    }

    /// <summary>L2 regression loss and gradient (x gradScale) of prediction against target, both [N, 2, H, W].</summary>
    public static void L2Regression(Tensor<float> prediction, Tensor<float> target, Tensor<float> pixelWeight, Tensor<float> loss,
        Tensor<float> dPrediction, float gradScale)
    {
        Shape s = prediction.Shape;
        Check(target, s);
        Check(dPrediction, s);
        Check(loss, new Shape(s[0], s[2], s[3]));
        Check(pixelWeight, new Shape(s[0], s[2], s[3]));
        ComputeDevice d = prediction.Device;
        ElementLaunch l = d.Launcher.ForElements(s[0] * s[2] * s[3]);
        d.Launcher.Launch(d.Kernels.L2Regression, l.Config, prediction.View, target.View, pixelWeight.View, loss.View,
            dPrediction.View, new BinArgs(s[0], s[2] * s[3], 2, 1, 0f, gradScale, l.RunLength));
    }

    /// <summary>counts[q] += pixels of ab [N, 2, H, W] nearest to centre q.</summary>
    public static void BinHistogram(Tensor<float> ab, Tensor<float> centres, Tensor<int> counts)
    {
        Shape s = ab.Shape;
        int q = centres.Shape[1];
        if (!counts.Shape.Equals(new Shape(q)))
            throw new ArgumentException($"tensor '{counts.Name}' is {counts.Shape}; expected [{q}]");
        ComputeDevice d = ab.Device;
        ElementLaunch l = d.Launcher.ForElements(s[0] * s[2] * s[3]);
        d.Launcher.Launch(d.Kernels.BinHistogram, l.Config, ab.View, centres.View, counts.View, new BinArgs(s[0], s[2] * s[3], q, 1, 0f, 1f, l.RunLength));
    }

    /// <summary>imageWeight[n] = 1 when image n of ab [N, 2, H, W] has some |a| or |b| above <paramref name="threshold"/>, else 0.</summary>
    public static void ColourfulImages(Tensor<float> ab, Tensor<float> imageWeight, float threshold)
    {
        Shape s = ab.Shape;
        Check(imageWeight, new Shape(s[0]));
        ComputeDevice d = ab.Device;
        ElementLaunch l = d.Launcher.ForElements(s[0]);
        d.Launcher.Launch(d.Kernels.ColourfulImage, l.Config, ab.View, imageWeight.View, new BinArgs(s[0], s[2] * s[3], 0, 0, threshold, 1f, l.RunLength));
    }

    /// <summary>One Adam step for one parameter tensor (t is the 1-based step number).</summary>
    public static void Adam(Tensor<float> param, Tensor<float> grad, Tensor<float> m, Tensor<float> v, float lr, float beta1, float beta2,
        float eps, float weightDecay, int t, float gradScale)
    {
        Check(grad, param.Shape);
        Check(m, param.Shape);
        Check(v, param.Shape);
        ComputeDevice d = param.Device;
        ElementLaunch l = d.Launcher.ForElements(param.Elements);
        var args = new OptimizerArgs(param.Elements, lr, beta1, beta2, eps, weightDecay,
            (float)(1 - Math.Pow(beta1, t)), (float)(1 - Math.Pow(beta2, t)), gradScale, l.RunLength);
        d.Launcher.Launch(d.Kernels.Adam, l.Config, param.View, grad.View, m.View, v.View, args);
    }

    /// <summary>One SGD-with-momentum step for one parameter tensor.</summary>
    public static void Sgd(Tensor<float> param, Tensor<float> grad, Tensor<float> velocity, float lr, float momentum, float weightDecay, float gradScale)
    {
        Check(grad, param.Shape);
        Check(velocity, param.Shape);
        ComputeDevice d = param.Device;
        ElementLaunch l = d.Launcher.ForElements(param.Elements);
        var args = new OptimizerArgs(param.Elements, lr, momentum, 0f, 0f, weightDecay, 1f, 1f, gradScale, l.RunLength);
        d.Launcher.Launch(d.Kernels.SgdMomentum, l.Config, param.View, grad.View, velocity.View, args);
    }

    private static Conv2dArgs With(Conv2dArgs a, int run) =>
        new(a.N, a.InC, a.InH, a.InW, a.OutC, a.OutH, a.OutW, a.Kernel, a.Stride, a.Pad, a.Dilation, a.HasBias != 0, (ConvEpilogue)a.Epilogue, run);

    private static ChannelArgs With(ChannelArgs a, int run) => new(a.N, a.Channels, a.Plane, a.Parameter, run, a.Flags);

    private static void Check(Tensor<float> t, Shape expected)
    {
        if (!t.Shape.Equals(expected))
            throw new ArgumentException($"tensor '{t.Name}' is {t.Shape}; expected {expected}");
    }
}
