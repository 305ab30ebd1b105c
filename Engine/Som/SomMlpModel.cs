using System.Text.Json.Nodes;
using ColorKernels.Engine.Models;

namespace ColorKernels.Engine.Som;

/// <summary>Settings of a SOM + MLP training run.</summary>
public sealed record SomMlpSettings
{
    /// <summary>Colour-map columns.</summary>
    public int GridW { get; init; } = 3;
    /// <summary>Colour-map rows.</summary>
    public int GridH { get; init; } = 3;
    /// <summary>Patch side K (3, 5, 7 or 11).</summary>
    public int Patch { get; init; } = 5;
    /// <summary>Hidden layer sizes of the MLP.</summary>
    public int[] Hidden { get; init; } = { 500, 500 };
    /// <summary>MLP training steps.</summary>
    public int Steps { get; init; } = 2000;
    /// <summary>Patches per MLP step.</summary>
    public int Batch { get; init; } = 256;
    /// <summary>Adam's learning rate.</summary>
    public float LearningRate { get; init; } = 1e-3f;
    /// <summary>Seed of every random choice (sampling, initialisation, batches).</summary>
    public int Seed { get; init; }
    /// <summary>ab samples per photo for the colour map.</summary>
    public int ColoursPerPhoto { get; init; } = 500;
    /// <summary>Patches per photo for the MLP.</summary>
    public int PatchesPerPhoto { get; init; } = 500;
    /// <summary>Colour-map training epochs.</summary>
    public int SomEpochs { get; init; } = 20;
    /// <summary>How the map's codewords start.</summary>
    public SomInit SomInit { get; init; } = SomInit.RandomSamples;
    /// <summary>How the map is trained.</summary>
    public SomMode SomMode { get; init; } = SomMode.Batch;

    /// <summary>Class rebalancing's lambda (<see cref="SomRebalancing"/>; 0.5 as in the paper); null: the plain cross-entropy.</summary>
    public double? Rebalance { get; init; } = 0.5;

    /// <summary>
    /// Photos larger than this (longer side, pixels) are scaled down to it before patches are taken, and the
    /// model records it as the scale to colourize at; 0: photos as they are (the median size is recorded).
    /// </summary>
    public int WorkingSize { get; init; }

    /// <summary>
    /// The decoding temperature the model records for colorize: 1 (the expected codeword) for a general
    /// model, where it gave the best rebalanced AuC; reference mode uses 0.38 (docs/som-mlp.md).
    /// </summary>
    public float Temperature { get; init; } = SomMlpModel.DefaultTemperature;

    /// <summary>
    /// A coarse context patch beside the K x K patch: K x K samples this many pixels apart (0: none), so the
    /// MLP also sees the neighbourhood at a larger scale (the MLP input is then 2 K K).
    /// </summary>
    public int Context { get; init; }

    /// <summary>Stop the MLP's training after this long (then evaluate and return as at the last step); null: run every step.</summary>
    public TimeSpan? TimeLimit { get; init; }
}

/// <summary>What a SOM + MLP training run reports at the end.</summary>
/// <param name="Map">The colour map's quantisation and topographic error.</param>
/// <param name="HeldOutAccuracy">The MLP's patch accuracy on held-out patches.</param>
/// <param name="MajorityBaseline">The accuracy of always answering the most frequent class, on the same patches.</param>
/// <param name="TrainPatches">Patches the MLP trained on.</param>
/// <param name="HeldOutPatches">Patches held out for the accuracies.</param>
/// <param name="HeldOutBalancedAccuracy">Mean per-class recall on the held-out patches; the majority answer scores
/// <see cref="MajorityBalancedAccuracy"/> (1 over the classes present) on it.</param>
/// <param name="MajorityBalancedAccuracy">The majority answer's balanced accuracy.</param>
public sealed record SomMlpReport(SomQuality Map, double HeldOutAccuracy, double MajorityBaseline, int TrainPatches, int HeldOutPatches,
    double HeldOutBalancedAccuracy = double.NaN, double MajorityBalancedAccuracy = double.NaN);

