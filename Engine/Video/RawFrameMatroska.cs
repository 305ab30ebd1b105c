using System.Buffers.Binary;
using System.Text;

namespace ColorKernels.Engine.Video;

/// <summary>
/// Writes raw RGB frames with their own timestamps as a Matroska stream, the encoder's input: ffmpeg's
/// rawvideo input can only give frames a constant rate, and a variable-frame-rate film must keep each
/// frame's time. The stream is the least Matroska ffmpeg reads: an EBML header, a segment of unknown size
/// (it is written to a pipe), one uncompressed RGB24 video track whose default duration is the nominal
/// frame duration (the last frame lasts that long), then a cluster per frame holding its timestamp and one
/// keyframe block. Timestamps are microseconds (TimestampScale 1000 ns): well under half a tick of any
/// stream time base in use, so the encoder's time base recovers the original ticks exactly.
/// <para>
/// ffmpeg's Matroska reader takes binary elements (a block) of at most 256 MiB, and an RGB24 frame over
/// about 89 MP is larger. Such frames are cut into horizontal bands, one track each (<see cref="Bands"/>),
/// all blocks of a frame in the frame's cluster at its time; the encoder stacks the tracks again
/// (<see cref="StackFilter"/>), so any frame the size limit lets through reaches it whole.
/// </para>
/// </summary>
internal sealed class RawFrameMatroska
{
    /// <summary>The most bytes a block's frame data may have: ffmpeg's limit on a binary element (256 MiB) less the block header.</summary>
    public const long MaxBlockBytes = (256L << 20) - 4;

    private readonly Stream output;
    private readonly int frameBytes;
    private readonly int[] bandRows;
    private long last = -1;

    /// <summary>Frames written so far.</summary>
    public int Written { get; private set; }

    /// <param name="output">The encoder's stdin.</param>
    /// <param name="width">Frame width.</param>
    /// <param name="height">Frame height.</param>
    /// <param name="frameMicroseconds">The nominal duration of a frame (1 / average frame rate).</param>
    /// <param name="maxBlockBytes">The most frame bytes one block carries (tests set it low to cut small frames).</param>
    public RawFrameMatroska(Stream output, int width, int height, long frameMicroseconds, long maxBlockBytes = MaxBlockBytes)
    {
        this.output = output;
        frameBytes = checked(width * height * 3);
        bandRows = Bands(width, height, maxBlockBytes);
        var header = new MemoryStream();
        Element(header, 0x1A45DFA3, Concat(
            Unsigned(0x4286, 1), Unsigned(0x42F7, 1), Unsigned(0x42F2, 4), Unsigned(0x42F3, 8),
            Bytes(0x4282, Encoding.ASCII.GetBytes("matroska")), Unsigned(0x4287, 4), Unsigned(0x4285, 2)));
        // Segment of unknown size: every byte after it belongs to it.
        header.Write(new byte[] { 0x18, 0x53, 0x80, 0x67, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF });
        byte[] app = Encoding.ASCII.GetBytes("colorkernels");
        Element(header, 0x1549A966, Concat(Unsigned(0x2AD7B1, 1000), Bytes(0x4D80, app), Bytes(0x5741, app)));
        var tracks = new List<byte[]>();
        for (int band = 0; band < bandRows.Length; band++)
        {
            byte[] video = Concat(Unsigned(0xB0, (ulong)width), Unsigned(0xBA, (ulong)bandRows[band]),
                Bytes(0x2EB524, new byte[] { (byte)'R', (byte)'G', (byte)'B', 24 }));
            ulong number = (ulong)band + 1;
            tracks.Add(Bytes(0xAE, Concat(Unsigned(0xD7, number), Unsigned(0x73C5, number), Unsigned(0x83, 1),
                Bytes(0x86, Encoding.ASCII.GetBytes("V_UNCOMPRESSED")), Unsigned(0x23E383, (ulong)Math.Max(1, frameMicroseconds) * 1000),
                Bytes(0xE0, video))));
        }
        Element(header, 0x1654AE6B, Concat(tracks.ToArray()));
        output.Write(header.GetBuffer(), 0, (int)header.Length);
    }

