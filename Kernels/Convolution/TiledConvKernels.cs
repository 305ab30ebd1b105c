using ColorKernels.Kernels.Common;
using ILGPU;

namespace ColorKernels.Kernels.Convolution;

/// <summary>
/// Convolutions as implicit GEMMs with shared-memory tiles and register blocking: the GPU variant. No
/// column matrix is ever written; the tile loaders gather straight from the NCHW tensors.
/// <para>
/// All six convolution passes are one of three products (transposed convolutions pass the geometry of
/// their adjoint forward convolution, whose weight layout [OutC', InC', K, K] is theirs):
/// </para>
/// <list type="table">
/// <item><term>Forward</term><description>C[co, (n,oy,ox)] = sum over (ci,ky,kx) of W[co, ci, ky, kx] in[n, ci, oy S - P + ky D, ox S - P + kx D]; then bias, epilogue (per co). Also: transposed conv backward-data.</description></item>
/// <item><term>BackwardData</term><description>C[ci, (n,iy,ix)] = sum over (co,ky,kx) of W[co, ci, ky, kx] dOut[n, co, oy, ox] where oy S = iy + P - ky D (divisible, in range); then bias, epilogue (per ci). Also: transposed conv forward.</description></item>
/// <item><term>BackwardWeight</term><description>C[co, (ci,ky,kx)] = sum over (n,oy,ox) of dOut[n, co, oy, ox] in[n, ci, oy S - P + ky D, ...], K split across grid z. Also: transposed conv backward-weight.</description></item>
/// </list>
/// <para>
/// Thread mapping: a group of DimX x DimY threads owns a C tile of (4 DimY) x (4 DimX) (64 x 64 with the
/// GPUs' 16 x 16 groups, 8 x 8 with the CPU accelerator's 2 x 2); thread (tx, ty) accumulates the 4 x 4
/// elements at rows ty + r DimY, columns tx + c DimX in registers, so neighbouring threads read
/// neighbouring shared words (no bank conflicts) and store neighbouring outputs (coalesced). K advances
/// <see cref="TileK"/> at a time: every thread helps load the A tile (K fastest, so W and dOut rows are
/// read in runs) and the B tile (columns fastest), a barrier, 16 x TileK multiply-adds per thread from
/// shared memory, a barrier. The (n, y, x) or (ci, ky, kx) of each tile column is decoded once per
/// group into shared memory. Grid: (ceil(N / tileN), ceil(M / tileM), splits).
/// </para>
/// </summary>
public static class TiledConvKernels
{
    /// <summary>A thread's C block is Micro x Micro.</summary>
    public const int Micro = 4;

    /// <summary>K per shared-memory step.</summary>
    public const int TileK = 8;

    /// <summary>Largest tile side (16 x 16 threads): the shared arrays are sized for it.</summary>
    public const int MaxTile = 64;

