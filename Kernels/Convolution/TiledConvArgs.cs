using ColorKernels.Kernels.Common;

namespace ColorKernels.Kernels.Convolution;

/// <summary>Which product <see cref="TiledConvKernels.TiledConvKernel"/> computes (see its header for the matrices).</summary>
public enum TiledConvOp
{
    /// <summary>out = W x im2col(in): a forward convolution, or a transposed convolution's data gradient.</summary>
    Forward = 0,

    /// <summary>dIn = W^T x col2im-gather(dOut): a convolution's data gradient, or a transposed convolution's forward.</summary>
    BackwardData = 1,

    /// <summary>dW (+)= dOut x im2col(in)^T: a weight gradient, over a slice of K per grid z (split-K).</summary>
    BackwardWeight = 2,
}

/// <summary>
/// Arguments of one implicit-GEMM launch: the convolution's geometry (always the forward convolution's;
/// transposed convolutions pass their adjoint), the product, its sizes C[M, N] = A[M, K] B[K, N], and the
/// split of K across grid z (<see cref="KChunk"/> consecutive K per split; 1 split when K is not split).
/// </summary>
public readonly struct TiledConvArgs
{
    /// <param name="step">K per shared-memory step of the kernel that runs it.</param>
    /// <param name="tileColumns">Columns of C per group (the tile's N side).</param>
    public TiledConvArgs(Conv2dArgs geometry, TiledConvOp op, int kChunk, int splits, int step, int tileColumns)
    {
        Geometry = geometry;
        Op = (int)op;
        int kk = geometry.Kernel * geometry.Kernel;
        (M, N, K) = Sizes(geometry, op);
        KChunk = kChunk;
        Splits = splits;
        Taps = new FastDivisor(kk);
        KernelSide = new FastDivisor(geometry.Kernel);
        Stride = new FastDivisor(geometry.Stride);
        bool forward = op == TiledConvOp.Forward;
        ColumnW = new FastDivisor(Math.Max(1, forward ? geometry.OutW : geometry.InW));
        ColumnH = new FastDivisor(Math.Max(1, forward ? geometry.OutH : geometry.InH));
        OutW = new FastDivisor(Math.Max(1, geometry.OutW));
        OutH = new FastDivisor(Math.Max(1, geometry.OutH));
        OutPlane = new FastDivisor(Math.Max(1, geometry.OutH * geometry.OutW));
        Step = new FastDivisor(step);
        TileColumns = new FastDivisor(tileColumns);
    }

    /// <summary>M, N and K of the product <paramref name="op"/> for a convolution of this geometry.</summary>
    public static (int M, int N, int K) Sizes(Conv2dArgs g, TiledConvOp op)
    {
        int kk = g.Kernel * g.Kernel;
        return op switch
        {
            TiledConvOp.Forward => (g.OutC, g.N * g.OutH * g.OutW, g.InC * kk),
            TiledConvOp.BackwardData => (g.InC, g.N * g.InH * g.InW, g.OutC * kk),
            _ => (g.OutC, g.InC * kk, g.N * g.OutH * g.OutW),
        };
    }

    public Conv2dArgs Geometry { get; }

    /// <summary>A <see cref="TiledConvOp"/> value.</summary>
    public int Op { get; }

    public int M { get; }
    public int N { get; }
    public int K { get; }

    /// <summary>K handled by one grid z (a multiple of <see cref="TiledConvKernels.TileK"/>).</summary>
    public int KChunk { get; }

    /// <summary>Grid z extent. BackwardWeight with 1 split adds into dW; with more, split z writes partial z.</summary>
    public int Splits { get; }

    // Every runtime divisor of the kernels' index decoding, as multiply-shift divisions (see FastDivisor).

    /// <summary>K x K: taps per (input, output) channel pair.</summary>
    public FastDivisor Taps { get; }
    public FastDivisor KernelSide { get; }
    public FastDivisor Stride { get; }

    /// <summary>Width and height of the plane C's columns run over (output for Forward, input for BackwardData).</summary>
    public FastDivisor ColumnW { get; }
    public FastDivisor ColumnH { get; }
    public FastDivisor OutW { get; }
    public FastDivisor OutH { get; }
    public FastDivisor OutPlane { get; }

    /// <summary>K per step and C columns per group of the launching kernel (its tile loaders' element numbering).</summary>
    public FastDivisor Step { get; }
    public FastDivisor TileColumns { get; }

    /// <summary>2 M N K: the multiply-adds of the product, for the profiler.</summary>
    public double Flops => 2.0 * M * N * K;
}
