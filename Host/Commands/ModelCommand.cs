using System.CommandLine;
using System.Globalization;
using ColorKernels.Engine;
using ColorKernels.Engine.Models;

namespace ColorKernels.Host.Commands;

/// <summary><c>colorkernels model init|info</c>: create and describe model files.</summary>
public static class ModelCommand
{
    public static Command Create()
    {
        var command = new Command("model", "Create and describe model files.");
        command.Subcommands.Add(Init());
        command.Subcommands.Add(Info());
        command.Subcommands.Add(Convert());
        return command;
    }

    private static Command Convert()
    {
        var input = new Argument<string>("file") { Description = "Model file to convert" };
        var output = new Option<string>("--output", "-o") { Description = "Model file to write", Required = true };
        var half = new Option<bool>("--float16") { Description = "Store every tensor as float16 (half the size); without it, float32" };
        var inputSize = new Option<int?>("--input-size") { Description = "Record the input size colorize should use by default (a multiple of 8)" };
        var temperature = new Option<float?>("--temperature") { Description = "Record the annealed-mean temperature colorize and eval use by default (eccv16 classification models)" };
        var command = new Command("convert", "Rewrite a model file with float16 or float32 storage (checked on read, written atomically).")
        {
            input, output, half, inputSize, temperature,
        };
        command.SetAction(result => Cli.Guard(() =>
        {
            string source = result.GetValue(input)!, target = result.GetValue(output)!;
            if (Path.GetFullPath(source) == Path.GetFullPath(target))
                throw new UserErrorException($"'{target}': refusing to overwrite the input; write elsewhere");
            ModelFile file = ModelFile.Read(source);
            TensorStorage storage = result.GetValue(half) ? TensorStorage.Float16 : TensorStorage.Float32;
            var header = (System.Text.Json.Nodes.JsonObject)file.Header.DeepClone();
            if (result.GetValue(inputSize) is { } size)
                header["input_size"] = UsageException.Of(() => NetworkInputSize.Check(size, "--input-size"));
            if (result.GetValue(temperature) is { } t)
            {
                if (header["temperature"] is null)
                    throw new UserErrorException($"'{source}' has no temperature (not an eccv16 classification model)");
                header["temperature"] = DecodeTemperature.Check(t);
            }
            var converted = new ModelFile(header, file.Tensors.Select(t => t with { Storage = storage }).ToList());
            converted.Write(target);
            Console.Out.WriteLine($"wrote {target}: {file.Tensors.Count} tensors as {storage.ToString().ToLowerInvariant()}, {new FileInfo(target).Length:N0} bytes");
            return 0;
        }));
        return command;
    }

    private static Option<string> Arch() => new("--arch")
    {
        Description = "Architecture: " + string.Join(" or ", NetworkArchitecture.All.Select(a => a.Name)),
        DefaultValueFactory = _ => Eccv16Architecture.ArchitectureName,
    };

    private static Option<double> Width() => new("--width")
    {
        Description = "Channel multiplier: 1 is the paper's network (32.2 M parameters); 0.25 has 1/16 of the multiply-adds",
        DefaultValueFactory = _ => 1.0,
    };

    /// <summary>The architecture --arch names, from the one list this build knows (<see cref="NetworkArchitecture.All"/>).</summary>
    private static NetworkArchitecture CheckArch(string arch) =>
        NetworkArchitecture.Find(arch) ?? throw new UsageException($"--arch '{arch}': unknown architecture (this build knows {NetworkArchitecture.KnownNames})");

    private static void CheckWidth(double width)
    {
        if (!(width > 0) || width > 16)
            throw new UsageException($"--width {width}: must be above 0 and at most 16");
    }

    private static Command Init()
    {
        Option<string> arch = Arch();
        Option<double> width = Width();
        var seed = new Option<int>("--seed") { Description = "Random seed: the same seed gives the same file", DefaultValueFactory = _ => 0 };
        var output = new Option<string>("--output", "-o") { Description = "Model file to write (.ckm)", Required = true };
        var half = new Option<bool>("--float16") { Description = "Store tensors as float16 (half the size)" };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace the output file if it exists" };
        var head = new Option<string>("--head") { Description = "classification (313 bins, the paper's) or regression (2 channels, the L2 baseline)", DefaultValueFactory = _ => "classification" };
        var command = new Command("init", "Write a randomly initialised model (He init) for experiments and for training to start from.")
        {
            arch, width, seed, output, half, overwrite, head,
        };
        command.SetAction(result => Cli.Guard(() =>
        {
            NetworkArchitecture architecture = CheckArch(result.GetValue(arch)!);
            double w = result.GetValue(width);
            CheckWidth(w);
            string path = result.GetValue(output)!;
            if (File.Exists(path) && !result.GetValue(overwrite))
                throw new UserErrorException($"'{path}' exists; add --overwrite to replace it");
            string h = result.GetValue(head)!;
            if (h is not ("classification" or "regression"))
                throw new UsageException($"--head '{h}': expected classification or regression");
            if (h == "regression" && !architecture.HeadNames.Contains(h))
                throw new UsageException($"--head regression: the {architecture.Name} architecture's head is {string.Join(" or ", architecture.HeadNames)}");
            var config = new NetworkConfig(architecture, w, Regression: h == "regression");
            ModelFile file = NetworkInit.Create(config, result.GetValue(seed), result.GetValue(half) ? TensorStorage.Float16 : TensorStorage.Float32);
            file.Write(path);
            Console.Out.WriteLine($"wrote {path}: {architecture.Name} width {w.ToString(CultureInfo.InvariantCulture)}, " +
                                  $"{config.Head} head, {architecture.ParameterCount(config):N0} parameters, {new FileInfo(path).Length:N0} bytes");
            return 0;
        }));
        return command;
    }

