using ILGPU.Runtime;

namespace ColorKernels.Engine.Launch;

/// <summary>
/// The kernels loaded on one accelerator: a table indexed by each <see cref="Kernel{TLaunch}"/>'s slot. A
/// kernel is compiled on first use (under a lock) and kept for the life of the device, so nothing
/// compiles inside an inference or training step; later loads are an array read.
/// </summary>
internal sealed class KernelSet
{
    private readonly Accelerator accelerator;
    private readonly object gate = new();
    private Delegate?[] loaded = new Delegate?[64];

    internal KernelSet(Accelerator accelerator) => this.accelerator = accelerator;

    /// <summary>The launcher of <paramref name="kernel"/> on this device, compiled the first time it is asked for.</summary>
    public TLaunch Load<TLaunch>(Kernel<TLaunch> kernel) where TLaunch : Delegate
    {
        Delegate?[] table = Volatile.Read(ref loaded);
        if (kernel.Slot < table.Length && table[kernel.Slot] is TLaunch hit)
            return hit;
        lock (gate)
        {
            if (kernel.Slot >= loaded.Length)
            {
                var grown = new Delegate?[Math.Max(loaded.Length * 2, kernel.Slot + 1)];
                loaded.CopyTo(grown, 0);
                Volatile.Write(ref loaded, grown);
            }
            return (TLaunch)(loaded[kernel.Slot] ??= accelerator.LoadKernel<TLaunch>(kernel.Method));
        }
    }
}
