namespace ColorKernels.Kernels.Common;

/// <summary>
/// Shape of a per-channel or per-pixel operation on an NCHW tensor [N, C, H, W] with
/// <see cref="Plane"/> = H x W, and the launcher's run length. Shape only: a family whose kernels take
/// settings has its own argument struct (BatchNormArgs, SoftmaxArgs, BufferArgs, EpilogueArgs).
/// </summary>
public readonly struct ChannelArgs
{
    public ChannelArgs(int n, int channels, int plane, int runLength)
    {
        N = n;
        Channels = channels;
        Plane = plane;
        RunLength = runLength;
    }

    public int N { get; }
    public int Channels { get; }
    public int Plane { get; }
    public int RunLength { get; }

    public int Elements => N * Channels * Plane;

    /// <summary>Pixels of the batch: the index space of a per-pixel (across-channel) operation.</summary>
    public int Pixels => N * Plane;
}
