using ColorKernels.Kernels.Color;
using ColorKernels.Kernels.Common;
using ColorKernels.Kernels.Convolution;
using ColorKernels.Kernels.Loss;
using ColorKernels.Kernels.Metrics;
using ColorKernels.Kernels.Optim;
using ColorKernels.Kernels.Normalization;
using ColorKernels.Kernels.Resample;
using ColorKernels.Kernels.Softmax;
using ColorKernels.Kernels.Som;
using ILGPU;
using ILGPU.Runtime;
using Bytes = ILGPU.ArrayView<byte>;
using Floats = ILGPU.ArrayView<float>;
using Ints = ILGPU.ArrayView<int>;

namespace ColorKernels.Engine.Launch;

/// <summary>
/// Every kernel of the project, compiled for one accelerator. Each is compiled on first use (under a lock)
/// and kept for the life of the device, so nothing compiles inside an inference or training step.
/// </summary>
public sealed class KernelSet
{
    private readonly Accelerator accelerator;
    private readonly object gate = new();

    private NamedKernel<Action<AcceleratorStream, KernelConfig, Bytes, Floats, ImageBatchArgs>>? srgbBytesToLab;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ImageBatchArgs>>? srgbToLab;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ImageBatchArgs>>? labToSrgb;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Bytes, ImageBatchArgs>>? labToSrgbBytes;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, ImageBatchArgs>>? clearChroma;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, Floats, Conv2dArgs>>? conv2dForward;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, Floats, Conv2dArgs>>? convTranspose2dForward;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, Floats, ChannelArgs>>? batchNormInference;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ChannelArgs>>? relu;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ChannelArgs>>? softmaxChannels;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, ChannelArgs>>? annealedMean;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ResizeArgs>>? resizeBilinear;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Conv2dArgs>>? conv2dBackwardData;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Conv2dArgs>>? conv2dBackwardWeight;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Conv2dArgs>>? convBiasBackward;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Conv2dArgs>>? convTranspose2dBackwardData;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Conv2dArgs>>? convTranspose2dBackwardWeight;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ChannelArgs>>? batchNormStats;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, ChannelArgs>>? batchNormRunningUpdate;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, ChannelArgs>>? batchNormBackwardReduce;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, Floats, ChannelArgs>>? batchNormBackwardData;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, ChannelArgs>>? reluBackward;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, ChannelArgs>>? fill;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ChannelArgs>>? accumulate;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ChannelArgs>>? sumOfSquares;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ChannelArgs>>? sumPartials;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Ints, Floats, Floats, BinArgs>>? softEncode;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Ints, Floats, Floats, Floats, Floats, BinArgs>>? softmaxCrossEntropy;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, BinArgs>>? l2Regression;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Ints, BinArgs>>? binHistogram;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, BinArgs>>? colourfulImage;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, OptimizerArgs>>? adam;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, OptimizerArgs>>? sgdMomentum;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, Floats, GemmArgs>>? gemm;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, Floats, TiledConvArgs>>? tiledConv;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, Floats, TiledConvArgs>>? tiledConvLarge;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ChannelArgs>>? splitKReduce;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Im2ColArgs>>? im2Col;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Im2ColArgs>>? col2Im;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ChannelArgs>>? transpose;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, BinArgs>>? abErrorHistogram;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Bytes, Bytes, Floats, ChannelArgs>>? rgbStats;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, ChannelArgs>>? chromaSum;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, ChannelArgs>>? peakFlops;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Ints, Ints, Floats, SomArgs>>? bmu;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Ints, Floats, SomArgs>>? somBatchUpdate;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ImageBatchArgs, SomArgs>>? somQuantize;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Ints, Floats, PatchArgs>>? extractPatches;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, PatchArgs>>? classToAb;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, SomArgs>>? somOnline;
    private NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, ChannelArgs>>? biasEpilogue;

    internal KernelSet(Accelerator accelerator) => this.accelerator = accelerator;

