using System.Reflection;
using ILGPU;
using ILGPU.Runtime;

namespace ColorKernels.Engine.Launch;

/// <summary>
/// One kernel of the Kernels project as the host launches it: the device method and the launcher type
/// ILGPU builds for it (the stream, the launch configuration, then the kernel's own parameters). Each op
/// declares its kernels once, as static fields beside the host code that launches them; every device
/// loads a kernel once, on first use (<see cref="KernelSet.Load{TLaunch}"/>).
/// </summary>
internal sealed class Kernel<TLaunch> where TLaunch : Delegate
{
    public Kernel(Delegate kernel)
    {
        Method = kernel.Method;
        Name = Method.Name;
        Slot = KernelSlots.Next();
        Type[] expected = new[] { typeof(AcceleratorStream), typeof(KernelConfig) }
            .Concat(Method.GetParameters().Select(p => p.ParameterType)).ToArray();
        Type[] declared = typeof(TLaunch).GetMethod("Invoke")!.GetParameters().Select(p => p.ParameterType).ToArray();
        if (!expected.SequenceEqual(declared))
            throw new InvalidOperationException($"kernel {Name}: its launcher must take ({string.Join(", ", expected.Select(t => t.Name))}), not ({string.Join(", ", declared.Select(t => t.Name))})");
    }

    /// <summary>The device method (a public static void *Kernel of the Kernels project).</summary>
    public MethodInfo Method { get; }

    /// <summary>The method's name: what the profiler, traces and the op-case coverage report call it.</summary>
    public string Name { get; }

    /// <summary>This kernel's index in every device's table of loaded kernels.</summary>
    internal int Slot { get; }

    public override string ToString() => Name;
}

internal static class KernelSlots
{
    private static int count;

    public static int Next() => Interlocked.Increment(ref count) - 1;
}
