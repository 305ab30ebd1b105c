using ColorKernels.Engine.Imaging;

namespace ColorKernels.Host.Serve;

/// <summary>What <c>colorkernels serve</c> was asked for.</summary>
internal sealed record ServeOptions
{
    /// <summary>Model files to offer beside the built-in model (ECCV16 or SOM + MLP).</summary>
    public IReadOnlyList<string> Models { get; init; } = Array.Empty<string>();

    /// <summary>When set, every /api request must carry it (X-Api-Key header, or Authorization: Bearer).</summary>
    public string? ApiKey { get; init; }

    /// <summary>Requests that may wait for the device; one more gets 503 with Retry-After.</summary>
    public int QueueCapacity { get; init; } = 8;

    /// <summary>How long a request may wait for the device before it gets 504.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The largest upload accepted (413 beyond).</summary>
    public long MaxUploadBytes { get; init; } = 50L * 1024 * 1024;

    /// <summary>
    /// The largest picture accepted, read from its header before decoding: 16 MP by default, lower than the
    /// CLI's 100 (a server takes pictures from anyone; colouring one peaks at about 30 bytes a pixel,
    /// perf/NOTES.md, and kept pictures and queued requests hold theirs).
    /// </summary>
    public long MaxPixels { get; init; } = DefaultMaxPixels;

    /// <summary>serve's default --max-megapixels, in pixels.</summary>
    public const long DefaultMaxPixels = 16_000_000;

    /// <summary>Pictures kept for re-decoding, the distribution and the SOM view (oldest dropped first), by their pixels in all.</summary>
    public long KeptPixels { get; init; } = 64_000_000;

    /// <summary>Pictures kept at most, whatever their size (each also keeps its prediction: a few MB).</summary>
    public int KeptPictures { get; init; } = 64;
}
