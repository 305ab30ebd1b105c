namespace ColorKernels.Kernels.Common;

/// <summary>
/// Shape of a per-channel or per-pixel operation on an NCHW tensor [N, C, H, W] with
/// <see cref="Plane"/> = H x W, plus the launcher's run length and one scalar parameter
/// (epsilon for batch norm, temperature for softmax).
/// </summary>
public readonly struct ChannelArgs
{
    public ChannelArgs(int n, int channels, int plane, float parameter, int runLength, int flags = 0)
    {
        N = n;
        Channels = channels;
        Plane = plane;
        Parameter = parameter;
        RunLength = runLength;
        Flags = flags;
    }

    public int N { get; }
    public int Channels { get; }
    public int Plane { get; }
    public float Parameter { get; }
    public int RunLength { get; }

    /// <summary>Operation-specific switches (batch norm: 1 = affine).</summary>
    public int Flags { get; }

    public int Elements => N * Channels * Plane;

    /// <summary>Pixels of the batch: the index space of a per-pixel (across-channel) operation.</summary>
    public int Pixels => N * Plane;
}