    /// <summary>
    /// TiledConvKernel: C = A B for the product <see cref="TiledConvArgs.Op"/> (see the class header), then
    /// the bias/epilogue (Forward, BackwardData) or the weight-gradient store (BackwardWeight: c[i N + j] +=
    /// with one split, else partial z at c[z M N + i N + j] =). a: the A operand (W, or dOut for
    /// BackwardWeight); b: the tensor the B tile gathers from (in, or dOut for BackwardData).
    /// </summary>
    public static void TiledConvKernel(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        ArrayView<float> bias, ArrayView<float> scale, ArrayView<float> shift, TiledConvArgs t)
    {
        ArrayView<float> sa = SharedMemory.Allocate<float>(TileK * MaxTile);
        ArrayView<float> sb = SharedMemory.Allocate<float>(TileK * MaxTile);
        ArrayView<int> col0 = SharedMemory.Allocate<int>(MaxTile);
        ArrayView<int> col1 = SharedMemory.Allocate<int>(MaxTile);
        ArrayView<int> col2 = SharedMemory.Allocate<int>(MaxTile);
        Conv2dArgs g = t.Geometry;
        int tx = Group.IdxX, ty = Group.IdxY, gx = Group.DimX, gy = Group.DimY;
        int threads = gx * gy, tid = ty * gx + tx;
        int tileM = gy * Micro, tileN = gx * Micro;
        int i0 = Grid.IdxY * tileM, j0 = Grid.IdxX * tileN;
        int kBegin = Grid.IdxZ * t.KChunk, kEnd = Math.Min(t.K, kBegin + t.KChunk);

        DecodeColumns(t, j0, tileN, tid, threads, col0, col1, col2);
        Group.Barrier();

        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (int k0 = kBegin; k0 < kEnd; k0 += TileK)
        {
            for (int e = tid; e < tileM * TileK; e += threads)
            {
                int m = e / TileK, kk = e % TileK;
                int i = i0 + m, k = k0 + kk;
                sa[kk * MaxTile + m] = i < t.M && k < kEnd ? LoadA(a, t, i, k) : 0f;
            }
            for (int e = tid; e < tileN * TileK; e += threads)
            {
                int n = t.TileColumns.Rem(e), kk = t.TileColumns.Div(e);
                int k = k0 + kk;
                sb[kk * MaxTile + n] = j0 + n < t.N && k < kEnd ? LoadB(b, t, k, col0[n], col1[n], col2[n]) : 0f;
            }
            Group.Barrier();
            for (int kk = 0; kk < TileK; kk++)
            {
                int ra = kk * MaxTile + ty, rb = kk * MaxTile + tx;
                float a0 = sa[ra], a1 = sa[ra + gy], a2 = sa[ra + 2 * gy], a3 = sa[ra + 3 * gy];
                float b0 = sb[rb], b1 = sb[rb + gx], b2 = sb[rb + 2 * gx], b3 = sb[rb + 3 * gx];
                c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
                c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
                c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
                c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            }
            Group.Barrier();
        }

        StoreRow(c, bias, scale, shift, t, i0 + ty, tx, gx, j0, col0, col1, col2, c00, c01, c02, c03);
        StoreRow(c, bias, scale, shift, t, i0 + ty + gy, tx, gx, j0, col0, col1, col2, c10, c11, c12, c13);
        StoreRow(c, bias, scale, shift, t, i0 + ty + 2 * gy, tx, gx, j0, col0, col1, col2, c20, c21, c22, c23);
        StoreRow(c, bias, scale, shift, t, i0 + ty + 3 * gy, tx, gx, j0, col0, col1, col2, c30, c31, c32, c33);
    }

    /// <summary>Decodes the tile's columns once per group: (n, y, x) of the output or input plane, or (ci, ky, kx).</summary>
    private static void DecodeColumns(TiledConvArgs t, int j0, int tileN, int tid, int threads,
        ArrayView<int> col0, ArrayView<int> col1, ArrayView<int> col2)
    {
        for (int n = tid; n < tileN; n += threads)
        {
            int j = j0 + n;
            if (t.Op == (int)TiledConvOp.BackwardWeight)
            {
                int r = t.Taps.Rem(j);
                col0[n] = t.Taps.Div(j);
                col1[n] = t.KernelSide.Div(r);
                col2[n] = t.KernelSide.Rem(r);
            }
            else
            {
                int rest = t.ColumnW.Div(j);
                col2[n] = t.ColumnW.Rem(j);
                col1[n] = t.ColumnH.Rem(rest);
                col0[n] = t.ColumnH.Div(rest);
            }
        }
    }

    /// <summary>Register block side of <see cref="TiledConvLargeKernel"/>.</summary>
    public const int LargeMicro = 8;

    /// <summary>Largest tile side of the large kernel (16 x 16 threads x 8).</summary>
    public const int LargeMaxTile = 128;

    /// <summary>Largest K step of the large kernel (half of 16 threads).</summary>
    public const int LargeMaxTileK = 8;

