namespace ColorKernels.Host.Serve;

/// <summary>An API error with its HTTP status: becomes {"error": message}.</summary>
internal sealed class DemoException : Exception
{
    public DemoException(int status, string message) : base(message) => Status = status;

    public int Status { get; }

    /// <summary>Sent as Retry-After (503).</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>Sent as Allow (405): the method the route takes.</summary>
    public string? Allow { get; init; }
}
