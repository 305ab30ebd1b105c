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
        int kk2 = g.Kernel * g.Kernel;

        // Decode the tile's columns once: (n, y, x) of the output or input plane, or (ci, ky, kx).
        for (int n = tid; n < tileN; n += threads)
        {
            int j = j0 + n;
            if (t.Op == (int)TiledConvOp.BackwardWeight)
            {
                int r = j % kk2;
                col0[n] = j / kk2;
                col1[n] = r / g.Kernel;
                col2[n] = r % g.Kernel;
            }
            else
            {
                int w = t.Op == (int)TiledConvOp.Forward ? g.OutW : g.InW;
                int h = t.Op == (int)TiledConvOp.Forward ? g.OutH : g.InH;
                int rest = j / w;
                col2[n] = j % w;
                col1[n] = rest % h;
                col0[n] = rest / h;
            }
        }
        Group.Barrier();

        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (int k0 = kBegin; k0 < kEnd; k0 += TileK)
        {
            for (int e = tid; e < tileM * TileK; e += threads)
            {
                int m = e / TileK, kk = e % TileK;
                int i = i0 + m, k = k0 + kk;
                sa[kk * MaxTile + m] = i < t.M && k < kEnd ? LoadA(a, g, t, i, k, kk2) : 0f;
            }
            for (int e = tid; e < tileN * TileK; e += threads)
            {
                int n = e % tileN, kk = e / tileN;
                int k = k0 + kk;
                sb[kk * MaxTile + n] = j0 + n < t.N && k < kEnd ? LoadB(b, g, t, k, col0[n], col1[n], col2[n], kk2) : 0f;
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

    /// <summary>A[i, k]: W[i, k] (Forward), W[co, i, kk] with k = (co, kk) (BackwardData), dOut[n, i, p] with k = (n, p) (BackwardWeight).</summary>
    private static float LoadA(ArrayView<float> a, Conv2dArgs g, TiledConvArgs t, int i, int k, int kk2)
    {
        if (t.Op == (int)TiledConvOp.Forward)
            return a[i * t.K + k];
        if (t.Op == (int)TiledConvOp.BackwardData)
            return a[(k / kk2 * g.InC + i) * kk2 + k % kk2];
        int plane = g.OutH * g.OutW;
        return a[(k / plane * g.OutC + i) * plane + k % plane];
    }

    /// <summary>B[k, j], j decoded as (d0, d1, d2): see the class header. Zero outside the padded image.</summary>
    private static float LoadB(ArrayView<float> b, Conv2dArgs g, TiledConvArgs t, int k, int d0, int d1, int d2, int kk2)
    {
        if (t.Op == (int)TiledConvOp.BackwardData)
        {
            // k = (co, ky, kx); j = (n, iy, ix): the dOut element this tap of the kernel sent to (iy, ix).
            int co = k / kk2, r = k % kk2;
            int sy = d1 + g.Pad - r / g.Kernel * g.Dilation, sx = d2 + g.Pad - r % g.Kernel * g.Dilation;
            if (sy < 0 || sx < 0 || sy % g.Stride != 0 || sx % g.Stride != 0)
                return 0f;
            int py = sy / g.Stride, px = sx / g.Stride;
            return py < g.OutH && px < g.OutW ? b[((d0 * g.OutC + co) * g.OutH + py) * g.OutW + px] : 0f;
        }
        int n, ci, ky, kx, oy, ox;
        if (t.Op == (int)TiledConvOp.Forward)
        {
            // k = (ci, ky, kx); j = (n, oy, ox).
            int r = k % kk2;
            ci = k / kk2; ky = r / g.Kernel; kx = r % g.Kernel;
            n = d0; oy = d1; ox = d2;
        }
        else
        {
            // k = (n, oy, ox); j = (ci, ky, kx).
            int rest = k / g.OutW;
            ox = k % g.OutW; oy = rest % g.OutH; n = rest / g.OutH;
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
