namespace ColorKernels.Kernels.Activation;

/// <summary>ReLU in double precision.</summary>
public static class ActivationReference
{
    public static double[] Relu(float[] x) => x.Select(v => Math.Max((double)v, 0)).ToArray();
}