/// <summary>
/// The SOM + MLP colourizer of Richart, Visca, Baliosian (2017): a colour map quantises ab into GridW x GridH
/// classes; an MLP classifies each K x K patch of L into the class of its centre pixel; colourizing paints
/// every pixel with its class's codeword, joined with the picture's own L. This is the model (weights and
/// file format); <see cref="SomMlpTrainer"/> trains one and <see cref="SomMlpColorizer"/> colours with it. Model file architecture
/// "som-mlp": header grid_w, grid_h, patch, hidden; tensors codebook [N, 2], layerI.weight, layerI.bias.
/// </summary>
public sealed class SomMlpModel
{
    /// <summary>The "architecture" of a SOM + MLP model file.</summary>
    public const string ArchitectureName = "som-mlp";

    internal SomMlpModel(SomMap map, int patch, int[] hidden, IReadOnlyList<float[]> weights, int inputSize = 0, float temperature = DefaultTemperature,
        int context = 0)
    {
        (Map, Patch, Context, Hidden, Weights) = (map, patch, context, hidden, weights);
        (InputSize, Temperature) = (inputSize, temperature);
    }

    /// <summary>
    /// The decoding temperature of general models, and of files that record none: measured best on
    /// imagenet-val (docs/som-mlp.md); the arg-max (0) paints the majority class's near-grey over most of a
    /// picture.
    /// </summary>
    public const float DefaultTemperature = 1f;

    /// <summary>The longer side, in pixels, of the photos the patches were learnt at; colorize works at that scale (0: at the picture's own).</summary>
    public int InputSize { get; }

    /// <summary>The default decoding temperature (header "temperature").</summary>
    public float Temperature { get; }

    /// <summary>The context patch's sample spacing (header "context"; 0: no context patch).</summary>
    public int Context { get; }

    /// <summary>
    /// A picture's size at working size <paramref name="size"/> (its longer side scaled to it); the picture's own
    /// when size is 0 or the picture is no larger. Training takes patches and colouring classifies them at this
    /// one scale, so both call it.
    /// </summary>
    internal static (int Height, int Width) WorkingDims(int height, int width, int size)
    {
        int longer = Math.Max(width, height);
        if (size <= 0 || longer <= size)
            return (height, width);
        return (Math.Max(1, (int)Math.Round(height * (double)size / longer)), Math.Max(1, (int)Math.Round(width * (double)size / longer)));
    }

    /// <summary>The MLP's inputs: the K x K patch, and as many again for a context patch.</summary>
    internal static int Features(int patch, int context) => patch * patch * (context > 0 ? 2 : 1);

    internal SomMap Map { get; }
    /// <summary>Patch side K.</summary>
    public int Patch { get; }
    /// <summary>Hidden layer sizes.</summary>
    public int[] Hidden { get; }
    internal IReadOnlyList<float[]> Weights { get; }

    /// <summary>The model as a model file (with the training report in its header when given).</summary>
    public ModelFile ToModelFile(SomMlpReport? report = null)
    {
        var header = new JsonObject
        {
            ["architecture"] = ArchitectureName,
            ["grid_w"] = Map.GridW,
            ["grid_h"] = Map.GridH,
            ["patch"] = Patch,
            ["hidden"] = new JsonArray(Hidden.Select(h => (JsonNode)h).ToArray()),
            ["temperature"] = Temperature,
        };
        if (InputSize > 0)
            header["input_size"] = InputSize;
        if (Context > 0)
            header["context"] = Context;
        if (report is not null)
        {
            header["quantization_error"] = report.Map.QuantizationError;
            header["topographic_error"] = report.Map.TopographicError;
            header["held_out_accuracy"] = report.HeldOutAccuracy;
            header["majority_baseline"] = report.MajorityBaseline;
            if (double.IsFinite(report.HeldOutBalancedAccuracy))
            {
                header["held_out_balanced_accuracy"] = report.HeldOutBalancedAccuracy;
                header["majority_balanced_accuracy"] = report.MajorityBalancedAccuracy;
            }

        }
        int[] sizes = new[] { Features(Patch, Context) }.Concat(Hidden).Append(Map.Neurons).ToArray();
        var tensors = new List<StoredTensor> { new("codebook", new[] { Map.Neurons, 2 }, Map.Codebook) };
        for (int i = 0; i + 1 < sizes.Length; i++)
        {
            tensors.Add(new StoredTensor($"layer{i}.weight", new[] { sizes[i + 1], sizes[i] }, Weights[2 * i]));
            tensors.Add(new StoredTensor($"layer{i}.bias", new[] { sizes[i + 1] }, Weights[2 * i + 1]));
        }
        return new ModelFile(header, tensors);
    }

