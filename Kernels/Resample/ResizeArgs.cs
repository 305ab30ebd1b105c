namespace ColorKernels.Kernels.Resample;

/// <summary>
/// A bilinear resize of <see cref="Channels"/> channels from source [N, SrcC, InH, InW] (starting at
/// channel <see cref="SrcOffset"/>) into destination [N, DstC, OutH, OutW] (starting at
/// <see cref="DstOffset"/>), with dst = value * Scale + Shift. The channel offsets let one kernel pull
/// L out of a Lab tensor for the network and put upsampled ab back into one.
/// </summary>
public readonly struct ResizeArgs
{
    public ResizeArgs(int n, int channels, int srcC, int srcOffset, int inH, int inW, int dstC, int dstOffset,
        int outH, int outW, float scale, float shift, int runLength)
    {
        N = n; Channels = channels; SrcC = srcC; SrcOffset = srcOffset; InH = inH; InW = inW;
        DstC = dstC; DstOffset = dstOffset; OutH = outH; OutW = outW; Scale = scale; Shift = shift; RunLength = runLength;
    }

    public int N { get; }
    public int Channels { get; }
    public int SrcC { get; }
    public int SrcOffset { get; }
    public int InH { get; }
    public int InW { get; }
    public int DstC { get; }
    public int DstOffset { get; }
    public int OutH { get; }
    public int OutW { get; }
    public float Scale { get; }
    public float Shift { get; }
    public int RunLength { get; }

    public int OutputElements => N * Channels * OutH * OutW;
}
