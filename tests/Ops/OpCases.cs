// Every family's case file (tests/Ops/<Family>/<Family>Cases.cs) sees these namespaces.
global using ColorKernels.Engine.Models;
global using ColorKernels.Engine.Ops;
global using ColorKernels.Engine.Tensors;
global using ColorKernels.Kernels.Activation;
global using ColorKernels.Kernels.BatchNorm;
global using ColorKernels.Kernels.Buffers;
global using ColorKernels.Kernels.Color;
global using ColorKernels.Kernels.Convolution;
global using ColorKernels.Kernels.Hints;
global using ColorKernels.Kernels.Loss;
global using ColorKernels.Kernels.Metrics;
global using ColorKernels.Kernels.Optimizer;
global using ColorKernels.Kernels.Patches;
global using ColorKernels.Kernels.Resample;
global using ColorKernels.Kernels.Softmax;
global using ColorKernels.Kernels.Som;
global using ColorKernels.Kernels.Video;
global using ColorKernels.Tests.Support;

namespace ColorKernels.Tests.Ops;

/// <summary>
/// The table of op cases: every op of Engine/Ops on boundary shapes (1, 31, 32, 33, odd, non-square),
/// each against its double-precision reference in Kernels/&lt;Family&gt;/*Reference.cs with a stated
/// tolerance, backward ops also against finite differences. Adding an op means adding its cases here;
/// OpCaseTests fails when a kernel is launched by no case.
/// </summary>
internal static partial class OpCases
{
    // Lazy: the table reads the shape lists and tolerances below, which static initialisation sets after this field.
    private static readonly Lazy<OpCase[]> Table = new(() => Color().Concat(Convolution()).Concat(Gemm()).Concat(BatchNorm())
        .Concat(Activation()).Concat(Softmax()).Concat(Resample()).Concat(Loss()).Concat(Optimizer()).Concat(Buffers())
        .Concat(Metrics()).Concat(Som()).Concat(Patches()).Concat(Video()).Concat(Hints()).Concat(HintInput()).ToArray());

    public static IReadOnlyList<OpCase> All => Table.Value;

    public static OpCase Get(string id) => All.Single(c => c.Id == id);

    // (N, C, H, W): 1, 31, 32, 33, odd and non-square.
    private static readonly (int N, int C, int H, int W)[] Nchw = TestData.Nchw;

    /// <summary>The boundary shapes for tests, then one shape of a realistic size that only perf times.</summary>
    private static IEnumerable<((int N, int C, int H, int W) Shape, bool PerfOnly)> WithPerf((int N, int C, int H, int W) large) =>
        Nchw.Select(s => (s, false)).Append((large, true));

    private static string Dims(params int[] d) => string.Join("x", d);

    private static float[] U(int count, float low, float high, int seed) => TestData.Uniform(count, low, high, seed);

    private static double[] D(IEnumerable<float> v) => v.Select(x => (double)x).ToArray();

    private static float[] F(IEnumerable<double> v) => v.Select(x => (float)x).ToArray();
}
