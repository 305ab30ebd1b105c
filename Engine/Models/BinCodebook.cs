using System.Globalization;

namespace ColorKernels.Engine.Models;

/// <summary>
/// The model's bin codebook: the 313 ab bin centres of Zhang et al. (resources/pts_in_hull.npy), in the order
/// of the network's outputs. Both network architectures predict over it; the rebalancing prior, the soft
/// encoding and the metrics' AuC use it too. (A person's colours are a <see cref="ColorPalette"/>, not this.)
/// </summary>
internal static class BinCodebook
{
    /// <summary>The number of bins.</summary>
    public const int Count = 313;

    /// <summary>The bin centres: [313, 2] (a, b).</summary>
    public static float[,] Centres { get; } = LoadCentres();

    /// <summary>The centres [313, 2], a and b interleaved (what the codebook decode takes).</summary>
    public static float[] Interleaved()
    {
        var values = new float[2 * Count];
        for (int q = 0; q < Count; q++)
            (values[2 * q], values[2 * q + 1]) = (Centres[q, 0], Centres[q, 1]);
        return values;
    }

    /// <summary>The centres as a [2, 313] matrix (a row, then b row): the layout the bin kernels read.</summary>
    public static float[] Planar()
    {
        var planar = new float[2 * Count];
        for (int q = 0; q < Count; q++)
        {
            planar[q] = Centres[q, 0];
            planar[Count + q] = Centres[q, 1];
        }
        return planar;
    }

    private static float[,] LoadCentres()
    {
        using Stream stream = typeof(BinCodebook).Assembly.GetManifestResourceStream("ColorKernels.Engine.Models.Data.pts_in_hull.csv")
            ?? throw new InvalidOperationException("embedded pts_in_hull.csv missing");
        using var reader = new StreamReader(stream);
        var centres = new float[Count, 2];
        reader.ReadLine();
        for (int q = 0; q < Count; q++)
        {
            string[] parts = reader.ReadLine()!.Split(',');
            if (int.Parse(parts[0], CultureInfo.InvariantCulture) != q)
                throw new InvalidOperationException("pts_in_hull.csv out of order");
            centres[q, 0] = float.Parse(parts[1], CultureInfo.InvariantCulture);
            centres[q, 1] = float.Parse(parts[2], CultureInfo.InvariantCulture);
        }
        return centres;
    }
}