    private static Command Info()
    {
        var file = new Argument<string?>("file") { Description = "A model file to describe, or 'default' for the built-in model (or give --arch and --width)", Arity = ArgumentArity.ZeroOrOne };
        Option<string> arch = Arch();
        Option<double> width = Width();
        var size = new Option<int>("--size") { Description = "Input size for the multiply-add count", DefaultValueFactory = _ => 256 };
        var command = new Command("info", "Describe a model file, or an architecture at a width: parameters, tensors, multiply-adds.")
        {
            file, arch, width, size,
        };
        command.SetAction(result => Cli.Guard(() =>
        {
            string? path = result.GetValue(file);
            int s = result.GetValue(size);
            UsageException.Of(() => NetworkInputSize.Check(s));
            Console.Out.Write(path is null
                ? Describe(ArchitectureOnly(result.GetValue(arch)!, result.GetValue(width)), s)
                : Describe(ModelFile.Open(path), s, ModelFile.DisplayName(path), path is ModelFile.DefaultName or ModelFile.HintsName ? null : path));
            return 0;
        }));
        return command;
    }

    private static NetworkConfig ArchitectureOnly(string arch, double width)
    {
        NetworkArchitecture architecture = CheckArch(arch);
        CheckWidth(width);
        return new NetworkConfig(architecture, width);
    }

    internal static string Describe(NetworkConfig config, int size, ModelFile? file = null, string? name = null, string? path = null)
    {
        var text = new System.Text.StringBuilder();
        double w = config.Width;
        var inv = CultureInfo.InvariantCulture;
        if (name is not null)
            text.AppendLine(FileLine(name, path));
        text.AppendLine($"architecture  {config.Architecture.Summary(config)}");
        text.AppendLine($"channels      {config.Architecture.ChannelSummary(config)}");
        text.AppendLine($"parameters    {config.Architecture.ParameterCount(config):N0}");
        long macs = config.Architecture.MultiplyAdds(config, size, size);
        text.AppendLine($"multiply-adds {macs:N0} per {size}x{size} image ({macs * 2 / 1e9:0.##} GFLOP)");
        text.AppendLine(config.Architecture.OutputsAb(config)
            ? $"decoding      ab = output x {config.AbScale.ToString(inv)}, input (L - {config.LCenter.ToString(inv)}) / {config.LScale.ToString(inv)}"
            : $"decoding      temperature {config.Temperature.ToString(inv)}, input (L - {config.LCenter.ToString(inv)}) / {config.LScale.ToString(inv)}, ab x {config.AbScale.ToString(inv)}");
        if (file is not null)
        {
            var storage = file.Tensors.GroupBy(t => t.Storage).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}");
            text.AppendLine($"tensors       {file.Tensors.Count} ({string.Join(", ", storage)}), every checksum verified");
        }
        return text.ToString();
    }

    private static string FileLine(string name, string? path) =>
        path is null ? $"file          {name}" : $"file          {path} ({new FileInfo(path).Length:N0} bytes)";

    private static string Describe(ModelFile file, int size, string name, string? path)
    {
        var inv = CultureInfo.InvariantCulture;
        string Header(string key) => file.Header[key] is System.Text.Json.Nodes.JsonValue v && v.TryGetValue(out double d) ? d.ToString("0.####", inv) : "-";
        string tensors = $"tensors       {file.Tensors.Count}, every checksum verified";
        switch (file.Architecture)
        {
            case Engine.Som.SomMlpModel.ArchitectureName:
            {
                Engine.Som.SomMlpModel model = Engine.Som.SomMlpModel.FromModelFile(file, name);
                long parameters = file.Tensors.Sum(t => (long)t.Data.Length);
                return string.Join(Environment.NewLine,
                    FileLine(name, path),
                    $"architecture  {Engine.Som.SomMlpModel.ArchitectureName} (Richart, Visca, Baliosian 2017): {model.Map.GridW}x{model.Map.GridH} colour map, " +
                        $"{model.Patch}x{model.Patch} L patches, hidden layers {string.Join(", ", model.Hidden)}",
                    $"parameters    {parameters:N0} (codebook and MLP)",
                    $"training      map quantization error {Header("quantization_error")}, topographic error {Header("topographic_error")}; " +
                        $"held-out patch accuracy {Header("held_out_accuracy")} vs majority class {Header("majority_baseline")}",
                    tensors, "");
            }
            case Engine.Som.SomMap.ArchitectureName:
            {
                Engine.Som.SomMap map = Engine.Som.SomMap.FromModelFile(file, name);
                return string.Join(Environment.NewLine,
                    FileLine(name, path),
                    $"architecture  {Engine.Som.SomMap.ArchitectureName}: a {map.GridW}x{map.GridH} self-organising map of ab colours",
                    $"quality       quantization error {Header("quantization_error")}, topographic error {Header("topographic_error")}",
                    tensors, "");
            }
            default:
                return Describe(InferenceNetwork.Validate(file, name), size, file, name, path);
        }
    }
}
