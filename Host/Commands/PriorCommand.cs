using System.CommandLine;
using ColorKernels.Engine;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Training;

namespace ColorKernels.Host.Commands;

/// <summary><c>colorkernels prior DATA -o prior.csv</c>: the empirical ab-bin distribution of a folder of colour photos.</summary>
public static class PriorCommand
{
    public static Command Create()
    {
        var data = new Argument<string>("data") { Description = "Folder of colour photos (searched recursively)" };
        var output = new Option<string>("--output", "-o") { Description = "CSV to write: index,p,weight per bin", Required = true };
        var sigma = new Option<double>("--sigma") { Description = "Gaussian smoothing in ab units", DefaultValueFactory = _ => Rebalancing.DefaultSigma };
        var lambda = new Option<double>("--lambda") { Description = "Mixing with the uniform distribution for the weights", DefaultValueFactory = _ => Rebalancing.DefaultLambda };
        var command = new Command("prior", "Count every pixel of a folder of colour photos into the 313 ab bins (a histogram kernel), smooth, and write the prior and its rebalancing weights.")
        {
            data, output, sigma, lambda,
        };
        command.SetAction(result => Cli.Guard(() =>
        {
            double s = result.GetValue(sigma), l = result.GetValue(lambda);
            if (!(s > 0))
                throw new UsageException($"--sigma {s}: must be above 0");
            if (!(l >= 0 && l <= 1))
                throw new UsageException($"--lambda {l}: must be between 0 and 1");
            IReadOnlyList<string> files = PhotoBatches.Scan(result.GetValue(data)!);
            using ComputeDevice device = Cli.OpenDevice(result);
            int skipped = 0;
            long[] counts = PriorBuilder.Count(device, files, message =>
            {
                skipped++;
                Cli.Warning("skipped " + message);
            });
            double[] prior = Rebalancing.SmoothedDistribution(counts, s);
            string path = result.GetValue(output)!;
            Rebalancing.Write(path, prior, l);
            Console.Out.WriteLine($"prior: {files.Count - skipped} photos, {counts.Sum():N0} pixels, {counts.Count(c => c > 0)} of 313 bins seen; wrote {path}" +
                                  (skipped > 0 ? $" ({skipped} unreadable photos skipped)" : ""));
            return 0;
        }));
        return command;
    }
}
