using System.Text.Json.Nodes;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Som;

namespace ColorKernels.Engine.Som;

/// <summary>How a map's codewords start: on random samples, or spread over the principal plane of the samples.</summary>
public enum SomInit
{
    /// <summary>Codewords start at random samples.</summary>
    RandomSamples,

    /// <summary>Codewords start evenly on the samples' principal plane.</summary>
    PrincipalPlane,
}

/// <summary>How a map learns: batch SOM (all samples per update) or online Kohonen (one sample at a time).</summary>
/// <summary>
/// How the map is trained: batch SOM, online Kohonen updates, or k-means (batch updates with no neighbourhood
/// at all: the reference point a map's quantisation error is judged against).
/// </summary>
public enum SomMode
{
    /// <summary>Batch SOM: every codeword moves to its neighbourhood's mean each epoch.</summary>
    Batch,

    /// <summary>Kohonen's sequential rule, sample by sample.</summary>
    Online,

    /// <summary>No neighbourhood: k-means, the reference point for quantisation error.</summary>
    KMeans,
}

/// <summary>Quality of a map on a set of samples: mean ab distance to the BMU, and the share of samples whose two nearest codewords are not grid neighbours.</summary>
public sealed record SomQuality(double QuantizationError, double TopographicError);

/// <summary>
/// A self-organising map of ab colours (the first stage of Richart, Visca, Baliosian 2017): GridW x GridH
/// codewords trained by batch SOM with a Gaussian neighbourhood whose radius shrinks over the epochs.
/// Stored as a model file of architecture "som": header grid_w, grid_h; tensor "codebook" [N, 2].
/// </summary>
internal sealed class SomMap
{
    public const string ArchitectureName = "som";

    public SomMap(int gridW, int gridH, float[] codebook)
    {
        if (gridW < 1 || gridH < 1 || codebook.Length != 2 * gridW * gridH)
            throw new ArgumentException($"a {gridW}x{gridH} map needs {2 * gridW * gridH} codebook values");
        GridW = gridW;
        GridH = gridH;
        Codebook = codebook;
    }

    public int GridW { get; }
    public int GridH { get; }
    public int Neurons => GridW * GridH;

    /// <summary>[Neurons, 2]: a and b of each codeword, row-major over the grid.</summary>
    public float[] Codebook { get; }

    /// <summary>
    /// Trains a map on ab samples ([2, S]: a row, then b row). Initialisation: the codewords are distinct
    /// random samples (seeded). Each epoch: BMUs of all samples (kernel), then the batch update (kernel), the
    /// radius falling geometrically from half the larger grid side to 0.1 at the last epoch.
    /// </summary>
    public static SomMap Fit(ComputeDevice device, float[] samples, int gridW, int gridH, int epochs, int seed, Action<int, SomQuality>? progress = null,
        SomInit init = SomInit.RandomSamples, SomMode mode = SomMode.Batch)
    {
        int count = samples.Length / 2, neurons = gridW * gridH;
        if (count < 1)
            throw new UserErrorException("no colour samples to train the map on");
        if (epochs < 1)
            throw new UserErrorException($"--epochs {epochs}: must be at least 1");
        var random = new Random(seed);
        float[] codebook = init == SomInit.PrincipalPlane ? PrincipalPlane(samples, gridW, gridH) : new float[2 * neurons];
        if (init == SomInit.RandomSamples)
        {
            int[] picks = Enumerable.Range(0, count).OrderBy(_ => random.Next()).Take(neurons).ToArray();
            for (int j = 0; j < neurons; j++)
            {
                int s = picks[j % picks.Length];
                codebook[2 * j] = samples[s];
                codebook[2 * j + 1] = samples[count + s];
            }
        }
        using Tensor<float> x = device.Upload("som_samples", new Shape(2, count), samples);
        using Tensor<float> book = device.Upload("codebook", new Shape(neurons, 2), codebook);
        using Tensor<int> bmu = device.Allocate<int>("bmu", new Shape(count));
        using Tensor<int> second = device.Allocate<int>("bmu_second", new Shape(count));
        using Tensor<float> distance = device.Allocate<float>("bmu_distance", new Shape(count));
        // The radius ends at 0.1 grid units, where a neighbour's pull is exp(-50): the last epochs are plain
        // k-means on the codewords the ordering phase laid out. (Ending at 0.5 left a 13% pull from each
        // neighbour, which drew a 2x2 map's codewords ~15 ab units inward from four clear clusters.)
        double finish = 0.1, start = mode == SomMode.KMeans ? finish : Math.Max(Math.Max(gridW, gridH) / 2.0, 0.5);
        for (int e = 0; e < epochs; e++)
        {
            double sigma = epochs == 1 ? finish : start * Math.Pow(finish / start, e / (double)(epochs - 1));
            var args = new SomArgs(count, gridW, gridH, (float)Math.Max(sigma, 1e-3), 1f, 1);
            if (mode == SomMode.Online)
            {
                // Learning rate 0.5 falling to 0.01 over the epochs, as the radius falls.
                float rate = (float)(0.5 * Math.Pow(0.01 / 0.5, epochs == 1 ? 1 : e / (double)(epochs - 1)));
                SomOps.Online(x, book, new SomArgs(count, gridW, gridH, args.Sigma, rate, 1));
            }
            else
            {
                SomOps.Bmu(x, book, bmu, second, distance, args);
                SomOps.BatchUpdate(x, bmu, book, new SomArgs(count, gridW, gridH, args.Sigma, 1f, 1));
            }
            if (progress is not null)
                progress(e + 1, Quality(device, x, book, bmu, second, distance, gridW, gridH));
        }
        return new SomMap(gridW, gridH, book.Download());
    }

