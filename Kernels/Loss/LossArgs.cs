namespace ColorKernels.Kernels.Loss;

/// <summary>
/// Shapes for the bin kernels: N images of Plane = H x W pixels, Q bins, K soft-encoding neighbours,
/// Sigma (soft-encoding Gaussian, ab units), GradScale (multiplies every gradient, e.g. 1 / pixels).
/// </summary>
public readonly struct BinArgs
{
    public BinArgs(int n, int plane, int q, int k, float sigma, float gradScale, int runLength)
    {
        N = n; Plane = plane; Q = q; K = k; Sigma = sigma; GradScale = gradScale; RunLength = runLength;
    }

    public int N { get; }
    public int Plane { get; }
    public int Q { get; }
    public int K { get; }
    public float Sigma { get; }
    public float GradScale { get; }
    public int RunLength { get; }
    public int Pixels => N * Plane;
}
