using ColorKernels.Engine.Devices;
using ILGPU;
using ILGPU.Runtime;

namespace ColorKernels.Engine.Tensors;

/// <summary>
/// A named, shaped buffer on one device. It owns its memory (dispose it, ideally in a <c>using</c>), and
/// data crosses between host and device only through <see cref="Upload"/> and <see cref="Download()"/>.
/// The raw view is internal to the engine: host code outside it never touches device buffers.
/// </summary>
internal sealed class Tensor<T> : IDisposable where T : unmanaged
{
    private MemoryBuffer1D<T, Stride1D.Dense>? buffer;
    private readonly Tensor<T>? viewOf;

    internal Tensor(ComputeDevice device, string name, Shape shape, MemoryBuffer1D<T, Stride1D.Dense> buffer)
    {
        Device = device;
        Name = name;
        Shape = shape;
        this.buffer = buffer;
    }

    private Tensor(Tensor<T> owner, string name, Shape shape)
    {
        Device = owner.Device;
        Name = name;
        Shape = shape;
        viewOf = owner;
    }

    /// <summary>
    /// The same memory under another shape with the same element count (e.g. [N, 2, H, W] seen as
    /// [1, 2N, H, W] so that one image's channels can be addressed). The view owns nothing: disposing it
    /// does nothing, and it is invalid once the owner is disposed.
    /// </summary>
    public Tensor<T> Reshape(Shape shape, string? name = null)
    {
        if (shape.Elements != Elements)
            throw new ArgumentException($"cannot view tensor '{Name}' {Shape} as {shape}: element counts differ");
        return new Tensor<T>(viewOf ?? this, name ?? Name, shape);
    }

    public ComputeDevice Device { get; }

    public string Name { get; }

    public Shape Shape { get; }

    public int Elements => Shape.Elements;

    internal ArrayView<T> View => viewOf is not null
        ? viewOf.View
        : (buffer ?? throw new ObjectDisposedException($"tensor '{Name}'")).View.AsContiguous();

    /// <summary>Elements [offset, offset + length) of the tensor's memory (e.g. the variance half of batch-norm statistics).</summary>
    internal ArrayView<T> Range(int offset, int length)
    {
        if (offset < 0 || length < 0 || offset + length > Elements)
            throw new ArgumentOutOfRangeException(nameof(offset), $"range {offset}+{length} outside tensor '{Name}' {Shape}");
        return View.SubView(offset, length);
    }

    /// <summary>Fills this tensor with <paramref name="source"/>'s elements from <paramref name="offset"/> on, on the device (queued on its stream).</summary>
    internal void CopyFrom(Tensor<T> source, int offset) => source.Range(offset, Elements).CopyTo(Device.Stream, View.SubView(0, Elements));

    /// <summary>Copies this tensor's elements into <paramref name="destination"/>'s from <paramref name="offset"/> on, on the device (queued on its stream).</summary>
    internal void CopyInto(Tensor<T> destination, int offset) => View.SubView(0, Elements).CopyTo(Device.Stream, destination.Range(offset, Elements));

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

    /// <summary>Waits for queued work and copies elements [offset, offset + destination.Length) into <paramref name="destination"/>.</summary>
    internal void Download(int offset, Span<T> destination)
    {
        ArrayView<T> range = Range(offset, destination.Length);
        Device.Stream.Synchronize();
        range.CopyToCPU(Device.Stream, destination);
        Device.Stream.Synchronize();
    }

    public override string ToString() => $"{Name} {Shape} {typeof(T).Name}";

    public void Dispose()
    {
        buffer?.Dispose();
        buffer = null;
    }
}
