namespace ColorKernels.Engine.Devices;

/// <summary>The kind of accelerator a user can ask for.</summary>
public enum DeviceKind
{
    /// <summary>An NVIDIA GPU through the CUDA driver.</summary>
    Cuda,

    /// <summary>An OpenCL 2.0 device.</summary>
    OpenCL,

    /// <summary>ILGPU's CPU accelerator (every machine has one).</summary>
    Cpu,
}

/// <summary>
/// A parsed <c>--device</c> value: <c>auto</c>, or a kind (<c>cuda</c>, <c>opencl</c>, <c>cpu</c>) with an
/// optional <c>:N</c> picking the N-th device of that kind (0-based, in the order <c>devices</c> lists).
/// </summary>
public readonly record struct DeviceSpec(DeviceKind? Kind, int? Index)
{
    /// <summary>The first usable CUDA device, else OpenCL, else the CPU accelerator.</summary>
    public static DeviceSpec Auto => new(null, null);

    /// <summary>Whether this is <see cref="Auto"/>.</summary>
    public bool IsAuto => Kind is null;

    /// <summary>Parses "auto", "cpu", "cuda", "cuda:1", "opencl:0"; anything else is a <see cref="UserErrorException"/>.</summary>
    public static DeviceSpec Parse(string text)
    {
        string value = text.Trim().ToLowerInvariant();
        if (value is "" or "auto")
            return Auto;
        string kindText = value;
        int? index = null;
        int colon = value.IndexOf(':');
        if (colon >= 0)
        {
            kindText = value[..colon];
            if (!int.TryParse(value[(colon + 1)..], out int n) || n < 0)
                throw new UserErrorException($"--device '{text}': the part after ':' must be a device number (0, 1, ...)");
            index = n;
        }
        DeviceKind kind = kindText switch
        {
            "cuda" => DeviceKind.Cuda,
            "opencl" or "cl" => DeviceKind.OpenCL,
            "cpu" => DeviceKind.Cpu,
            _ => throw new UserErrorException($"--device '{text}': expected auto, cuda, opencl or cpu, optionally with :N"),
        };
        return new DeviceSpec(kind, index);
    }

    /// <summary>The spec as <see cref="Parse"/> reads it.</summary>
    public override string ToString() =>
        Kind is null ? "auto" : Kind.Value.ToString().ToLowerInvariant() + (Index is null ? "" : ":" + Index);
}
