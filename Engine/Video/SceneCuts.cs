using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;

namespace ColorKernels.Engine.Video;

/// <summary>
/// Scene cuts in a sequence of input frames: a jump of the mean absolute grey difference between consecutive
/// frames (sampled on every fourth pixel: control logic, not picture work) above
/// <see cref="VideoOptions.CutThreshold"/>. A stabiliser carries nothing over a cut.
/// </summary>
internal sealed class SceneCuts(float threshold)
{
    private byte[]? last;

    /// <summary>Cuts seen so far (the first frame not counted).</summary>
    public int Count { get; private set; }

    /// <summary>Whether <paramref name="rgb"/> starts a scene: the first frame, or one after a cut.</summary>
    public bool Starts(byte[] rgb)
    {
        bool start = last is null || IsCut(last, rgb);
        if (start && last is not null)
            Count++;
        last = rgb;
        return start;
    }

    private bool IsCut(byte[] before, byte[] after)
    {
        long sum = 0, count = 0;
        for (int i = 0; i < before.Length; i += 12)
        {
            sum += Math.Abs(before[i] - after[i]);
            count++;
        }
        return sum > threshold * count;
    }
}