    /// <summary>
    /// TiledConvLargeKernel: the same products as <see cref="TiledConvKernel"/> (same arguments, same
    /// results up to summation order), built for the big layers: a thread owns an 8 x 8 register block
    /// (rows ty + r DimY, columns tx + c DimX), so a group of 16 x 16 owns a 128 x 128 tile and does 4
    /// multiply-adds per shared-memory load instead of 2. K advances DimX / 2 at a time (8 on GPUs, 1 with
    /// the CPU accelerator's 2 x 2 groups), which makes every thread stage exactly 4 A and 4 B values per
    /// step. The shared tiles are double-buffered: the next step's values are fetched from global memory
    /// into registers before this step's multiply-adds and stored to the other buffer after them, so one
    /// barrier per step suffices and the global latency overlaps the arithmetic. Square groups with an even
    /// side only. Grid: (ceil(N / tileN), ceil(M / tileM), splits).
    /// </summary>
    public static void TiledConvLargeKernel(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        ArrayView<float> bias, ArrayView<float> scale, ArrayView<float> shift, TiledConvArgs t)
    {
        const int Buffer = LargeMaxTileK * LargeMaxTile;
        ArrayView<float> sa = SharedMemory.Allocate<float>(2 * Buffer);
        ArrayView<float> sb = SharedMemory.Allocate<float>(2 * Buffer);
        ArrayView<int> col0 = SharedMemory.Allocate<int>(LargeMaxTile);
        ArrayView<int> col1 = SharedMemory.Allocate<int>(LargeMaxTile);
        ArrayView<int> col2 = SharedMemory.Allocate<int>(LargeMaxTile);
        int tx = Group.IdxX, ty = Group.IdxY, gx = Group.DimX, gy = Group.DimY;
        int threads = gx * gy, tid = ty * gx + tx;
        int tileM = gy * LargeMicro, tileN = gx * LargeMicro, tk = gx / 2;
        int i0 = Grid.IdxY * tileM, j0 = Grid.IdxX * tileN;
        int kBegin = Grid.IdxZ * t.KChunk, kEnd = Math.Min(t.K, kBegin + t.KChunk);
        DecodeColumns(t, j0, tileN, tid, threads, col0, col1, col2);
        Group.Barrier();

        float pa0 = FetchA(a, t, i0, kBegin, kEnd, tid), pa1 = FetchA(a, t, i0, kBegin, kEnd, tid + threads);
        float pa2 = FetchA(a, t, i0, kBegin, kEnd, tid + 2 * threads), pa3 = FetchA(a, t, i0, kBegin, kEnd, tid + 3 * threads);
        float pb0 = FetchB(b, t, j0, kBegin, kEnd, tid, col0, col1, col2), pb1 = FetchB(b, t, j0, kBegin, kEnd, tid + threads, col0, col1, col2);
        float pb2 = FetchB(b, t, j0, kBegin, kEnd, tid + 2 * threads, col0, col1, col2), pb3 = FetchB(b, t, j0, kBegin, kEnd, tid + 3 * threads, col0, col1, col2);
        Put(sa, sb, 0, tid, threads, t, pa0, pa1, pa2, pa3, pb0, pb1, pb2, pb3);
        Group.Barrier();

        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c04 = 0, c05 = 0, c06 = 0, c07 = 0;
        float c10 = 0, c11 = 0, c12 = 0, c13 = 0, c14 = 0, c15 = 0, c16 = 0, c17 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c24 = 0, c25 = 0, c26 = 0, c27 = 0;
        float c30 = 0, c31 = 0, c32 = 0, c33 = 0, c34 = 0, c35 = 0, c36 = 0, c37 = 0;
        float c40 = 0, c41 = 0, c42 = 0, c43 = 0, c44 = 0, c45 = 0, c46 = 0, c47 = 0;
        float c50 = 0, c51 = 0, c52 = 0, c53 = 0, c54 = 0, c55 = 0, c56 = 0, c57 = 0;
        float c60 = 0, c61 = 0, c62 = 0, c63 = 0, c64 = 0, c65 = 0, c66 = 0, c67 = 0;
        float c70 = 0, c71 = 0, c72 = 0, c73 = 0, c74 = 0, c75 = 0, c76 = 0, c77 = 0;
        int buffer = 0;
        for (int k0 = kBegin; k0 < kEnd; k0 += tk)
        {
            bool more = k0 + tk < kEnd;
            if (more)
            {
                int next = k0 + tk;
                pa0 = FetchA(a, t, i0, next, kEnd, tid); pa1 = FetchA(a, t, i0, next, kEnd, tid + threads);
                pa2 = FetchA(a, t, i0, next, kEnd, tid + 2 * threads); pa3 = FetchA(a, t, i0, next, kEnd, tid + 3 * threads);
                pb0 = FetchB(b, t, j0, next, kEnd, tid, col0, col1, col2); pb1 = FetchB(b, t, j0, next, kEnd, tid + threads, col0, col1, col2);
                pb2 = FetchB(b, t, j0, next, kEnd, tid + 2 * threads, col0, col1, col2); pb3 = FetchB(b, t, j0, next, kEnd, tid + 3 * threads, col0, col1, col2);
            }
            for (int kk = 0; kk < tk; kk++)
            {
                int ra = buffer * Buffer + kk * LargeMaxTile + ty, rb = buffer * Buffer + kk * LargeMaxTile + tx;
                float a0 = sa[ra], a1 = sa[ra + 1 * gy], a2 = sa[ra + 2 * gy], a3 = sa[ra + 3 * gy], a4 = sa[ra + 4 * gy], a5 = sa[ra + 5 * gy], a6 = sa[ra + 6 * gy], a7 = sa[ra + 7 * gy];
                float b0 = sb[rb], b1 = sb[rb + 1 * gx], b2 = sb[rb + 2 * gx], b3 = sb[rb + 3 * gx], b4 = sb[rb + 4 * gx], b5 = sb[rb + 5 * gx], b6 = sb[rb + 6 * gx], b7 = sb[rb + 7 * gx];
                c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3; c04 += a0 * b4; c05 += a0 * b5; c06 += a0 * b6; c07 += a0 * b7;
                c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3; c14 += a1 * b4; c15 += a1 * b5; c16 += a1 * b6; c17 += a1 * b7;
                c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3; c24 += a2 * b4; c25 += a2 * b5; c26 += a2 * b6; c27 += a2 * b7;
                c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3; c34 += a3 * b4; c35 += a3 * b5; c36 += a3 * b6; c37 += a3 * b7;
                c40 += a4 * b0; c41 += a4 * b1; c42 += a4 * b2; c43 += a4 * b3; c44 += a4 * b4; c45 += a4 * b5; c46 += a4 * b6; c47 += a4 * b7;
                c50 += a5 * b0; c51 += a5 * b1; c52 += a5 * b2; c53 += a5 * b3; c54 += a5 * b4; c55 += a5 * b5; c56 += a5 * b6; c57 += a5 * b7;
                c60 += a6 * b0; c61 += a6 * b1; c62 += a6 * b2; c63 += a6 * b3; c64 += a6 * b4; c65 += a6 * b5; c66 += a6 * b6; c67 += a6 * b7;
                c70 += a7 * b0; c71 += a7 * b1; c72 += a7 * b2; c73 += a7 * b3; c74 += a7 * b4; c75 += a7 * b5; c76 += a7 * b6; c77 += a7 * b7;
            }
            if (more)
                Put(sa, sb, buffer ^ 1, tid, threads, t, pa0, pa1, pa2, pa3, pb0, pb1, pb2, pb3);
            Group.Barrier();
            buffer ^= 1;
        }

        StoreRow8(c, bias, scale, shift, t, i0 + ty + 0 * gy, tx, gx, j0, col0, col1, col2, c00, c01, c02, c03, c04, c05, c06, c07);
        StoreRow8(c, bias, scale, shift, t, i0 + ty + 1 * gy, tx, gx, j0, col0, col1, col2, c10, c11, c12, c13, c14, c15, c16, c17);
        StoreRow8(c, bias, scale, shift, t, i0 + ty + 2 * gy, tx, gx, j0, col0, col1, col2, c20, c21, c22, c23, c24, c25, c26, c27);
        StoreRow8(c, bias, scale, shift, t, i0 + ty + 3 * gy, tx, gx, j0, col0, col1, col2, c30, c31, c32, c33, c34, c35, c36, c37);
        StoreRow8(c, bias, scale, shift, t, i0 + ty + 4 * gy, tx, gx, j0, col0, col1, col2, c40, c41, c42, c43, c44, c45, c46, c47);
        StoreRow8(c, bias, scale, shift, t, i0 + ty + 5 * gy, tx, gx, j0, col0, col1, col2, c50, c51, c52, c53, c54, c55, c56, c57);
        StoreRow8(c, bias, scale, shift, t, i0 + ty + 6 * gy, tx, gx, j0, col0, col1, col2, c60, c61, c62, c63, c64, c65, c66, c67);
        StoreRow8(c, bias, scale, shift, t, i0 + ty + 7 * gy, tx, gx, j0, col0, col1, col2, c70, c71, c72, c73, c74, c75, c76, c77);
    }

