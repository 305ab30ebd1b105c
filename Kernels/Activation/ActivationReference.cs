namespace ColorKernels.Kernels.Activation;

/// <summary>ReLU and tanh in double precision.</summary>
public static class ActivationReference
{
    public static double[] Relu(float[] x) => x.Select(v => Math.Max((double)v, 0)).ToArray();

    /// <summary>dx = dy where y &gt; 0, else 0 (y the ReLU's output).</summary>
    public static double[] ReluBackward(float[] y, float[] dy) => y.Select((v, i) => v > 0 ? (double)dy[i] : 0.0).ToArray();

    public static double[] Tanh(float[] x) => x.Select(v => Math.Tanh(v)).ToArray();

    /// <summary>dx = dy (1 - y^2), y the tanh's output.</summary>
    public static double[] TanhBackward(float[] y, float[] dy) => y.Select((v, i) => dy[i] * (1 - (double)v * v)).ToArray();
}