    public NamedKernel<Action<AcceleratorStream, KernelConfig, Bytes, Floats, ImageBatchArgs>> SrgbBytesToLab =>
        Load(ref srgbBytesToLab, LabKernels.SrgbBytesToLabKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ImageBatchArgs>> SrgbToLab =>
        Load(ref srgbToLab, LabKernels.SrgbToLabKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ImageBatchArgs>> LabToSrgb =>
        Load(ref labToSrgb, LabKernels.LabToSrgbKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Bytes, ImageBatchArgs>> LabToSrgbBytes =>
        Load(ref labToSrgbBytes, LabKernels.LabToSrgbBytesKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, ImageBatchArgs>> ClearChroma =>
        Load(ref clearChroma, LabKernels.ClearChromaKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, Floats, Conv2dArgs>> Conv2dForward =>
        Load(ref conv2dForward, Conv2dKernels.Conv2dForwardKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, Floats, Conv2dArgs>> ConvTranspose2dForward =>
        Load(ref convTranspose2dForward, Conv2dKernels.ConvTranspose2dForwardKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, Floats, ChannelArgs>> BatchNormInference =>
        Load(ref batchNormInference, NormalizationKernels.BatchNormInferenceKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ChannelArgs>> Relu =>
        Load(ref relu, NormalizationKernels.ReluKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ChannelArgs>> SoftmaxChannels =>
        Load(ref softmaxChannels, SoftmaxKernels.SoftmaxChannelsKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, ChannelArgs>> AnnealedMean =>
        Load(ref annealedMean, SoftmaxKernels.AnnealedMeanKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ResizeArgs>> ResizeBilinear =>
        Load(ref resizeBilinear, ResampleKernels.ResizeBilinearKernel);

    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Conv2dArgs>> Conv2dBackwardData =>
        Load(ref conv2dBackwardData, Conv2dKernels.Conv2dBackwardDataKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Conv2dArgs>> Conv2dBackwardWeight =>
        Load(ref conv2dBackwardWeight, Conv2dKernels.Conv2dBackwardWeightKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Conv2dArgs>> ConvBiasBackward =>
        Load(ref convBiasBackward, Conv2dKernels.ConvBiasBackwardKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Conv2dArgs>> ConvTranspose2dBackwardData =>
        Load(ref convTranspose2dBackwardData, Conv2dKernels.ConvTranspose2dBackwardDataKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Conv2dArgs>> ConvTranspose2dBackwardWeight =>
        Load(ref convTranspose2dBackwardWeight, Conv2dKernels.ConvTranspose2dBackwardWeightKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ChannelArgs>> BatchNormStats =>
        Load(ref batchNormStats, NormalizationKernels.BatchNormStatsKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, ChannelArgs>> BatchNormRunningUpdate =>
        Load(ref batchNormRunningUpdate, NormalizationKernels.BatchNormRunningUpdateKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, ChannelArgs>> BatchNormBackwardReduce =>
        Load(ref batchNormBackwardReduce, NormalizationKernels.BatchNormBackwardReduceKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, Floats, ChannelArgs>> BatchNormBackwardData =>
        Load(ref batchNormBackwardData, NormalizationKernels.BatchNormBackwardDataKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, ChannelArgs>> ReluBackward =>
        Load(ref reluBackward, NormalizationKernels.ReluBackwardKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, ChannelArgs>> Fill =>
        Load(ref fill, BufferKernels.FillKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ChannelArgs>> Accumulate =>
        Load(ref accumulate, BufferKernels.AccumulateKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ChannelArgs>> SumOfSquares =>
        Load(ref sumOfSquares, BufferKernels.SumOfSquaresKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ChannelArgs>> SumPartials =>
        Load(ref sumPartials, BufferKernels.SumPartialsKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Ints, Floats, Floats, BinArgs>> SoftEncode =>
        Load(ref softEncode, BinKernels.SoftEncodeKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Ints, Floats, Floats, Floats, Floats, BinArgs>> SoftmaxCrossEntropy =>
        Load(ref softmaxCrossEntropy, BinKernels.SoftmaxCrossEntropyKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, BinArgs>> L2Regression =>
        Load(ref l2Regression, BinKernels.L2RegressionKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Ints, BinArgs>> BinHistogram =>
        Load(ref binHistogram, BinKernels.BinHistogramKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, BinArgs>> ColourfulImage =>
        Load(ref colourfulImage, BinKernels.ColourfulImageKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, OptimizerArgs>> Adam =>
        Load(ref adam, OptimizerKernels.AdamKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, OptimizerArgs>> SgdMomentum =>
        Load(ref sgdMomentum, OptimizerKernels.SgdMomentumKernel);

    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, Floats, GemmArgs>> Gemm =>
        Load(ref gemm, GemmKernels.GemmKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, Floats, TiledConvArgs>> TiledConv =>
        Load(ref tiledConv, TiledConvKernels.TiledConvKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, Floats, TiledConvArgs>> TiledConvLarge =>
        Load(ref tiledConvLarge, TiledConvKernels.TiledConvLargeKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ChannelArgs>> SplitKReduce =>
        Load(ref splitKReduce, TiledConvKernels.SplitKReduceKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Im2ColArgs>> Im2Col =>
        Load(ref im2Col, Im2ColKernels.Im2ColKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Im2ColArgs>> Col2Im =>
        Load(ref col2Im, Im2ColKernels.Col2ImKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ChannelArgs>> Transpose =>
        Load(ref transpose, Im2ColKernels.TransposeKernel);

    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, BinArgs>> AbErrorHistogram =>
        Load(ref abErrorHistogram, MetricKernels.AbErrorHistogramKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Bytes, Bytes, Floats, ChannelArgs>> RgbStats =>
        Load(ref rgbStats, MetricKernels.RgbStatsKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, ChannelArgs>> ChromaSum =>
        Load(ref chromaSum, MetricKernels.ChromaSumKernel);

    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, ChannelArgs>> PeakFlops =>
        Load(ref peakFlops, BufferKernels.PeakFlopsKernel);

    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Ints, Ints, Floats, SomArgs>> Bmu =>
        Load(ref bmu, SomKernels.BmuKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Ints, Floats, SomArgs>> SomBatchUpdate =>
        Load(ref somBatchUpdate, SomKernels.SomBatchUpdateKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ImageBatchArgs, SomArgs>> SomQuantize =>
        Load(ref somQuantize, SomKernels.SomQuantizeKernel);

    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Ints, Floats, PatchArgs>> ExtractPatches =>
        Load(ref extractPatches, PatchKernels.ExtractPatchesKernel);
    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, PatchArgs>> ClassToAb =>
        Load(ref classToAb, PatchKernels.ClassToAbKernel);

    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, SomArgs>> SomOnline =>
        Load(ref somOnline, SomKernels.SomOnlineKernel);

    public NamedKernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, ChannelArgs>> BiasEpilogue =>
        Load(ref biasEpilogue, Im2ColKernels.BiasEpilogueKernel);

    private NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2>> Load<T1, T2>(
        ref NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2>>? slot, Action<T1, T2> kernel)
        where T1 : struct where T2 : struct
    {
        lock (gate)
            return slot ??= new NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2>>(
                kernel.Method.Name, accelerator.LoadKernel(kernel));
    }

    private NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2, T3>> Load<T1, T2, T3>(
        ref NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2, T3>>? slot, Action<T1, T2, T3> kernel)
        where T1 : struct where T2 : struct where T3 : struct
    {
        lock (gate)
            return slot ??= new NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2, T3>>(
                kernel.Method.Name, accelerator.LoadKernel(kernel));
    }

    private NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4>> Load<T1, T2, T3, T4>(
        ref NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4>>? slot, Action<T1, T2, T3, T4> kernel)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct
    {
        lock (gate)
            return slot ??= new NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4>>(
                kernel.Method.Name, accelerator.LoadKernel(kernel));
    }

    private NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6, T7>> Load<T1, T2, T3, T4, T5, T6, T7>(
        ref NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6, T7>>? slot, Action<T1, T2, T3, T4, T5, T6, T7> kernel)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct
    {
        lock (gate)
            return slot ??= new NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6, T7>>(
                kernel.Method.Name, accelerator.LoadKernel(kernel));
    }

    private NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5>> Load<T1, T2, T3, T4, T5>(
        ref NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5>>? slot, Action<T1, T2, T3, T4, T5> kernel)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct
    {
        lock (gate)
            return slot ??= new NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5>>(
                kernel.Method.Name, accelerator.LoadKernel(kernel));
    }

    private NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6>> Load<T1, T2, T3, T4, T5, T6>(
        ref NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6>>? slot, Action<T1, T2, T3, T4, T5, T6> kernel)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct
    {
        lock (gate)
            return slot ??= new NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6>>(
                kernel.Method.Name, accelerator.LoadKernel(kernel));
    }

    private NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6, T7, T8>> Load<T1, T2, T3, T4, T5, T6, T7, T8>(
        ref NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6, T7, T8>>? slot, Action<T1, T2, T3, T4, T5, T6, T7, T8> kernel)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct
    {
        lock (gate)
            return slot ??= new NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6, T7, T8>>(
                kernel.Method.Name, accelerator.LoadKernel(kernel));
    }
}
