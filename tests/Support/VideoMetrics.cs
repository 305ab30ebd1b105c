namespace ColorKernels.Tests.Support;

/// <summary>Measures of a coloured video's frames (packed 8-bit RGB), in CIELAB by the double-precision reference.</summary>
public static class VideoMetrics
{
    /// <summary>
    /// Flicker: the mean |delta ab| between consecutive frames over the pixels whose L changed by less than 1
    /// (where the picture is still, the colour should be too).
    /// </summary>
    public static double Flicker(IReadOnlyList<byte[]> frames)
    {
        double sum = 0;
        long count = 0;
        for (int f = 1; f < frames.Count; f++)
        {
            int pixels = frames[f].Length / 3;
            double[] a = ColorKernels.Kernels.Color.LabReference.SrgbBytesToLab(frames[f - 1], 1, pixels);
            double[] b = ColorKernels.Kernels.Color.LabReference.SrgbBytesToLab(frames[f], 1, pixels);
            for (int p = 0; p < pixels; p++)
                if (Math.Abs(a[p] - b[p]) < 1)
                {
                    sum += Math.Sqrt(Math.Pow(a[pixels + p] - b[pixels + p], 2) + Math.Pow(a[2 * pixels + p] - b[2 * pixels + p], 2));
                    count++;
                }
        }
        return count == 0 ? 0 : sum / count;
    }

    /// <summary>Every frame of a video as packed RGB [H, W, 3], decoded by ffmpeg (frames of <paramref name="width"/> x <paramref name="height"/>).</summary>
    public static List<byte[]> DecodeFrames(string path, int width, int height)
    {
        using var process = ColorKernels.Engine.Video.Ffmpeg.Start(ColorKernels.Engine.Video.Ffmpeg.FfmpegPath,
            new[] { "-v", "error", "-i", path, "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "-" }, redirectInput: false);
        Task<string> errors = process.StandardError.ReadToEndAsync();
        var frames = new List<byte[]>();
        while (ColorKernels.Engine.Video.VideoColorizer.ReadFrame(process.StandardOutput.BaseStream, width * height * 3) is { } frame)
            frames.Add(frame);
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"ffmpeg could not decode '{path}': {errors.Result}");
        return frames;
    }

    /// <summary>Runs ffmpeg quietly with <paramref name="arguments"/> (overwriting outputs); a failure throws with ffmpeg's message.</summary>
    public static void RunFfmpeg(params string[] arguments)
    {
        var (code, _, error) = ColorKernels.Engine.Video.Ffmpeg.Run(ColorKernels.Engine.Video.Ffmpeg.FfmpegPath, new[] { "-v", "error", "-y" }.Concat(arguments));
        if (code != 0)
            throw new InvalidOperationException($"ffmpeg {string.Join(' ', arguments)}: {ColorKernels.Engine.Video.Ffmpeg.LastLine(error)}");
    }

    /// <summary>The share of pixels of packed RGB whose red and blue differ by more than 8 levels (greyscale has none).</summary>
    public static double ColouredShare(byte[] rgb) =>
        (double)Enumerable.Range(0, rgb.Length / 3).Count(p => Math.Abs(rgb[3 * p] - rgb[3 * p + 2]) > 8) / (rgb.Length / 3);
}