    /// <summary>Element e of the A tile (K fastest: e = m tk + kk), or 0 outside C's rows or this split's K.</summary>
    private static float FetchA(ArrayView<float> a, TiledConvArgs t, int i0, int k0, int kEnd, int e)
    {
        int i = i0 + t.Step.Div(e), k = k0 + t.Step.Rem(e);
        return i < t.M && k < kEnd ? LoadA(a, t, i, k) : 0f;
    }

    /// <summary>Element e of the B tile (columns fastest: e = kk tileN + n), or 0 outside C's columns or this split's K.</summary>
    private static float FetchB(ArrayView<float> b, TiledConvArgs t, int j0, int k0, int kEnd, int e,
        ArrayView<int> col0, ArrayView<int> col1, ArrayView<int> col2)
    {
        int n = t.TileColumns.Rem(e), k = k0 + t.TileColumns.Div(e);
        return j0 + n < t.N && k < kEnd ? LoadB(b, t, k, col0[n], col1[n], col2[n]) : 0f;
    }

    /// <summary>Stores a thread's 4 staged A and 4 staged B values into shared buffer <paramref name="buffer"/> ([k][m] and [k][n]).</summary>
    private static void Put(ArrayView<float> sa, ArrayView<float> sb, int buffer, int tid, int threads, TiledConvArgs t,
        float a0, float a1, float a2, float a3, float b0, float b1, float b2, float b3)
    {
        int o = buffer * LargeMaxTileK * LargeMaxTile;
        int e0 = tid, e1 = tid + threads, e2 = tid + 2 * threads, e3 = tid + 3 * threads;
        FastDivisor step = t.Step, columns = t.TileColumns;
        sa[o + step.Rem(e0) * LargeMaxTile + step.Div(e0)] = a0;
        sa[o + step.Rem(e1) * LargeMaxTile + step.Div(e1)] = a1;
        sa[o + step.Rem(e2) * LargeMaxTile + step.Div(e2)] = a2;
        sa[o + step.Rem(e3) * LargeMaxTile + step.Div(e3)] = a3;
        sb[o + columns.Div(e0) * LargeMaxTile + columns.Rem(e0)] = b0;
        sb[o + columns.Div(e1) * LargeMaxTile + columns.Rem(e1)] = b1;
        sb[o + columns.Div(e2) * LargeMaxTile + columns.Rem(e2)] = b2;
        sb[o + columns.Div(e3) * LargeMaxTile + columns.Rem(e3)] = b3;
    }

