using System.Collections.Concurrent;
using ColorKernels.Engine.Imaging;

namespace ColorKernels.Engine.Training;

/// <summary>
/// One training batch: packed 8-bit RGB [N, crop, crop, 3], the sample cursor after it, what was skipped, and
/// (for the hint network) the simulated hints' squares [hints, 5] (image in the batch, x0, y0, side, side).
/// </summary>
internal sealed record PhotoBatch(byte[] Rgb, long NextCursor, IReadOnlyList<string> Skipped, int[] HintSquares);

/// <summary>
/// The training data pipeline's host half: a folder's photos (recursive, sorted), visited in an order
/// shuffled per epoch from the seed; each photo decoded on a background thread (bounded queue), resized to
/// resize x resize, randomly cropped to crop x crop and flipped half the time. Every random choice of
/// sample s derives from (seed, s) alone, so the stream from any cursor is reproducible: a run resumed at
/// cursor c sees exactly what an uninterrupted run saw from c on. Unreadable photos are skipped and
/// reported, never fatal.
/// </summary>
public sealed class PhotoBatches : IDisposable
{
    private readonly IReadOnlyList<string> files;
    private readonly int batch, resize, crop, seed;
    private readonly bool augment, hints;
    private readonly long maxPixels;
    private readonly BlockingCollection<PhotoBatch> queue = new(boundedCapacity: 3);
    private readonly CancellationTokenSource stop = new();
    private readonly Task producer;
    private volatile Exception? failure;

    internal PhotoBatches(IReadOnlyList<string> files, int batch, int resize, int crop, int seed, long cursor, bool augment,
        long maxPixels = ImageIO.DefaultMaxPixels, bool hints = false)
    {
        this.hints = hints;
        if (files.Count == 0)
            throw new UserErrorException("no photos to train on");
        if (crop > resize)
            throw new UserErrorException($"--crop {crop} is larger than --resize {resize}");
        this.files = files;
        this.batch = batch;
        this.resize = resize;
        this.crop = crop;
        this.seed = seed;
        this.augment = augment;
        this.maxPixels = maxPixels;
        producer = Task.Run(() => Produce(cursor));
    }

    /// <summary>Image files (by extension) below <paramref name="folder"/>, recursively, in ordinal order.</summary>
    public static IReadOnlyList<string> Scan(string folder)
    {
        if (!Directory.Exists(folder))
            throw new UserErrorException($"'{folder}': no such folder");
        List<string> found = Files.FileWalk.Files(folder, ImageIO.HasImageExtension);
        if (found.Count == 0)
            throw new UserErrorException($"'{folder}': no photos ({string.Join(", ", ImageIO.Extensions)}) in it or below it");
        return found;
    }

    /// <summary>The next batch (blocks while it is being decoded).</summary>
    internal PhotoBatch Next()
    {
        try
        {
            return queue.Take(stop.Token);
        }
        catch (InvalidOperationException)
        {
            // The producer stopped: its failure (set before it completed the queue) says why.
            throw failure ?? new InvalidOperationException("the photo pipeline has stopped");
        }
    }

    private void Produce(long cursor)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var rgb = new byte[batch * crop * crop * 3];
                var skipped = new List<string>();
                var squares = new List<int>();
                int filled = 0, failuresInARow = 0;
                while (filled < batch)
                {
                    long sample = cursor++;
                    string path = files[FileIndex(sample)];
                    try
                    {
                        byte[] image = ImageIO.LoadRgb8Resized(path, resize, resize, maxPixels);
                        var random = new Random(Mix(seed, sample, 0x5EED));
                        int x0 = augment ? random.Next(resize - crop + 1) : (resize - crop) / 2;
                        int y0 = augment ? random.Next(resize - crop + 1) : (resize - crop) / 2;
                        bool flip = augment && random.Next(2) == 1;
                        CopyCrop(image, rgb.AsSpan(filled * crop * crop * 3), x0, y0, flip);
                        if (hints)
                            foreach (var (x, y, side) in SimulatedHints(new Random(Mix(seed, sample, 0x41A7)), crop))
                                squares.AddRange(new[] { filled, x, y, side, side });
                        filled++;
                        failuresInARow = 0;
                    }
                    catch (UserErrorException e)
                    {
                        skipped.Add(e.Message);
                        if (++failuresInARow >= files.Count)
                            throw new UserErrorException($"none of the {files.Count} photos could be read (last: {e.Message})");
                    }
                }
                queue.Add(new PhotoBatch(rgb, cursor, skipped, squares.ToArray()), stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
        catch (Exception e)
        {
            failure = e;
        }
        finally
        {
            queue.CompleteAdding();
        }
    }

    /// <summary>The most simulated hints a sample gets (the geometric draw is cut there; it reaches 64 once in about 5,000 samples).</summary>
    internal const int MaxSimulatedHints = 64;

    /// <summary>
    /// The hint network's simulated hints for one sample (Zhang, Zhu et al. 2017, section 3.2): their number
    /// drawn from a geometric distribution of p = 1/8 counted from 0 (so one sample in eight has none, and 7
    /// is the mean), each a square of side 1 to 9 (uniform) at a uniformly random place inside the crop. The
    /// paper draws places from a Gaussian about the centre; uniform places match the measurement's hints.
    /// </summary>
    internal static IEnumerable<(int X, int Y, int Side)> SimulatedHints(Random random, int crop)
    {
        int count = 0;
        while (count < MaxSimulatedHints && random.NextDouble() >= 1.0 / 8)
            count++;
        for (int i = 0; i < count; i++)
        {
            int side = Math.Min(crop, random.Next(1, 10));
            yield return (random.Next(crop - side + 1), random.Next(crop - side + 1), side);
        }
    }

    /// <summary>The photo of sample <paramref name="sample"/>: epoch e visits the files in a permutation seeded by (seed, e).</summary>
    private int FileIndex(long sample)
    {
        long epoch = sample / files.Count;
        int position = (int)(sample % files.Count);
        if (!augment)
            return position;
        if (epoch != cachedEpoch)
        {
            var order = Enumerable.Range(0, files.Count).ToArray();
            new Random(Mix(seed, epoch, 0xE90C)).Shuffle(order);
            cachedOrder = order;
            cachedEpoch = epoch;
        }
        return cachedOrder![position];
    }

    /// <summary>A fixed mix of (seed, n, salt) into a Random seed (SplitMix64 finaliser): the same in every process, unlike HashCode.</summary>
    private static int Mix(int seed, long n, long salt)
    {
        ulong z = (ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)n * 0xBF58476D1CE4E5B9UL ^ (ulong)salt;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)((z ^ (z >> 31)) & 0x7FFFFFFF);
    }

    private long cachedEpoch = -1;
    private int[]? cachedOrder;

    private void CopyCrop(byte[] image, Span<byte> destination, int x0, int y0, bool flip)
    {
        for (int y = 0; y < crop; y++)
        {
            int source = ((y0 + y) * resize + x0) * 3;
            Span<byte> row = destination.Slice(y * crop * 3, crop * 3);
            if (!flip)
            {
                image.AsSpan(source, crop * 3).CopyTo(row);
                continue;
            }
            for (int x = 0; x < crop; x++)
            {
                int s = source + (crop - 1 - x) * 3;
                row[x * 3] = image[s];
                row[x * 3 + 1] = image[s + 1];
                row[x * 3 + 2] = image[s + 2];
            }
        }
    }

    /// <summary>Stops the background reader.</summary>
    public void Dispose()
    {
        stop.Cancel();
        producer.Wait(TimeSpan.FromSeconds(5));
        stop.Dispose();
    }
}
