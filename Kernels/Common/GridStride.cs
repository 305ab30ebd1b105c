using ILGPU;

namespace ColorKernels.Kernels.Common;

/// <summary>
/// Grid-stride indexing shared by the element-wise kernels. Every element-wise kernel is explicitly
/// grouped and walks its index space with a grid-wide stride, so one launch configuration (a few groups
/// per multiprocessor) covers any problem size. On the ILGPU CPU accelerator this keeps one group per
/// core busy instead of paying a thread hand-off per small group, which measured ~2.5x faster there.
/// </summary>
public static class GridStride
{
    /// <summary>First element this thread handles.</summary>
    public static int Start => Grid.GlobalIndex.X;

    /// <summary>Distance between two elements of the same thread: all threads of the grid.</summary>
    public static int Step => Grid.DimX * Group.DimX;
}