    /// <summary>Row i of an 8-column register block: two 4-column stores, at tx + c gx and tx + (4 + c) gx.</summary>
    private static void StoreRow8(ArrayView<float> c, ArrayView<float> bias, ArrayView<float> scale, ArrayView<float> shift,
        TiledConvArgs t, int i, int tx, int gx, int j0, ArrayView<int> col0, ArrayView<int> col1, ArrayView<int> col2,
        float v0, float v1, float v2, float v3, float v4, float v5, float v6, float v7)
    {
        StoreRow(c, bias, scale, shift, t, i, tx, gx, j0, col0, col1, col2, v0, v1, v2, v3);
        StoreRow(c, bias, scale, shift, t, i, tx + 4 * gx, gx, j0, col0, col1, col2, v4, v5, v6, v7);
    }

    /// <summary>A[i, k]: W[i, k] (Forward), W[co, i, kk] with k = (co, kk) (BackwardData), dOut[n, i, p] with k = (n, p) (BackwardWeight).</summary>
    private static float LoadA(ArrayView<float> a, TiledConvArgs t, int i, int k)
    {
        Conv2dArgs g = t.Geometry;
        if (t.Op == (int)TiledConvOp.Forward)
            return a[i * t.K + k];
        if (t.Op == (int)TiledConvOp.BackwardData)
            return a[(t.Taps.Div(k) * g.InC + i) * t.Taps.Divisor + t.Taps.Rem(k)];
        return a[(t.OutPlane.Div(k) * g.OutC + i) * t.OutPlane.Divisor + t.OutPlane.Rem(k)];
    }

