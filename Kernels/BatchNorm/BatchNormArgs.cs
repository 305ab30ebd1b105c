namespace ColorKernels.Kernels.BatchNorm;

/// <summary>
/// A batch-norm launch over NCHW [N, C, H, W] (<see cref="Plane"/> = H x W): its shape, run length, epsilon,
/// whether gamma and beta apply (<see cref="Affine"/>), and the running statistics' momentum (training only).
/// </summary>
public readonly struct BatchNormArgs
{
    private readonly int affine;

    public BatchNormArgs(int n, int channels, int plane, int runLength, float eps, bool affine, float momentum = 0f)
    {
        N = n;
        Channels = channels;
        Plane = plane;
        RunLength = runLength;
        Eps = eps;
        this.affine = affine ? 1 : 0;
        Momentum = momentum;
    }

    public int N { get; }
    public int Channels { get; }
    public int Plane { get; }
    public int RunLength { get; }

    /// <summary>Added to the variance before its square root.</summary>
    public float Eps { get; }

    /// <summary>Whether y = xhat gamma + beta (else y = xhat; gamma taken as 1 in the backward pass).</summary>
    public bool Affine => affine != 0;

    /// <summary>The running statistics' update: running = (1 - m) running + m batch.</summary>
    public float Momentum { get; }

    public int Elements => N * Channels * Plane;
}