    /// <summary>Reads a SOM + MLP model from a model file; <paramref name="path"/> names it in messages.</summary>
    public static SomMlpModel FromModelFile(ModelFile file, string path)
    {
        if (file.Architecture != ArchitectureName)
            throw new UserErrorException($"'{path}': architecture '{file.Architecture}' is not {ArchitectureName}");
        int w = ModelFile.Integer(file.Header, "grid_w", path, 1, 1024), h = ModelFile.Integer(file.Header, "grid_h", path, 1, 1024);
        int patch = ModelFile.Integer(file.Header, "patch", path, 1, 255);
        if (file.Header["hidden"] is not JsonArray hiddenNodes)
            throw new UserErrorException($"'{path}': header field 'hidden' (the hidden layer sizes) is missing or not a list");
        int[] hidden = hiddenNodes.Select((n, i) =>
            n is JsonValue v && double.TryParse(v.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double d)
                && d == Math.Floor(d) && d >= 1 && d <= 65536 ? (int)d
            : throw new UserErrorException($"'{path}': hidden layer {i}'s size is not a whole number from 1 to 65536")).ToArray();
        var stored = file.Tensors.ToDictionary(t => t.Name);
        StoredTensor Tensor(string name) => stored.TryGetValue(name, out StoredTensor? t) ? t
            : throw new UserErrorException($"'{path}': tensor '{name}' is missing (is this a som-mlp model? it holds {string.Join(", ", stored.Keys.Take(3))}{(stored.Count > 3 ? ", ..." : "")})");
        StoredTensor codebook = Tensor("codebook");
        if (!codebook.Shape.SequenceEqual(new[] { w * h, 2 }))
            throw new UserErrorException($"'{path}': codebook is {codebook.ShapeText}; [{w * h}, 2] expected for a {w}x{h} map");
        var map = new SomMap(w, h, codebook.Data);
        int context = file.Header["context"] is null ? 0 : ModelFile.Integer(file.Header, "context", path, 0, 64);
        int[] sizes = new[] { Features(patch, context) }.Concat(hidden).Append(w * h).ToArray();
        var weights = new List<float[]>();
        for (int i = 0; i + 1 < sizes.Length; i++)
        {
            StoredTensor weight = Tensor($"layer{i}.weight"), bias = Tensor($"layer{i}.bias");
            if (!weight.Shape.SequenceEqual(new[] { sizes[i + 1], sizes[i] }) || !bias.Shape.SequenceEqual(new[] { sizes[i + 1] }))
                throw new UserErrorException($"'{path}': layer {i} is {weight.ShapeText} / {bias.ShapeText}; [{sizes[i + 1]}, {sizes[i]}] / [{sizes[i + 1]}] expected");
            weights.Add(weight.Data);
            weights.Add(bias.Data);
        }
        if (stored.Count != 1 + weights.Count)
            throw new UserErrorException($"'{path}': {stored.Count} tensors; {1 + weights.Count} expected for this som-mlp");
        int inputSize = file.Header["input_size"] is null ? 0 : ModelFile.Integer(file.Header, "input_size", path, 8, ModelFile.MaxInputSize);
        float temperature = file.Header["temperature"] is null ? DefaultTemperature : (float)ModelFile.Number(file.Header, "temperature", path);
        return new SomMlpModel(map, patch, hidden, weights, inputSize, temperature, context);
    }
}
