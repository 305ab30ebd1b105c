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

    public Option<double> MaxMetadataMegabytes { get; } = new("--max-metadata-mb")
    {
        Description = "Refuse pictures whose compressed metadata (PNG text and colour-profile chunks) inflates to more than this many MiB in all",
        DefaultValueFactory = _ => ImageIO.DefaultMaxMetadataBytes / (1024.0 * 1024.0),
    };

    public Option<string?> Shard { get; } = new("--shard")
    {
        Description = "i/n: process only every n-th input starting at the i-th (0-based), to split a folder across GPUs or machines",
    };

    /// <param name="inputsOptional">Inputs may be left out (colorize: --retry-failed gives them); the command checks.</param>
    public BatchOptions(bool inputsOptional = false)
    {
        if (inputsOptional)
            Inputs.Arity = ArgumentArity.ZeroOrMore;
        // System.CommandLine takes an unknown option for one more input; a real input that starts with '-'
        // exists (or is written ./-name), so anything else is a mistyped option, refused before any output.
        Inputs.Validators.Add(result =>
        {
            foreach (string value in result.Tokens.Select(t => t.Value))
                if (value.StartsWith('-') && !File.Exists(value) && !Directory.Exists(value))
                {
                    string? nearest = result.Parent is System.CommandLine.Parsing.CommandResult parent
                        ? ParseErrors.Nearest(value, parent.Command.Options.SelectMany(o => o.Aliases.Prepend(o.Name))) : null;
                    result.AddError($"unknown option '{value}'" + (nearest is not null ? $": did you mean '{nearest}'?" : $" (an input whose name starts with '-' must exist; write ./{value} for such a file)"));
                }
        });
        Output.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && string.IsNullOrWhiteSpace(result.Tokens[^1].Value))
                result.AddError("-o/--output: the output path is empty");
        });
    }

    public void AddTo(Command command)
    {
        command.Arguments.Add(Inputs);
        foreach (Option option in new Option[] { Output, Overwrite, Format, MaxMegapixels, MaxMetadataMegabytes, Shard })
            command.Options.Add(option);
    }

    public BatchRunner Runner(ParseResult result, string verb, IReadOnlyList<(string Input, string Output)>? retry = null)
    {
        double megapixels = result.GetValue(MaxMegapixels);
        if (!(megapixels > 0) || !double.IsFinite(megapixels))
            throw new UsageException($"--max-megapixels {megapixels}: must be above 0");
        double metadata = result.GetValue(MaxMetadataMegabytes);
        if (!(metadata >= 0) || !double.IsFinite(metadata))
            throw new UsageException($"--max-metadata-mb {metadata}: must be 0 or more");
        return new BatchRunner
        {
            Verb = verb,
            Inputs = result.GetValue(Inputs) ?? Array.Empty<string>(),
            Output = result.GetValue(Output)!,
            Format = result.GetValue(Format),
            Overwrite = result.GetValue(Overwrite),
            MaxPixels = (long)Math.Min(megapixels * 1e6, long.MaxValue / 2),
            MaxMetadataBytes = (long)Math.Min(metadata * 1024 * 1024, long.MaxValue / 2),
            Shard = UsageException.Of(() => BatchRunner.ParseShard(result.GetValue(Shard))),
            Retry = retry,
        };
    }
}
