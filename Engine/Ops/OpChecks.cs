global using Bytes = ILGPU.ArrayView<byte>;
global using Floats = ILGPU.ArrayView<float>;
global using Ints = ILGPU.ArrayView<int>;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Tensors;

namespace ColorKernels.Engine.Ops;

/// <summary>
/// The argument checks every op makes before it launches: shapes (a wrong one is a programming error,
/// <see cref="ArgumentException"/>) and devices. Shared so that each op's messages read the same.
/// </summary>
internal static class OpChecks
{
    public static Shape Rank4(Tensor<float> t) =>
        t.Shape.Rank == 4 ? t.Shape : throw new ArgumentException($"tensor '{t.Name}' must be NCHW; it is {t.Shape}");

    public static void Expect<T>(Tensor<T> t, Shape expected) where T : unmanaged
    {
        if (!t.Shape.Equals(expected))
            throw new ArgumentException($"tensor '{t.Name}' is {t.Shape}; expected {expected}");
    }

    public static ComputeDevice SameDevice<TA, TB, TC>(Tensor<TA> a, Tensor<TB> b, Tensor<TC> c)
        where TA : unmanaged where TB : unmanaged where TC : unmanaged
    {
        if (!ReferenceEquals(a.Device, b.Device) || !ReferenceEquals(a.Device, c.Device))
            throw new ArgumentException($"tensors '{a.Name}', '{b.Name}', '{c.Name}' live on different devices");
        return a.Device;
    }

    public static void CheckTemperature(float temperature)
    {
        if (!(temperature > 0f) || float.IsInfinity(temperature))
            throw new UserErrorException($"temperature {temperature}: must be a positive number (0.38 is the paper's; near 0 gives the mode, 1 the mean)");
    }
}
