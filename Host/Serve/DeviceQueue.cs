using System.Diagnostics;

namespace ColorKernels.Host.Serve;

/// <summary>
/// One device shared by every request: jobs run one at a time, in arrival order, on the thread pool; at
/// most <c>capacity</c> wait behind the running one, and a job that would be one more is refused at once
/// (<see cref="DemoException"/> 503 with a Retry-After from the recent job times) rather than queued
/// without bound. A job still waiting when its request times out or is abandoned leaves the queue (504);
/// a job already on the device runs to the end (kernels cannot be stopped halfway).
/// </summary>
internal sealed class DeviceQueue
{
    private readonly SemaphoreSlim device = new(1, 1);
    private readonly int capacity;
    private readonly TimeSpan timeout;
    private int pending;
    private double averageSeconds = 0.5;

    public DeviceQueue(int capacity, TimeSpan timeout)
    {
        this.capacity = capacity;
        this.timeout = timeout;
    }

    /// <summary>Jobs running or waiting now.</summary>
    public int Pending => Volatile.Read(ref pending);

    /// <summary>How many may wait behind the running job.</summary>
    public int Capacity => capacity;

    public async Task<T> Run<T>(Func<T> job, CancellationToken aborted)
    {
        if (Interlocked.Increment(ref pending) > capacity + 1)
        {
            Interlocked.Decrement(ref pending);
            int retry = (int)Math.Clamp(Math.Ceiling(averageSeconds * (capacity + 1)), 1, 300);
            throw new DemoException(503, $"the device is busy: {capacity} requests are already waiting; try again in {retry} s") { RetryAfterSeconds = retry };
        }
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(aborted);
            limit.CancelAfter(timeout);
            try
            {
                await device.WaitAsync(limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
            {
                throw new DemoException(504, $"the request waited {timeout.TotalSeconds:0} s for the device and gave up (--timeout)");
            }
            try
            {
                var clock = Stopwatch.StartNew();
                T result = await Task.Run(job, CancellationToken.None).ConfigureAwait(false);
                averageSeconds = 0.8 * averageSeconds + 0.2 * clock.Elapsed.TotalSeconds;
                return result;
            }
            finally
            {
                device.Release();
            }
        }
        finally
        {
            Interlocked.Decrement(ref pending);
        }
    }
}
