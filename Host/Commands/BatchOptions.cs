using System.CommandLine;
using ColorKernels.Engine;
using ColorKernels.Engine.Imaging;

namespace ColorKernels.Host.Commands;

/// <summary>The options every picture-to-picture command shares (desaturate, colorize), and the runner they configure.</summary>
public sealed class BatchOptions
{
    public Argument<string[]> Inputs { get; } = new("inputs")
    {
        Description = "Image files, folders (searched recursively) or globs such as 'photos/**/*.jpg'",
        Arity = ArgumentArity.OneOrMore,
    };

    public Option<string> Output { get; } = new("--output", "-o")
    {
        Description = "Output file (one input file) or folder (mirrors the inputs' layout)",
        Required = true,
    };

    public Option<bool> Overwrite { get; } = new("--overwrite")
    {
        Description = "Replace outputs that already exist (they are skipped otherwise); inputs are never overwritten",
    };

    public Option<string?> Format { get; } = new("--format")
    {
        Description = "Output format for folder outputs: png, jpg, bmp, gif, tif or webp (default: the input's)",
    };

    public Option<double> MaxMegapixels { get; } = new("--max-megapixels")
    {
        Description = "Refuse pictures larger than this, read from the header before decoding",
        DefaultValueFactory = _ => ImageIO.DefaultMaxPixels / 1e6,
    };

    public Option<string?> Shard { get; } = new("--shard")
    {
        Description = "i/n: process only every n-th input starting at the i-th (0-based), to split a folder across GPUs or machines",
    };

    public void AddTo(Command command)
    {
        command.Arguments.Add(Inputs);
        foreach (Option option in new Option[] { Output, Overwrite, Format, MaxMegapixels, Shard })
            command.Options.Add(option);
    }

    public BatchRunner Runner(ParseResult result, string verb)
    {
        double megapixels = result.GetValue(MaxMegapixels);
        if (!(megapixels > 0))
            throw new UserErrorException($"--max-megapixels {megapixels}: must be above 0");
        return new BatchRunner
        {
            Verb = verb,
            Inputs = result.GetValue(Inputs)!,
            Output = result.GetValue(Output)!,
            Format = result.GetValue(Format),
            Overwrite = result.GetValue(Overwrite),
            MaxPixels = (long)(megapixels * 1e6),
            Shard = BatchRunner.ParseShard(result.GetValue(Shard)),
        };
    }
}
