using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Color;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Color;

namespace ColorKernels.Perf.Speed;

/// <summary>
/// sRGB8 -> Lab -> sRGB8 throughput in megapixels/s: the device kernels (data resident on the device, and
/// end to end with transfers) against plain C# Parallel.For loops over the same single-precision formulas
/// (<see cref="ColorMath"/>) and over the double-precision reference, in the same run. Every variant is
/// validated against the reference before it is timed.
/// </summary>
public static class LabBench
{
    public static void Run(ComputeDevice device, int width, int height, TextWriter log)
    {
        int pixels = width * height;
        var rgb = new byte[pixels * 3];
        new Random(1).NextBytes(rgb);
        var host = new byte[pixels * 3];
        var lab = new float[pixels * 3];

        void ParallelFloat()
        {
            Parallel.For(0, Environment.ProcessorCount, part =>
            {
                int from = (int)((long)pixels * part / Environment.ProcessorCount);
                int to = (int)((long)pixels * (part + 1) / Environment.ProcessorCount);
                for (int p = from; p < to; p++)
                {
                    ColorMath.SrgbToLab(rgb[p * 3] / 255f, rgb[p * 3 + 1] / 255f, rgb[p * 3 + 2] / 255f, out float l, out float a, out float b);
                    lab[p] = l;
                    lab[pixels + p] = a;
                    lab[2 * pixels + p] = b;
                }
                for (int p = from; p < to; p++)
                {
                    ColorMath.LabToSrgb(lab[p], lab[pixels + p], lab[2 * pixels + p], out float r, out float g, out float bb);
                    host[p * 3] = ColorMath.ToByte(r);
                    host[p * 3 + 1] = ColorMath.ToByte(g);
                    host[p * 3 + 2] = ColorMath.ToByte(bb);
                }
            });
        }

        void ParallelDouble()
        {
            Parallel.For(0, pixels, p =>
            {
                var (l, a, b) = LabReference.SrgbToLab(rgb[p * 3] / 255.0, rgb[p * 3 + 1] / 255.0, rgb[p * 3 + 2] / 255.0);
                var (r, g, bb) = LabReference.LabToSrgb(l, a, b);
                host[p * 3] = LabReference.ToByte(r);
                host[p * 3 + 1] = LabReference.ToByte(g);
                host[p * 3 + 2] = LabReference.ToByte(bb);
            });
        }

        using Tensor<byte> packed = device.Upload("rgb", new Shape(1, height, width, 3), rgb);
        using Tensor<float> labTensor = device.Allocate<float>("lab", Shape.Nchw(1, 3, height, width));
        using Tensor<byte> back = device.Allocate<byte>("rgb-back", new Shape(1, height, width, 3));
        var downloaded = new byte[pixels * 3];

        void DeviceResident()
        {
            LabOps.SrgbBytesToLab(packed, labTensor);
            LabOps.LabToSrgbBytes(labTensor, back);
            device.Synchronize();
        }

        void DeviceWithTransfers()
        {
            packed.Upload(rgb);
            LabOps.SrgbBytesToLab(packed, labTensor);
            LabOps.LabToSrgbBytes(labTensor, back);
            back.Download(downloaded);
        }

        // Validate: every variant must give back the input exactly (the round trip is exact for 8-bit sRGB).
        ParallelFloat();
        Check("Parallel.For float", host, rgb);
        ParallelDouble();
        Check("Parallel.For double", host, rgb);
        DeviceWithTransfers();
        Check("device kernels", downloaded, rgb);

        double mp = pixels / 1e6;
        double tFloat = Harness.MedianSeconds(ParallelFloat);
        double tDouble = Harness.MedianSeconds(ParallelDouble);
        double tResident = Harness.MedianSeconds(DeviceResident);
        double tTransfers = Harness.MedianSeconds(DeviceWithTransfers);

        log.WriteLine($"lab-roundtrip  {width}x{height} sRGB8 -> Lab -> sRGB8, device {device.Description}, {Environment.ProcessorCount} host cores");
        log.WriteLine($"  {"variant",-34} {"ms",9} {"MP/s",9} {"vs Parallel.For float",22}");
        foreach (var (name, t) in new[]
                 {
                     ("Parallel.For float (baseline)", tFloat), ("Parallel.For double reference", tDouble),
                     ("device kernels, data resident", tResident), ("device kernels + transfers", tTransfers),
                 })
            log.WriteLine($"  {name,-34} {t * 1e3,9:F2} {mp / t,9:F1} {tFloat / t,21:F2}x");
    }

    private static void Check(string variant, byte[] actual, byte[] expected)
    {
        if (!actual.AsSpan().SequenceEqual(expected))
            throw new InvalidOperationException($"{variant}: round trip is not exact; refusing to time a wrong result");
    }

    /// <summary>The full 2^24-colour round-trip sweep, timed: the long check of the foundation issue.</summary>
    public static void Sweep(ComputeDevice device, TextWriter log)
    {
        const int Count = 1 << 24, Side = 4096;
        var rgb = new byte[Count * 3];
        for (int c = 0; c < Count; c++)
        {
            rgb[c * 3] = (byte)(c >> 16);
            rgb[c * 3 + 1] = (byte)(c >> 8);
            rgb[c * 3 + 2] = (byte)c;
        }
        var start = System.Diagnostics.Stopwatch.StartNew();
        using Tensor<byte> packed = device.Upload("rgb", new Shape(1, Side, Side, 3), rgb);
        using Tensor<float> lab = device.Allocate<float>("lab", Shape.Nchw(1, 3, Side, Side));
        LabOps.SrgbBytesToLab(packed, lab);
        LabOps.LabToSrgbBytes(lab, packed);
        byte[] back = packed.Download();
        int wrong = 0;
        for (int i = 0; i < back.Length; i++)
            wrong += back[i] != rgb[i] ? 1 : 0;
        log.WriteLine($"lab-sweep  all 2^24 sRGB8 colours round trip on {device.Description}: {wrong} wrong channel values, {start.Elapsed.TotalSeconds:F2} s");
        if (wrong != 0)
            throw new InvalidOperationException("the 2^24-colour round trip is not exact");
    }
}
