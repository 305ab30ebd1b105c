using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Frames;
using ColorKernels.Engine.Models;

namespace ColorKernels.Engine.Video;

/// <summary>
/// Colours one video, or one folder of numbered frames, on its own: the library's way in to the frame
/// pipeline (<see cref="FramePipeline"/>) for a single film. A video goes frame by frame through ffmpeg
/// (<see cref="FrameJob.Video"/>); colours are kept steady across frames unless
/// <see cref="VideoOptions.Stabilize"/> is off.
/// </summary>
public static class VideoColorizer
{
    /// <summary>Colours <paramref name="input"/> into <paramref name="output"/> (container and codec by its extension: H.264 for mp4, mkv, mov and avi, VP9 for webm); a user error when it fails.</summary>
    public static FrameJobReport Colorize(IColorizer colorizer, string input, string output, VideoOptions? options = null,
        IProgress<int>? progress = null, CancellationToken cancel = default) =>
        new FramePipeline(colorizer).Run(FrameJob.Video(input, output, options), progress, cancel);

    /// <summary>
    /// Colours every frame of <paramref name="folder"/> into <paramref name="outputFolder"/> (same names) as one
    /// sequence; frames must share one size. Existing outputs are replaced only with <paramref name="overwrite"/>.
    /// </summary>
    public static FrameJobReport ColorizeFrameFolder(IColorizer colorizer, string folder, string outputFolder, bool overwrite,
        VideoOptions? options = null, IProgress<int>? progress = null, CancellationToken cancel = default) =>
        new FramePipeline(colorizer).Run(FrameJob.FrameFolder(folder, outputFolder, overwrite, options), progress, cancel);

    /// <summary>One frame of <paramref name="size"/> bytes, or null at the end of the stream (a cut-off last frame is dropped).</summary>
    internal static byte[]? ReadFrame(Stream stream, int size)
    {
        var frame = new byte[size];
        int read = 0;
        while (read < size)
        {
            int n = stream.Read(frame, read, size - read);
            if (n == 0)
                return null;
            read += n;
        }
        return frame;
    }

}
