namespace ColorKernels.Kernels.Convolution;

/// <summary>Naive double-precision references for <see cref="Conv2dKernels"/> (same layouts, same argument struct).</summary>
public static class Conv2dReference
{
    public static double[] Forward(float[] input, float[] weight, float[]? bias, float[]? scale, float[]? shift, Conv2dArgs a)
    {
        var output = new double[a.OutputElements];
        int k = a.Kernel;
        for (int n = 0; n < a.N; n++)
            for (int co = 0; co < a.OutC; co++)
                for (int oy = 0; oy < a.OutH; oy++)
                    for (int ox = 0; ox < a.OutW; ox++)
                    {
                        double sum = bias?[co] ?? 0;
                        for (int ci = 0; ci < a.InC; ci++)
                            for (int ky = 0; ky < k; ky++)
                                for (int kx = 0; kx < k; kx++)
                                {
                                    int iy = oy * a.Stride - a.Pad + ky * a.Dilation;
                                    int ix = ox * a.Stride - a.Pad + kx * a.Dilation;
                                    if (iy >= 0 && iy < a.InH && ix >= 0 && ix < a.InW)
                                        sum += (double)input[((n * a.InC + ci) * a.InH + iy) * a.InW + ix] * weight[((co * a.InC + ci) * k + ky) * k + kx];
                                }
                        output[((n * a.OutC + co) * a.OutH + oy) * a.OutW + ox] = Epilogue(sum, co, scale, shift, a.Epilogue);
                    }
        return output;
    }

    /// <summary>Transposed convolution written as a scatter (the textbook definition), independent of the kernel's gather.</summary>
    public static double[] TransposedForward(float[] input, float[] weight, float[]? bias, float[]? scale, float[]? shift, Conv2dArgs a)
    {
        var sums = new double[a.OutputElements];
        int k = a.Kernel;
        for (int n = 0; n < a.N; n++)
            for (int ci = 0; ci < a.InC; ci++)
                for (int iy = 0; iy < a.InH; iy++)
                    for (int ix = 0; ix < a.InW; ix++)
                        for (int co = 0; co < a.OutC; co++)
                            for (int ky = 0; ky < k; ky++)
                                for (int kx = 0; kx < k; kx++)
                                {
                                    int oy = iy * a.Stride - a.Pad + ky, ox = ix * a.Stride - a.Pad + kx;
                                    if (oy >= 0 && oy < a.OutH && ox >= 0 && ox < a.OutW)
                                        sums[((n * a.OutC + co) * a.OutH + oy) * a.OutW + ox] +=
                                            (double)input[((n * a.InC + ci) * a.InH + iy) * a.InW + ix] * weight[((ci * a.OutC + co) * k + ky) * k + kx];
                                }
        int plane = a.OutH * a.OutW;
        for (int i = 0; i < sums.Length; i++)
        {
            int co = i / plane % a.OutC;
            sums[i] = Epilogue(sums[i] + (bias?[co] ?? 0), co, scale, shift, a.Epilogue);
        }
        return sums;
    }

    /// <summary>dIn = the gradient of sum(dOut * forward(in)) with respect to in (scatter form); transposed: of TransposedForward.</summary>
    public static double[] BackwardData(float[] dOut, float[] weight, Conv2dArgs a, bool transposed)
    {
        var dIn = new double[a.N * a.InC * a.InH * a.InW];
        ForEachTap(a, transposed, (i, o, w) => dIn[i] += (double)dOut[o] * weight[w]);
        return dIn;
    }

    /// <summary>dW = the gradient of sum(dOut * forward(in)) with respect to the weights (without the += of the kernels).</summary>
    public static double[] BackwardWeight(float[] input, float[] dOut, Conv2dArgs a, bool transposed)
    {
        var dW = new double[a.InC * a.OutC * a.Kernel * a.Kernel];
        ForEachTap(a, transposed, (i, o, w) => dW[w] += (double)input[i] * dOut[o]);
        return dW;
    }

    /// <summary>
    /// Every (input, output, weight) index triple one multiply of the convolution joins: forward conv
    /// out[n, co, oy, ox] += in[n, ci, oy S - P + ky D, ox S - P + kx D] w[co, ci, ky, kx]; transposed
    /// out[n, co, iy S - P + ky, ix S - P + kx] += in[n, ci, iy, ix] w[ci, co, ky, kx].
    /// </summary>
    private static void ForEachTap(Conv2dArgs a, bool transposed, Action<int, int, int> tap)
    {
        int k = a.Kernel;
        for (int n = 0; n < a.N; n++)
            for (int ci = 0; ci < a.InC; ci++)
                for (int co = 0; co < a.OutC; co++)
                    for (int ky = 0; ky < k; ky++)
                        for (int kx = 0; kx < k; kx++)
                        {
                            int w = transposed ? ((ci * a.OutC + co) * k + ky) * k + kx : ((co * a.InC + ci) * k + ky) * k + kx;
                            if (transposed)
                            {
                                for (int iy = 0; iy < a.InH; iy++)
                                    for (int ix = 0; ix < a.InW; ix++)
                                    {
                                        int oy = iy * a.Stride - a.Pad + ky, ox = ix * a.Stride - a.Pad + kx;
                                        if (oy >= 0 && oy < a.OutH && ox >= 0 && ox < a.OutW)
                                            tap(((n * a.InC + ci) * a.InH + iy) * a.InW + ix, ((n * a.OutC + co) * a.OutH + oy) * a.OutW + ox, w);
                                    }
                            }
                            else
                            {
                                for (int oy = 0; oy < a.OutH; oy++)
                                    for (int ox = 0; ox < a.OutW; ox++)
                                    {
                                        int iy = oy * a.Stride - a.Pad + ky * a.Dilation, ix = ox * a.Stride - a.Pad + kx * a.Dilation;
                                        if (iy >= 0 && iy < a.InH && ix >= 0 && ix < a.InW)
                                            tap(((n * a.InC + ci) * a.InH + iy) * a.InW + ix, ((n * a.OutC + co) * a.OutH + oy) * a.OutW + ox, w);
                                    }
                            }
                        }
    }

    private static double Epilogue(double sum, int channel, float[]? scale, float[]? shift, ConvEpilogue epilogue) => epilogue switch
    {
        ConvEpilogue.None => sum,
        ConvEpilogue.Relu => Math.Max(sum, 0),
        _ => Math.Max(sum, 0) * scale![channel] + shift![channel],
    };
}
