using ILGPU;

namespace ColorKernels.Kernels.Convolution;

/// <summary>
/// Matrix multiply, the engine of the lowered (im2col) convolutions. Register blocked without shared
/// memory or barriers (which the CPU accelerator runs very slowly): a thread owns a tile of 4 rows x 8
/// columns of C in 32 scalar accumulators and streams K, so each step of K loads 4 values of A and 8 of
/// B for 32 multiply-adds, against 2 loads per multiply-add in the direct convolution. Tiles are numbered
/// row-block fastest, so threads running together share the same strip of B.
/// </summary>
public static class GemmKernels
{
    public const int TileRows = 4, TileCols = 8;

    /// <summary>
    /// GemmKernel: C = (acc ? C : 0) + A B, then per row i: + bias[i] and the epilogue (ReLU, ReLU then
    /// scale[i], shift[i]); see <see cref="GemmArgs"/>. a [M x K], b [K x N], c [M x N] at their offsets.
    /// Thread: tiles.
    /// </summary>
    public static void GemmKernel(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        ArrayView<float> bias, ArrayView<float> scale, ArrayView<float> shift, GemmArgs g)
    {
        int rowBlocks = (g.M + TileRows - 1) / TileRows, tiles = g.Tiles;
        int threads = Grid.DimX * Group.DimX;
        for (int t = Grid.GlobalIndex.X; t < tiles; t += threads)
        {
            int i0 = t % rowBlocks * TileRows, j0 = t / rowBlocks * TileCols;
            if (i0 + TileRows <= g.M && j0 + TileCols <= g.N)
                FullTile(a, b, c, bias, scale, shift, g, i0, j0);
            else
                EdgeTile(a, b, c, bias, scale, shift, g, i0, j0);
        }
    }

    private static void FullTile(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        ArrayView<float> bias, ArrayView<float> scale, ArrayView<float> shift, GemmArgs g, int i0, int j0)
    {
        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c04 = 0, c05 = 0, c06 = 0, c07 = 0;
        float c10 = 0, c11 = 0, c12 = 0, c13 = 0, c14 = 0, c15 = 0, c16 = 0, c17 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c24 = 0, c25 = 0, c26 = 0, c27 = 0;
        float c30 = 0, c31 = 0, c32 = 0, c33 = 0, c34 = 0, c35 = 0, c36 = 0, c37 = 0;
        int a0 = g.AOffset + i0 * g.K, a1 = a0 + g.K, a2 = a1 + g.K, a3 = a2 + g.K;
        int bk = g.BOffset + j0;
        for (int k = 0; k < g.K; k++, bk += g.N)
        {
            float b0 = b[bk], b1 = b[bk + 1], b2 = b[bk + 2], b3 = b[bk + 3], b4 = b[bk + 4], b5 = b[bk + 5], b6 = b[bk + 6], b7 = b[bk + 7];
            float x = a[a0 + k];
            c00 += x * b0; c01 += x * b1; c02 += x * b2; c03 += x * b3; c04 += x * b4; c05 += x * b5; c06 += x * b6; c07 += x * b7;
            x = a[a1 + k];
            c10 += x * b0; c11 += x * b1; c12 += x * b2; c13 += x * b3; c14 += x * b4; c15 += x * b5; c16 += x * b6; c17 += x * b7;
            x = a[a2 + k];
            c20 += x * b0; c21 += x * b1; c22 += x * b2; c23 += x * b3; c24 += x * b4; c25 += x * b5; c26 += x * b6; c27 += x * b7;
            x = a[a3 + k];
            c30 += x * b0; c31 += x * b1; c32 += x * b2; c33 += x * b3; c34 += x * b4; c35 += x * b5; c36 += x * b6; c37 += x * b7;
        }
        StoreRow(c, bias, scale, shift, g, i0, j0, c00, c01, c02, c03, c04, c05, c06, c07);
        StoreRow(c, bias, scale, shift, g, i0 + 1, j0, c10, c11, c12, c13, c14, c15, c16, c17);
        StoreRow(c, bias, scale, shift, g, i0 + 2, j0, c20, c21, c22, c23, c24, c25, c26, c27);
        StoreRow(c, bias, scale, shift, g, i0 + 3, j0, c30, c31, c32, c33, c34, c35, c36, c37);
    }

    private static void StoreRow(ArrayView<float> c, ArrayView<float> bias, ArrayView<float> scale, ArrayView<float> shift,
        GemmArgs g, int i, int j0, float v0, float v1, float v2, float v3, float v4, float v5, float v6, float v7)
    {
        int o = g.COffset + i * g.N + j0;
        Store(c, bias, scale, shift, g, i, o, v0);
        Store(c, bias, scale, shift, g, i, o + 1, v1);
        Store(c, bias, scale, shift, g, i, o + 2, v2);
        Store(c, bias, scale, shift, g, i, o + 3, v3);
        Store(c, bias, scale, shift, g, i, o + 4, v4);
        Store(c, bias, scale, shift, g, i, o + 5, v5);
        Store(c, bias, scale, shift, g, i, o + 6, v6);
        Store(c, bias, scale, shift, g, i, o + 7, v7);
    }

    private static void Store(ArrayView<float> c, ArrayView<float> bias, ArrayView<float> scale, ArrayView<float> shift,
        GemmArgs g, int row, int index, float sum)
    {
        float v = (g.Accumulate != 0 ? c[index] : 0f) + sum + (g.RowBias != 0 ? bias[row] : 0f);
        if (g.Epilogue != ConvEpilogue.None)
        {
            v = v > 0f ? v : 0f;
            if (g.Epilogue == ConvEpilogue.ReluAffine)
                v = v * scale[row] + shift[row];
        }
        c[index] = v;
    }

    private static void EdgeTile(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        ArrayView<float> bias, ArrayView<float> scale, ArrayView<float> shift, GemmArgs g, int i0, int j0)
    {
        int rows = Math.Min(TileRows, g.M - i0), cols = Math.Min(TileCols, g.N - j0);
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < cols; j++)
            {
                float sum = 0f;
                int ai = g.AOffset + (i0 + r) * g.K, bj = g.BOffset + j0 + j;
                for (int k = 0; k < g.K; k++)
                    sum += a[ai + k] * b[bj + k * g.N];
                Store(c, bias, scale, shift, g, i0 + r, g.COffset + (i0 + r) * g.N + j0 + j, sum);
            }
    }
}