    /// <summary>
    /// Codewords on the principal plane of the samples: mean + u sqrt(l1) e1 + v sqrt(l2) e2 with u, v evenly
    /// spaced in [-1, 1] along the grid's width and height (e1, l1 the covariance's leading eigenvector and
    /// eigenvalue). The samples are two-dimensional, so the plane is ab itself, oriented by their spread.
    /// </summary>
    private static float[] PrincipalPlane(float[] samples, int gridW, int gridH)
    {
        int count = samples.Length / 2;
        double ma = 0, mb = 0;
        for (int i = 0; i < count; i++)
        {
            ma += samples[i];
            mb += samples[count + i];
        }
        ma /= count;
        mb /= count;
        double caa = 0, cab = 0, cbb = 0;
        for (int i = 0; i < count; i++)
        {
            double da = samples[i] - ma, db = samples[count + i] - mb;
            caa += da * da;
            cab += da * db;
            cbb += db * db;
        }
        caa /= count;
        cab /= count;
        cbb /= count;
        double trace = caa + cbb, det = caa * cbb - cab * cab, gap = Math.Sqrt(Math.Max(0, trace * trace / 4 - det));
        double l1 = trace / 2 + gap, l2 = Math.Max(0, trace / 2 - gap);
        (double x, double y) e1 = Math.Abs(cab) > 1e-12 ? (l1 - cbb, cab) : (caa >= cbb ? (1.0, 0.0) : (0.0, 1.0));
        double norm = Math.Sqrt(e1.x * e1.x + e1.y * e1.y);
        e1 = (e1.x / norm, e1.y / norm);
        (double x, double y) e2 = (-e1.y, e1.x);
        var book = new float[2 * gridW * gridH];
        for (int j = 0; j < gridW * gridH; j++)
        {
            double u = gridW == 1 ? 0 : -1 + 2.0 * (j % gridW) / (gridW - 1), v = gridH == 1 ? 0 : -1 + 2.0 * (j / gridW) / (gridH - 1);
            book[2 * j] = (float)(ma + u * Math.Sqrt(l1) * e1.x + v * Math.Sqrt(l2) * e2.x);
            book[2 * j + 1] = (float)(mb + u * Math.Sqrt(l1) * e1.y + v * Math.Sqrt(l2) * e2.y);
        }
        return book;
    }

    /// <summary>Quantisation and topographic error of this map on ab samples [2, S].</summary>
    public SomQuality Evaluate(ComputeDevice device, float[] samples)
    {
        int count = samples.Length / 2;
        using Tensor<float> x = device.Upload("som_samples", new Shape(2, count), samples);
        using Tensor<float> book = device.Upload("codebook", new Shape(Neurons, 2), Codebook);
        using Tensor<int> bmu = device.Allocate<int>("bmu", new Shape(count));
        using Tensor<int> second = device.Allocate<int>("bmu_second", new Shape(count));
        using Tensor<float> distance = device.Allocate<float>("bmu_distance", new Shape(count));
        return Quality(device, x, book, bmu, second, distance, GridW, GridH);
    }

