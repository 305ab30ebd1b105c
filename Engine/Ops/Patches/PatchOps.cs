using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Launch;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Patches;
using ILGPU;
using ILGPU.Runtime;

namespace ColorKernels.Engine.Ops;

/// <summary>
/// The patch side of the SOM + MLP method (Kernels/Patches; reference PatchReference): L patches around
/// centre pixels into an MLP's input columns (its class scores are decoded by SoftmaxOps.PaletteDecode).
/// </summary>
internal static class PatchOps
{
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Ints, Floats, PatchArgs>> ExtractPatchesKernel = new(PatchKernels.ExtractPatchesKernel);

    /// <summary>
    /// patches [K K, Count] (a view: the context patch goes below the plain one) = the L samples of lab
    /// [1, 3, H, W] around each centre: pixels First.. in order when <see cref="PatchArgs.AllPixels"/> is 1,
    /// else read from <paramref name="centres"/>. The run length of <paramref name="a"/> is set here.
    /// </summary>
    public static void ExtractPatches(ComputeDevice d, Floats lab, Ints centres, Floats patches, PatchArgs a)
    {
        ElementLaunch l = d.Launcher.ForElements(a.Count);
        using (d.Launcher.Time(ExtractPatchesKernel, 0, 8.0 * a.K * a.K * a.Count))
            d.Kernels.Load(ExtractPatchesKernel)(d.Stream, l.Config, lab, centres, patches,
                new PatchArgs(a.Height, a.Width, a.K, a.Count, a.AllPixels, l.RunLength, a.First, a.Dilation));
    }
}
