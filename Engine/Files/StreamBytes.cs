namespace ColorKernels.Engine.Files;

/// <summary>Reading a whole stream into memory, but never more than a limit: a pipe that never ends is an error, not an outage.</summary>
internal static class StreamBytes
{
    /// <summary>
    /// Every byte of <paramref name="stream"/>; past <paramref name="limit"/> bytes it stops reading and throws
    /// what <paramref name="tooLarge"/> makes (at most one 64 KiB chunk beyond the limit is ever held).
    /// </summary>
    public static byte[] ReadAtMost(Stream stream, long limit, Func<Exception> tooLarge)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        var chunk = new byte[1 << 16];
        int n;
        while ((n = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + n > limit)
                throw tooLarge();
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

    /// <summary>As <see cref="ReadAtMost"/>, asynchronously (a request body).</summary>
    public static async Task<byte[]> ReadAtMostAsync(Stream stream, long limit, Func<Exception> tooLarge, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        var chunk = new byte[1 << 16];
        int n;
        while ((n = await stream.ReadAsync(chunk, cancel).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + n > limit)
                throw tooLarge();
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }
}
