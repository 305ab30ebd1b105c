namespace ColorKernels.Tests.Support;

/// <summary>Seeded random inputs: non-zero, reproducible.</summary>
public static class TestData
{
    /// <summary>A file of tests/Fixtures (copied beside the test assembly).</summary>
    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    /// <summary>
    /// A file of the repository, found by walking up to ColorKernels.sln from the test assembly, else from
    /// COLORKERNELS_REPO (the GPU machine runs the published tests from /tmp, outside the repository's copy:
    /// perf/gpu/device-checks.sh sets it).
    /// </summary>
    public static string RepositoryFile(params string[] parts)
    {
        string root = Above(AppContext.BaseDirectory) ?? Above(Environment.GetEnvironmentVariable("COLORKERNELS_REPO") ?? "/")
            ?? throw new InvalidOperationException("ColorKernels.sln not found above the test assembly (or COLORKERNELS_REPO)");
        return Path.Combine(new[] { root }.Concat(parts).ToArray());
    }

    private static string? Above(string start)
    {
        var dir = new DirectoryInfo(start);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ColorKernels.sln")))
            dir = dir.Parent;
        return dir?.FullName;
    }

    public static byte[] Bytes(int count, int seed)
    {
        var data = new byte[count];
        new Random(seed).NextBytes(data);
        return data;
    }

    public static float[] Uniform(int count, float low, float high, int seed)
    {
        var random = new Random(seed);
        var data = new float[count];
        for (int i = 0; i < count; i++)
            data[i] = low + (float)random.NextDouble() * (high - low);
        return data;
    }

    public static T[] Filled<T>(int count, T value)
    {
        var data = new T[count];
        Array.Fill(data, value);
        return data;
    }

    /// <summary>Batch shapes (N, H, W) every per-pixel kernel is checked on: 1, 31, 32, 33, odd, non-square.</summary>
    public static IEnumerable<object[]> ImageShapes(IEnumerable<object[]> devices)
    {
        var shapes = new (int N, int H, int W)[] { (1, 1, 1), (1, 31, 31), (2, 32, 32), (1, 33, 33), (3, 17, 5), (2, 1, 33), (1, 64, 7) };
        foreach (object[] device in devices)
            foreach (var (n, h, w) in shapes)
                yield return new object[] { device[0], n, h, w };
    }

    /// <summary>Up to <paramref name="count"/> distinct coordinates of a vector of <paramref name="length"/>, always including the first and last (the coordinates a finite-difference check samples).</summary>
    public static int[] Sample(int length, int count, int seed)
    {
        var random = new Random(seed);
        var set = new SortedSet<int> { 0, length - 1 };
        while (set.Count < Math.Min(count, length))
            set.Add(random.Next(length));
        return set.ToArray();
    }

    /// <summary>(N, C, H, W) boundary shapes for per-channel and per-pixel ops: 1, 31, 32, 33, odd, non-square, and 313 channels.</summary>
    public static readonly (int N, int C, int H, int W)[] Nchw =
        { (1, 1, 1, 1), (1, 3, 31, 31), (2, 4, 32, 32), (1, 2, 33, 33), (3, 5, 17, 5), (1, 313, 7, 9) };

    /// <summary>Theory rows (device id, index into <see cref="Nchw"/>) for every device.</summary>
    public static IEnumerable<object[]> DeviceNchw(IEnumerable<object[]> devices) =>
        from d in devices from i in Enumerable.Range(0, Nchw.Length) select new object[] { d[0], i };

    /// <summary>
    /// Sparse soft targets as soft-encoding makes them: for each of n x plane pixels, k distinct bins of q
    /// (index [N, K, H, W]) with positive weights summing to 1 (weight [N, K, H, W]). Seeded.
    /// </summary>
    public static (int[] Index, float[] Weight) SoftTargets(int n, int q, int k, int plane, int seed)
    {
        var random = new Random(seed);
        int[] index = new int[n * k * plane];
        float[] weight = new float[index.Length];
        for (int b = 0; b < n; b++)
            for (int p = 0; p < plane; p++)
            {
                int[] bins = Enumerable.Range(0, q).OrderBy(_ => random.Next()).Take(k).ToArray();
                double[] raw = bins.Select(_ => random.NextDouble() + 0.1).ToArray();
                for (int j = 0; j < k; j++)
                {
                    index[(b * k + j) * plane + p] = bins[j];
                    weight[(b * k + j) * plane + p] = (float)(raw[j] / raw.Sum());
                }
            }
        return (index, weight);
    }

    /// <summary>A small colourful PNG: gradients in all three channels, varied by <paramref name="seed"/> (the demo's tests and its load check upload it).</summary>
    public static byte[] ColourfulPng(int w, int h, int seed = 0)
    {
        using var image = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                image[x, y] = new SixLabors.ImageSharp.PixelFormats.Rgb24((byte)(x * 250 / w), (byte)(200 - y * 150 / h + seed * 7), (byte)((x * y + seed * 31) % 256));
        using var stream = new MemoryStream();
        SixLabors.ImageSharp.ImageExtensions.SaveAsPng(image, stream);
        return stream.ToArray();
    }
}
