using ColorKernels.Kernels.Common;
using ILGPU;

namespace ColorKernels.Kernels.Optimizer;

/// <summary>Hyper-parameters of one optimiser step, already including bias corrections and the gradient scale.</summary>
public readonly struct OptimizerArgs
{
    public OptimizerArgs(int count, float learningRate, float beta1, float beta2, float epsilon, float weightDecay,
        float biasCorrection1, float biasCorrection2, float gradScale, int runLength)
    {
        Count = count; LearningRate = learningRate; Beta1 = beta1; Beta2 = beta2; Epsilon = epsilon;
        WeightDecay = weightDecay; BiasCorrection1 = biasCorrection1; BiasCorrection2 = biasCorrection2;
        GradScale = gradScale; RunLength = runLength;
    }

    public int Count { get; }
    public float LearningRate { get; }

    /// <summary>Adam's beta1; SGD's momentum.</summary>
    public float Beta1 { get; }
    public float Beta2 { get; }
    public float Epsilon { get; }
    public float WeightDecay { get; }

    /// <summary>1 - beta1^t and 1 - beta2^t for step t (1-based).</summary>
    public float BiasCorrection1 { get; }
    public float BiasCorrection2 { get; }

    /// <summary>Multiplies the gradient first: 1, or max_norm / norm when clipping.</summary>
    public float GradScale { get; }
    public int RunLength { get; }
}

/// <summary>
/// Parameter updates. Weight decay is L2 added to the gradient (g + wd x param), as Caffe's solver that
/// the paper trained with does. Thread: parameters.
/// </summary>
public static class OptimizerKernels
{
    /// <summary>
    /// AdamKernel: g = s grad + wd p; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
    /// p -= lr (m / c1) / (sqrt(v / c2) + eps). All of p, grad, m, v [Count].
    /// </summary>
    public static void AdamKernel(ArrayView<float> param, ArrayView<float> grad, ArrayView<float> m, ArrayView<float> v, OptimizerArgs a)
    {
        int run = a.RunLength;
        for (int start = GridStride.First(run); start < a.Count; start += GridStride.Step(run))
            for (int i = start, end = Math.Min(start + run, a.Count); i < end; i++)
            {
                float g = a.GradScale * grad[i] + a.WeightDecay * param[i];
                float mi = a.Beta1 * m[i] + (1f - a.Beta1) * g;
                float vi = a.Beta2 * v[i] + (1f - a.Beta2) * g * g;
                m[i] = mi;
                v[i] = vi;
                param[i] -= a.LearningRate * (mi / a.BiasCorrection1) / (MathF.Sqrt(vi / a.BiasCorrection2) + a.Epsilon);
            }
    }

    /// <summary>SgdMomentumKernel: g = s grad + wd p; velocity = momentum velocity + g; p -= lr velocity (PyTorch's form).</summary>
    public static void SgdMomentumKernel(ArrayView<float> param, ArrayView<float> grad, ArrayView<float> velocity, OptimizerArgs a)
    {
        int run = a.RunLength;
        for (int start = GridStride.First(run); start < a.Count; start += GridStride.Step(run))
            for (int i = start, end = Math.Min(start + run, a.Count); i < end; i++)
            {
                float g = a.GradScale * grad[i] + a.WeightDecay * param[i];
                float vel = a.Beta1 * velocity[i] + g;
                velocity[i] = vel;
                param[i] -= a.LearningRate * vel;
            }
    }
}
