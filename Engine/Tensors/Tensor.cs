using ColorKernels.Engine.Devices;
using ILGPU;
using ILGPU.Runtime;

namespace ColorKernels.Engine.Tensors;

/// <summary>
/// A named, shaped buffer on one device. It owns its memory (dispose it, ideally in a <c>using</c>), and
/// data crosses between host and device only through <see cref="Upload"/> and <see cref="Download()"/>.
/// The raw view is internal to the engine: host code outside it never touches device buffers.
/// </summary>
public sealed class Tensor<T> : IDisposable where T : unmanaged
{
    private MemoryBuffer1D<T, Stride1D.Dense>? buffer;

    internal Tensor(ComputeDevice device, string name, Shape shape, MemoryBuffer1D<T, Stride1D.Dense> buffer)
    {
        Device = device;
        Name = name;
        Shape = shape;
        this.buffer = buffer;
    }

    public ComputeDevice Device { get; }

    public string Name { get; }

    public Shape Shape { get; }

    public int Elements => Shape.Elements;

    internal ArrayView<T> View =>
        (buffer ?? throw new ObjectDisposedException($"tensor '{Name}'")).View.AsContiguous();

    /// <summary>Copies <paramref name="data"/> (exactly <see cref="Elements"/> values) to the device.</summary>
    public void Upload(ReadOnlySpan<T> data)
    {
        if (data.Length != Elements)
            throw new ArgumentException($"tensor '{Name}' {Shape} holds {Elements} values; {data.Length} given");
        View.SubView(0, Elements).CopyFromCPU(Device.Stream, data);
    }

    /// <summary>Waits for queued work and copies the tensor to a new host array.</summary>
    public T[] Download()
    {
        var data = new T[Elements];
        Download(data);
        return data;
    }

    /// <summary>Waits for queued work and copies the tensor into <paramref name="destination"/>.</summary>
    public void Download(Span<T> destination)
    {
        if (destination.Length != Elements)
            throw new ArgumentException($"tensor '{Name}' {Shape} holds {Elements} values; destination has {destination.Length}");
        Device.Stream.Synchronize();
        View.SubView(0, Elements).CopyToCPU(Device.Stream, destination);
        Device.Stream.Synchronize();
    }

    public override string ToString() => $"{Name} {Shape} {typeof(T).Name}";

    public void Dispose()
    {
        buffer?.Dispose();
        buffer = null;
    }
}
