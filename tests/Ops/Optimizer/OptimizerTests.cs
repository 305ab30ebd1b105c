using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Ops;

/// <summary>Adam and SGD over several steps against their formulas in double.</summary>
public class OptimizerTests
{
    public static IEnumerable<object[]> Devices => TestDevices.Accelerators;

    [Theory]
    [MemberData(nameof(Devices))]
    public void Adam_and_sgd_follow_their_formulas_over_several_steps(string deviceId)
    {
        // Reference in double over 3 steps; tolerance 1e-6 relative-ish on parameters of order 1.
        ComputeDevice device = TestDevices.Get(deviceId);
        const int Count = 37;
        float[] p0 = TestData.Uniform(Count, -1, 1, 81);
        float[][] grads = Enumerable.Range(0, 3).Select(i => TestData.Uniform(Count, -1, 1, 82 + i)).ToArray();
        const float Lr = 0.01f, B1 = 0.9f, B2 = 0.99f, Eps = 1e-8f, Wd = 1e-3f, Scale = 0.5f;

        using var p = device.Upload("p", new Shape(Count), p0);
        using var g = device.Allocate<float>("g", new Shape(Count));
        using var m = device.Upload("m", new Shape(Count), new float[Count]);
        using var v = device.Upload("v", new Shape(Count), new float[Count]);
        double[] rp = p0.Select(x => (double)x).ToArray(), rm = new double[Count], rv = new double[Count];
        for (int t = 1; t <= 3; t++)
        {
            g.Upload(grads[t - 1]);
            OptimizerOps.Adam(p, g, m, v, Lr, B1, B2, Eps, Wd, t, Scale);
            for (int i = 0; i < Count; i++)
            {
                double gi = Scale * grads[t - 1][i] + Wd * rp[i];
                rm[i] = B1 * rm[i] + (1 - B1) * gi;
                rv[i] = B2 * rv[i] + (1 - B2) * gi * gi;
                rp[i] -= Lr * (rm[i] / (1 - Math.Pow(B1, t))) / (Math.Sqrt(rv[i] / (1 - Math.Pow(B2, t))) + Eps);
            }
        }
        AssertClose.All(rp, p.Download(), 1e-5, 1e-5, "adam");

        using var q = device.Upload("q", new Shape(Count), p0);
        using var vel = device.Upload("velocity", new Shape(Count), new float[Count]);
        double[] rq = p0.Select(x => (double)x).ToArray(), rvel = new double[Count];
        for (int t = 0; t < 3; t++)
        {
            g.Upload(grads[t]);
            OptimizerOps.Sgd(q, g, vel, Lr, 0.9f, Wd, Scale);
            for (int i = 0; i < Count; i++)
            {
                rvel[i] = 0.9 * rvel[i] + Scale * grads[t][i] + Wd * rq[i];
                rq[i] -= Lr * rvel[i];
            }
        }
        AssertClose.All(rq, q.Download(), 1e-6, 1e-5, "sgd");
    }
}
