using ColorKernels.Engine.Color;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;

namespace ColorKernels.Engine.Training;

/// <summary>The empirical ab-bin distribution of a set of colour photos: Lab on the device, a histogram kernel over every pixel.</summary>
internal static class PriorBuilder
{
    /// <summary>Counts every pixel of every readable photo into its nearest bin; unreadable photos go to <paramref name="skip"/>.</summary>
    public static long[] Count(ComputeDevice device, IEnumerable<string> files, Action<string> skip, Action? progress = null,
        long maxPixels = ImageIO.DefaultMaxPixels)
    {
        var centreData = BinCodebook.Planar();
        using Tensor<float> centres = device.Upload("centres", new Shape(2, BinCodebook.Count), centreData);
        using Tensor<int> counts = device.Upload("counts", new Shape(BinCodebook.Count), new int[BinCodebook.Count]);
        var totals = new long[BinCodebook.Count];
        long pending = 0;
        foreach (string file in files)
        {
            try
            {
                ImageData image = ImageIO.Load(file, maxPixels);
                using Tensor<float> lab = device.Allocate<float>("lab", Shape.Nchw(1, 3, image.Height, image.Width));
                LabOps.ImageToLab(device, image, lab);
                using Tensor<float> ab = device.Allocate<float>("ab", Shape.Nchw(1, 2, image.Height, image.Width));
                ResampleOps.ResizeBilinear(lab, 1, 2, ab, 0);   // same size: copies the a and b planes
                LossOps.BinHistogram(ab, centres, counts);
                pending += image.Pixels;
                if (pending > 1_000_000_000)
                    Drain();   // int counters: read back well before any bin could overflow
            }
            catch (UserErrorException e)
            {
                skip(e.Message);
            }
            progress?.Invoke();
        }
        Drain();
        return totals;

        void Drain()
        {
            int[] partial = counts.Download();
            for (int q = 0; q < partial.Length; q++)
                totals[q] += partial[q];
            counts.Upload(new int[BinCodebook.Count]);
            pending = 0;
        }
    }
}
