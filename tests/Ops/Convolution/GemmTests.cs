using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Convolution;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Ops;

/// <summary>
/// The register-blocked GEMM directly, against a double-precision triple loop, over shapes with full and
/// partial 4 x 8 tiles, with offsets, accumulation, row bias and every epilogue. Tolerance 1e-4 abs + 1e-4
/// rel: float32 sums of up to 70 products of values in [-1, 1]. (im2col, col2im and the transpose are
/// checked through every convolution test, which runs this path on the CPU accelerator.)
/// </summary>
public class GemmTests
{
    private static readonly (int M, int N, int K)[] Shapes = { (1, 1, 1), (4, 8, 5), (5, 9, 3), (31, 33, 17), (8, 16, 70), (3, 2, 1), (13, 64, 9) };

    public static IEnumerable<object[]> Cases =>
        from d in TestDevices.All from i in Enumerable.Range(0, Shapes.Length) from epilogue in new[] { 0, 1, 2 }
        select new object[] { d[0], i, epilogue };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gemm_matches_reference(string deviceId, int shape, int epilogue)
    {
        var (m, n, k) = Shapes[shape];
        ComputeDevice device = TestDevices.Get(deviceId);
        const int AOff = 3, BOff = 5, COff = 7;
        float[] a = TestData.Uniform(AOff + m * k, -1, 1, 1), b = TestData.Uniform(BOff + k * n, -1, 1, 2);
        float[] c0 = TestData.Uniform(COff + m * n, -1, 1, 3);
        float[] bias = TestData.Uniform(m, -1, 1, 4), scale = TestData.Uniform(m, 0.5f, 2, 5), shift = TestData.Uniform(m, -1, 1, 6);
        foreach (bool accumulate in new[] { false, true })
        {
            using var ta = device.Upload("a", new Shape(a.Length), a);
            using var tb = device.Upload("b", new Shape(b.Length), b);
            using var tc = device.Upload("c", new Shape(c0.Length), c0);
            using var tbias = device.Upload("bias", new Shape(m), bias);
            using var tscale = device.Upload("scale", new Shape(m), scale);
            using var tshift = device.Upload("shift", new Shape(m), shift);
            GemmOps.Gemm(ta, tb, tc, new GemmArgs(m, n, k, AOff, BOff, COff, accumulate, true, (ConvEpilogue)epilogue), tbias, tscale, tshift);

            var expected = c0.Select(v => (double)v).ToArray();
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double sum = accumulate ? c0[COff + i * n + j] : 0;
                    for (int p = 0; p < k; p++)
                        sum += (double)a[AOff + i * k + p] * b[BOff + p * n + j];
                    sum += bias[i];
                    if (epilogue > 0)
                        sum = Math.Max(sum, 0);
                    if (epilogue == 2)
                        sum = sum * scale[i] + shift[i];
                    expected[COff + i * n + j] = sum;
                }
            AssertClose.All(expected, tc.Download(), 1e-4, 1e-4, $"{m}x{n}x{k} acc={accumulate} epilogue={epilogue}");
        }
    }
}
