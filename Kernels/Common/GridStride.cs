using ILGPU;

namespace ColorKernels.Kernels.Common;

/// <summary>
/// Index mapping shared by the element-wise kernels. Thread t of T handles runs of
/// <c>runLength</c> consecutive elements starting at t*run, (t+T)*run, ...:
/// <list type="bullet">
/// <item>on a GPU the launcher passes run = 1, which is the classic grid-stride loop (neighbouring
/// threads touch neighbouring elements, so loads and stores coalesce);</item>
/// <item>on the CPU accelerator it passes run = ceil(n / T), one contiguous block per OS thread, so no two
/// cores write the same cache line (interleaved writes measured ~2x slower there).</item>
/// </list>
/// Kernels write the loop as
/// <code>
/// for (int start = GridStride.First(run); start &lt; n; start += GridStride.Step(run))
///     for (int i = start, end = Math.Min(start + run, n); i &lt; end; i++) { ... }
/// </code>
/// </summary>
public static class GridStride
{
    /// <summary>First element of this thread's first run.</summary>
    public static int First(int runLength) => Grid.GlobalIndex.X * runLength;

    /// <summary>Distance from one of this thread's runs to its next: all threads of the grid, one run each.</summary>
    public static int Step(int runLength) => Grid.DimX * Group.DimX * runLength;
}
