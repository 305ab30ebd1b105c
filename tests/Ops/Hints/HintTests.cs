using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Ops;

/// <summary>
/// What the propagation is for, beyond the op table's comparison with a direct solve (HintsCases): on a
/// picture of two flat regions split by a strong L edge, a hint colours its own region and stops at the
/// edge; hinted cells keep their hint exactly.
/// </summary>
public class HintTests
{
    public static IEnumerable<object[]> Devices => TestDevices.Accelerators;

    [Theory]
    [MemberData(nameof(Devices))]
    public void Hints_colour_their_own_regions_and_stop_at_a_strong_edge(string deviceId)
    {
        // 24 x 32 cells: L 30 left of column 16, 75 right of it (a little noise on both); a hint in each region:
        // (a, b) = (50, -20) on the left, (-30, 40) on the right. Plain interpolation (lambda 0), default affinity.
        ComputeDevice device = TestDevices.Get(deviceId);
        const int H = 24, W = 32, Cells = H * W;
        float[] noise = TestData.Uniform(Cells, -0.005f, 0.005f, 3);
        float[] y = Enumerable.Range(0, Cells).Select(i => (i % W < 16 ? 0.30f : 0.75f) + noise[i]).ToArray();
        var mask = new float[Cells];
        var x = new float[2 * Cells];
        int hint = 12 * W + 5;
        int other = 12 * W + 26;
        mask[hint] = mask[other] = 1;
        (x[hint], x[Cells + hint], x[other], x[Cells + other]) = (50, -20, -30, 40);
        using var ty = device.Upload("y", Shape.Nchw(1, 1, H, W), y);
        using var tm = device.Upload("mask", ty.Shape, mask);
        using var tx = device.Upload("x", Shape.Nchw(1, 2, H, W), x);
        HintPropagationOps.Propagate(ty, tm, tx, new PropagationSettings(Lambda: 0f, Iterations: 600));
        float[] result = tx.Download();

        Assert.Equal((50f, -20f, -30f, 40f), (result[hint], result[Cells + hint], result[other], result[Cells + other]));
        // Every cell two or more columns from the edge is within 10% of its own region's hint range (80 units of a, 60 of b).
        var worst = Enumerable.Range(0, Cells).Where(i => Math.Abs(i % W - 15.5) > 2).Select(i => i % W < 16
            ? Math.Max(Math.Abs(result[i] - 50) / 80, Math.Abs(result[Cells + i] + 20) / 60)
            : Math.Max(Math.Abs(result[i] + 30) / 80, Math.Abs(result[Cells + i] - 40) / 60)).Max();
        Console.WriteLine($"worst share of the other region's colour: {worst:P1}");
        Assert.True(worst < 0.10, $"a cell two columns from the edge took {worst:P1} of the other region's colour");
    }
}