    /// <summary>B[k, j], j decoded as (d0, d1, d2): see the class header. Zero outside the padded image.</summary>
    private static float LoadB(ArrayView<float> b, TiledConvArgs t, int k, int d0, int d1, int d2)
    {
        Conv2dArgs g = t.Geometry;
        if (t.Op == (int)TiledConvOp.BackwardData)
        {
            // k = (co, ky, kx); j = (n, iy, ix): the dOut element this tap of the kernel sent to (iy, ix).
            int co = t.Taps.Div(k), r = t.Taps.Rem(k);
            int sy = d1 + g.Pad - t.KernelSide.Div(r) * g.Dilation, sx = d2 + g.Pad - t.KernelSide.Rem(r) * g.Dilation;
            if (sy < 0 || sx < 0)
                return 0f;
            int py = t.Stride.Div(sy), px = t.Stride.Div(sx);
            if (py * g.Stride != sy || px * g.Stride != sx)
                return 0f;
            return py < g.OutH && px < g.OutW ? b[((d0 * g.OutC + co) * g.OutH + py) * g.OutW + px] : 0f;
        }
        int n, ci, ky, kx, oy, ox;
        if (t.Op == (int)TiledConvOp.Forward)
        {
            // k = (ci, ky, kx); j = (n, oy, ox).
            int r = t.Taps.Rem(k);
            ci = t.Taps.Div(k); ky = t.KernelSide.Div(r); kx = t.KernelSide.Rem(r);
            n = d0; oy = d1; ox = d2;
        }
        else
        {
            // k = (n, oy, ox); j = (ci, ky, kx).
            int rest = t.OutW.Div(k);
            ox = t.OutW.Rem(k); oy = t.OutH.Rem(rest); n = t.OutH.Div(rest);
            ci = d0; ky = d1; kx = d2;
        }
        int iy = oy * g.Stride - g.Pad + ky * g.Dilation, ix = ox * g.Stride - g.Pad + kx * g.Dilation;
        return iy >= 0 && iy < g.InH && ix >= 0 && ix < g.InW ? b[((n * g.InC + ci) * g.InH + iy) * g.InW + ix] : 0f;
    }

    private static void StoreRow(ArrayView<float> c, ArrayView<float> bias, ArrayView<float> scale, ArrayView<float> shift,
        TiledConvArgs t, int i, int tx, int gx, int j0, ArrayView<int> col0, ArrayView<int> col1, ArrayView<int> col2,
        float v0, float v1, float v2, float v3)
    {
        if (i >= t.M)
            return;
        Store(c, bias, scale, shift, t, i, tx, j0, col0, col1, col2, v0);
        Store(c, bias, scale, shift, t, i, tx + gx, j0, col0, col1, col2, v1);
        Store(c, bias, scale, shift, t, i, tx + 2 * gx, j0, col0, col1, col2, v2);
        Store(c, bias, scale, shift, t, i, tx + 3 * gx, j0, col0, col1, col2, v3);
    }

    private static void Store(ArrayView<float> c, ArrayView<float> bias, ArrayView<float> scale, ArrayView<float> shift,
        TiledConvArgs t, int i, int n, int j0, ArrayView<int> col0, ArrayView<int> col1, ArrayView<int> col2, float sum)
    {
        int j = j0 + n;
        if (j >= t.N)
            return;
        Conv2dArgs g = t.Geometry;
        if (t.Op == (int)TiledConvOp.BackwardWeight)
        {
            if (t.Splits == 1)
                c[i * t.N + j] += sum;
            else
                c[(Grid.IdxZ * t.M + i) * t.N + j] = sum;
            return;
        }
        bool forward = t.Op == (int)TiledConvOp.Forward;
        int h = forward ? g.OutH : g.InH, w = forward ? g.OutW : g.InW;
        float v = g.HasBias != 0 ? sum + bias[i] : sum;
        c[((col0[n] * t.M + i) * h + col1[n]) * w + col2[n]] = Conv2dKernels.Epilogue(v, i, scale, shift, g.Epilogue);
    }

    /// <summary>
    /// SplitKReduceKernel: dW[e] += partials[0 M N + e] + partials[1 M N + e] + ... (splits in order, so the
    /// weight gradient is deterministic). partials [Channels = splits, Plane = M N], dW [M N].
    /// Thread: elements.
    /// </summary>
    public static void SplitKReduceKernel(ArrayView<float> partials, ArrayView<float> dWeight, Common.ChannelArgs a)
    {
        int total = a.Plane, run = a.RunLength;
        for (int start = Common.GridStride.First(run); start < total; start += Common.GridStride.Step(run))
            for (int e = start, end = Math.Min(start + run, total); e < end; e++)
            {
                float sum = 0f;
                for (int z = 0; z < a.Channels; z++)
                    sum += partials[z * total + e];
                dWeight[e] += sum;
            }
    }
}
