namespace ColorKernels.Kernels.Convolution;

/// <summary>
/// C[M, N] = (Accumulate ? C : 0) + A[M, K] B[K, N], row-major, each operand starting at its offset; then
/// per row i of C an optional bias and the convolution epilogue (<see cref="ConvEpilogue"/>).
/// </summary>
public readonly struct GemmArgs
{
    public GemmArgs(int m, int n, int k, int aOffset, int bOffset, int cOffset, bool accumulate, bool rowBias, ConvEpilogue epilogue)
    {
        M = m; N = n; K = k; AOffset = aOffset; BOffset = bOffset; COffset = cOffset;
        Accumulate = accumulate ? 1 : 0; RowBias = rowBias ? 1 : 0; this.epilogue = (int)epilogue;
    }

    public int M { get; }
    public int N { get; }
    public int K { get; }
    public int AOffset { get; }
    public int BOffset { get; }
    public int COffset { get; }
    public int Accumulate { get; }
    public int RowBias { get; }
    private readonly int epilogue;

    /// <summary>What each row's sum goes through before it is stored.</summary>
    public ConvEpilogue Epilogue => (ConvEpilogue)epilogue;

    /// <summary>Tiles of <see cref="GemmKernels.TileRows"/> x <see cref="GemmKernels.TileCols"/> covering C.</summary>
    public int Tiles => (M + GemmKernels.TileRows - 1) / GemmKernels.TileRows * ((N + GemmKernels.TileCols - 1) / GemmKernels.TileCols);
}