    private static SomQuality Quality(ComputeDevice device, Tensor<float> x, Tensor<float> book, Tensor<int> bmu, Tensor<int> second,
        Tensor<float> distance, int gridW, int gridH)
    {
        int count = x.Shape[1];
        SomOps.Bmu(x, book, bmu, second, distance, new SomArgs(count, gridW, gridH, 1f, 1f, 1));
        float[] d = distance.Download();   // epoch boundary: the per-sample distances are read back for the metrics
        int[] b = bmu.Download(), s = second.Download();
        double error = d.Sum(v => Math.Sqrt(v)) / count;
        int broken = 0;
        for (int i = 0; i < count; i++)
            if (s[i] >= 0 && Math.Abs(b[i] % gridW - s[i] % gridW) + Math.Abs(b[i] / gridW - s[i] / gridW) > 1)
                broken++;
        return new SomQuality(error, gridW * gridH == 1 ? 0 : (double)broken / count);
    }

    /// <summary>Replaces each pixel's ab by its nearest codeword's, keeping L (on the device).</summary>
    public ImageData Quantize(ComputeDevice device, ImageData image)
    {
        using Tensor<float> lab = device.Allocate<float>("lab", Shape.Nchw(1, 3, image.Height, image.Width));
        LabOps.ImageToLab(device, image, lab);
        using Tensor<float> book = device.Upload("codebook", new Shape(Neurons, 2), Codebook);
        SomOps.Quantize(lab, book, GridW, GridH);
        return LabOps.LabToImage(device, image, lab);
    }

    public ModelFile ToModelFile(SomQuality? quality = null)
    {
        var header = new JsonObject { ["architecture"] = ArchitectureName, ["grid_w"] = GridW, ["grid_h"] = GridH };
        if (quality is not null)
        {
            header["quantization_error"] = quality.QuantizationError;
            header["topographic_error"] = quality.TopographicError;
        }
        return new ModelFile(header, new[] { new StoredTensor("codebook", new[] { Neurons, 2 }, Codebook) });
    }

    public static SomMap FromModelFile(ModelFile file, string path)
    {
        if (file.Architecture != ArchitectureName)
            throw new UserErrorException($"'{path}': architecture '{file.Architecture}' is not a colour map ({ArchitectureName})");
        int w = (int)(file.Header["grid_w"]?.GetValue<double>() ?? 0), h = (int)(file.Header["grid_h"]?.GetValue<double>() ?? 0);
        StoredTensor? book = file.Tensors.FirstOrDefault(t => t.Name == "codebook");
        if (w < 1 || h < 1 || book is null || !book.Shape.SequenceEqual(new[] { w * h, 2 }))
            throw new UserErrorException($"'{path}': a som file needs grid_w, grid_h >= 1 and a codebook of [{w * h}, 2]");
        return new SomMap(w, h, book.Data);
    }

    /// <summary>Up to <paramref name="perPhoto"/> random ab pixels of each photo (Lab on the device), as [2, S].</summary>
    public static float[] SampleColours(ComputeDevice device, IReadOnlyList<string> files, int perPhoto, int seed, Action<string> skip) =>
        SampleColours(device, files, perPhoto, seed, skip, file => ImageIO.Load(file));

    /// <summary>As above, each photo read by <paramref name="load"/> (pictures already in memory).</summary>
    internal static float[] SampleColours(ComputeDevice device, IReadOnlyList<string> files, int perPhoto, int seed, Action<string> skip, Func<string, ImageData> load)
    {
        var random = new Random(seed);
        var a = new List<float>();
        var b = new List<float>();
        foreach (string file in files)
        {
            try
            {
                Sample(device, load(file), perPhoto, random, a, b);
            }
            catch (UserErrorException e)
            {
                skip(e.Message);
            }
        }
        return a.Concat(b).ToArray();
    }

    /// <summary>Up to <paramref name="count"/> random ab pixels of one picture (Lab on the device), as [2, S].</summary>
    public static float[] SampleColours(ComputeDevice device, ImageData image, int count, int seed)
    {
        var a = new List<float>();
        var b = new List<float>();
        Sample(device, image, count, new Random(seed), a, b);
        return a.Concat(b).ToArray();
    }

    private static void Sample(ComputeDevice device, ImageData image, int count, Random random, List<float> a, List<float> b)
    {
        using Tensor<float> lab = device.Allocate<float>("lab", Shape.Nchw(1, 3, image.Height, image.Width));
        LabOps.ImageToLab(device, image, lab);
        float[] values = lab.Download();
        for (int i = 0; i < Math.Min(count, image.Pixels); i++)
        {
            int p = random.Next(image.Pixels);
            a.Add(values[image.Pixels + p]);
            b.Add(values[2 * image.Pixels + p]);
        }
    }
}
