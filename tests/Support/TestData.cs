namespace ColorKernels.Tests.Support;

/// <summary>Seeded random inputs: non-zero, reproducible.</summary>
public static class TestData
{
    /// <summary>A file of tests/Fixtures (copied beside the test assembly).</summary>
    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    /// <summary>A file of the repository (found by walking up from the test assembly to ColorKernels.sln).</summary>
    public static string RepositoryFile(params string[] parts)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ColorKernels.sln")))
            dir = dir.Parent;
        return Path.Combine(new[] { dir?.FullName ?? throw new InvalidOperationException("ColorKernels.sln not found above the test assembly") }.Concat(parts).ToArray());
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
}