    /// <summary>
    /// Writes one frame at <paramref name="microseconds"/> from the first. Times must rise: one that does not
    /// (a broken file's timestamps) is moved to just after the previous frame, so no frame is lost.
    /// </summary>
    public void Write(byte[] rgb, long microseconds)
    {
        if (rgb.Length != frameBytes)
            throw new ArgumentException($"a frame is {frameBytes} bytes, not {rgb.Length}", nameof(rgb));
        long time = Math.Max(microseconds, last + 1);
        last = time;
        byte[] timestamp = Unsigned(0xE7, (ulong)time);
        var head = new MemoryStream();
        WriteId(head, 0x1F43B675);
        WriteSize(head, timestamp.Length + bandRows.Length * (IdLength(0xA3) + 8 + 4) + (long)rgb.Length);
        head.Write(timestamp);
        output.Write(head.GetBuffer(), 0, (int)head.Length);
        int rowBytes = frameBytes / bandRows.Sum(), offset = 0;
        for (int band = 0; band < bandRows.Length; band++)
        {
            // SimpleBlock: the band's track (a one-byte number, 0x80 | n), relative time 0, keyframe; then its rows.
            int bytes = bandRows[band] * rowBytes;
            head.SetLength(0);
            WriteId(head, 0xA3);
            WriteSize(head, 4 + bytes);
            head.Write(new byte[] { (byte)(0x80 | (band + 1)), 0, 0, 0x80 });
            output.Write(head.GetBuffer(), 0, (int)head.Length);
            output.Write(rgb, offset, bytes);
            offset += bytes;
        }
        Written++;
    }

    /// <summary>
    /// The rows of each band, top to bottom: as few bands as keep each under <paramref name="maxBlockBytes"/>,
    /// of near-equal heights (one for every frame up to about 89 MP). At most 126 bands (one-byte track numbers).
    /// </summary>
    public static int[] Bands(int width, int height, long maxBlockBytes = MaxBlockBytes)
    {
        long rowBytes = 3L * width;
        long rowsPerBand = Math.Max(1, maxBlockBytes / rowBytes);
        int count = (int)((height + rowsPerBand - 1) / rowsPerBand);
        if (rowBytes > maxBlockBytes || count > 126)
            throw new UserErrorException($"{width}x{height} frames are too large to pass to the encoder");
        return Enumerable.Range(0, count).Select(band => (int)((long)height * (band + 1) / count - (long)height * band / count)).ToArray();
    }

    /// <summary>
    /// The filter graph's head that stacks the bands of input <paramref name="input"/> back into frames (for
    /// <c>-filter_complex</c>), or null when frames pass as one band and no stacking is needed.
    /// </summary>
    public static string? StackFilter(int input, int bands) =>
        bands <= 1 ? null : string.Concat(Enumerable.Range(0, bands).Select(band => $"[{input}:v:{band}]")) + $"vstack=inputs={bands}";

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    private static byte[] Unsigned(uint id, ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        return Bytes(id, bytes);
    }

    private static byte[] Bytes(uint id, byte[] payload)
    {
        var element = new MemoryStream();
        Element(element, id, payload);
        return element.ToArray();
    }

    private static void Element(MemoryStream stream, uint id, byte[] payload)
    {
        WriteId(stream, id);
        WriteSize(stream, payload.Length);
        stream.Write(payload);
    }

    private static int IdLength(uint id) => id > 0xFFFFFF ? 4 : id > 0xFFFF ? 3 : id > 0xFF ? 2 : 1;

    /// <summary>An element ID is written as it is spelt (its length marker is part of it).</summary>
    private static void WriteId(MemoryStream stream, uint id)
    {
        for (int shift = (IdLength(id) - 1) * 8; shift >= 0; shift -= 8)
            stream.WriteByte((byte)(id >> shift));
    }

    /// <summary>Sizes always take 8 bytes (marker 0x01, then 56 bits): simple, and any frame fits.</summary>
    private static void WriteSize(MemoryStream stream, long size)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, size);
        bytes[0] = 0x01;
        stream.Write(bytes);
    }
}
