namespace ColorKernels.Kernels.Optimizer;

/// <summary>One optimiser step in double precision, in place on the state arrays (the definitions OptimizerKernels follow).</summary>
public static class OptimizerReference
{
    /// <summary>Adam with L2 weight decay added to the scaled gradient; t is the 1-based step.</summary>
    public static void Adam(double[] param, float[] grad, double[] m, double[] v, double lr, double beta1, double beta2,
        double eps, double weightDecay, int t, double gradScale)
    {
        for (int i = 0; i < param.Length; i++)
        {
            double g = gradScale * grad[i] + weightDecay * param[i];
            m[i] = beta1 * m[i] + (1 - beta1) * g;
            v[i] = beta2 * v[i] + (1 - beta2) * g * g;
            param[i] -= lr * (m[i] / (1 - Math.Pow(beta1, t))) / (Math.Sqrt(v[i] / (1 - Math.Pow(beta2, t))) + eps);
        }
    }

    /// <summary>SGD with momentum (PyTorch's form: velocity = momentum velocity + gradient; param -= lr velocity).</summary>
    public static void Sgd(double[] param, float[] grad, double[] velocity, double lr, double momentum, double weightDecay, double gradScale)
    {
        for (int i = 0; i < param.Length; i++)
        {
            velocity[i] = momentum * velocity[i] + gradScale * grad[i] + weightDecay * param[i];
            param[i] -= lr * velocity[i];
        }
    }
}
