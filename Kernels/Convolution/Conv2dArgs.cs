namespace ColorKernels.Kernels.Convolution;

/// <summary>What a convolution does with its sum before storing it.</summary>
public enum ConvEpilogue
{
    /// <summary>y = sum (+ bias).</summary>
    None = 0,

    /// <summary>y = max(sum (+ bias), 0).</summary>
    Relu = 1,

    /// <summary>y = max(sum (+ bias), 0) * scale[c] + shift[c]: ReLU then an inference batch norm folded to a per-channel affine.</summary>
    ReluAffine = 2,
}

/// <summary>
/// Geometry of a 2-D convolution over NCHW tensors with square kernels. Input [N, InC, InH, InW];
/// output [N, OutC, OutH, OutW]; forward-convolution weights [OutC, InC, K, K], transposed-convolution
/// weights [InC, OutC, K, K] (PyTorch's layouts).
/// </summary>
public readonly struct Conv2dArgs
{
    /// <summary>
    /// A forward convolution of an input [<paramref name="n"/>, <paramref name="inC"/>, <paramref name="inH"/>,
    /// <paramref name="inW"/>] by <paramref name="outC"/> kernels of <paramref name="kernel"/> x <paramref name="kernel"/>;
    /// the output size follows (<see cref="ForwardOutputSize"/>).
    /// </summary>
    public static Conv2dArgs Forward(int n, int inC, int inH, int inW, int outC, int kernel, int stride = 1, int pad = 0, int dilation = 1,
        bool hasBias = false, ConvEpilogue epilogue = ConvEpilogue.None) =>
        new(n, inC, inH, inW, outC, ForwardOutputSize(inH, kernel, stride, pad, dilation), ForwardOutputSize(inW, kernel, stride, pad, dilation),
            kernel, stride, pad, dilation, hasBias, epilogue);

    /// <summary>
    /// A transposed convolution of an input [<paramref name="n"/>, <paramref name="inC"/>, <paramref name="inH"/>,
    /// <paramref name="inW"/>] into <paramref name="outC"/> channels (no dilation, no output padding); the output
    /// size follows (<see cref="TransposedOutputSize"/>).
    /// </summary>
    public static Conv2dArgs Transposed(int n, int inC, int inH, int inW, int outC, int kernel, int stride = 1, int pad = 0,
        bool hasBias = false, ConvEpilogue epilogue = ConvEpilogue.None) =>
        new(n, inC, inH, inW, outC, TransposedOutputSize(inH, kernel, stride, pad), TransposedOutputSize(inW, kernel, stride, pad),
            kernel, stride, pad, 1, hasBias, epilogue);

    // Every geometry is made by Forward, Transposed or Adjoint, so the output size always fits the input.
    private Conv2dArgs(int n, int inC, int inH, int inW, int outC, int outH, int outW, int kernel, int stride,
        int pad, int dilation, bool hasBias, ConvEpilogue epilogue, int runLength = 1)
    {
        N = n; InC = inC; InH = inH; InW = inW; OutC = outC; OutH = outH; OutW = outW;
        Kernel = kernel; Stride = stride; Pad = pad; Dilation = dilation;
        HasBias = hasBias ? 1 : 0;
        this.epilogue = (int)epilogue;
        RunLength = runLength;
    }

    public int N { get; }
    public int InC { get; }
    public int InH { get; }
    public int InW { get; }
    public int OutC { get; }
    public int OutH { get; }
    public int OutW { get; }
    public int Kernel { get; }
    public int Stride { get; }
    public int Pad { get; }
    public int Dilation { get; }

    /// <summary>1 when a bias vector [OutC] is added (0: the bias view is a placeholder and never read).</summary>
    public int HasBias { get; }

    // Kept as an int in the struct the kernels receive; read through the typed property.
    private readonly int epilogue;

    /// <summary>What the sum goes through before it is stored.</summary>
    public ConvEpilogue Epilogue => (ConvEpilogue)epilogue;

    /// <summary>Consecutive outputs per thread per step (see Common.GridStride): 1 unless a backend sets it (<see cref="WithRunLength"/>).</summary>
    public int RunLength { get; }

    public int OutputElements => N * OutC * OutH * OutW;

    /// <summary>
    /// For a transposed convolution's geometry: the forward convolution it is the data gradient of. Its input
    /// is the transposed conv's output and its output the transposed conv's input (same kernel, stride,
    /// padding); its weight layout [OutC', InC', K, K] is the transposed conv's [InC, OutC, K, K].
    /// </summary>
    public Conv2dArgs Adjoint(bool hasBias = false, ConvEpilogue epilogue = ConvEpilogue.None) =>
        new(N, OutC, OutH, OutW, InC, InH, InW, Kernel, Stride, Pad, 1, hasBias, epilogue);

    /// <summary>The same geometry launched with <paramref name="runLength"/> consecutive outputs per thread per step.</summary>
    public Conv2dArgs WithRunLength(int runLength) =>
        new(N, InC, InH, InW, OutC, OutH, OutW, Kernel, Stride, Pad, Dilation, HasBias != 0, Epilogue, runLength);

    /// <summary>Output size of a forward convolution along one axis.</summary>
    public static int ForwardOutputSize(int input, int kernel, int stride, int pad, int dilation) =>
        (input + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1;

    /// <summary>Output size of a transposed convolution along one axis (no output padding).</summary>
    public static int TransposedOutputSize(int input, int kernel, int stride, int pad) =>
        (input - 1) * stride - 2 * pad + kernel;
}

/// <summary>
/// The bias and epilogue applied in place after col2im assembled a convolution's output [N, C, H, W]
/// (<see cref="Plane"/> = H x W), in runs of <see cref="RunLength"/>.
/// </summary>
public readonly struct EpilogueArgs
{
    private readonly int epilogue;

    public EpilogueArgs(int n, int channels, int plane, int runLength, ConvEpilogue epilogue)
    {
        N = n;
        Channels = channels;
        Plane = plane;
        RunLength = runLength;
        this.epilogue = (int)epilogue;
    }

    public int N { get; }
    public int Channels { get; }
    public int Plane { get; }
    public int RunLength { get; }

    /// <summary>What each biased value goes through.</summary>
    public ConvEpilogue Epilogue => (ConvEpilogue)epilogue;

    public int Elements => N * Channels * Plane;
}
