using System.Text.Json.Nodes;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Patches;
using ColorKernels.Kernels.Som;

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
/// every pixel with its class's codeword, joined with the picture's own L. Model file architecture
/// "som-mlp": header grid_w, grid_h, patch, hidden; tensors codebook [N, 2], layerI.weight, layerI.bias.
/// </summary>
public sealed class SomMlpModel
{
    /// <summary>The "architecture" of a SOM + MLP model file.</summary>
    public const string ArchitectureName = "som-mlp";

    private SomMlpModel(SomMap map, int patch, int[] hidden, IReadOnlyList<float[]> weights, int inputSize = 0, float temperature = DefaultTemperature,
        int context = 0)
    {
        Context = context;
        Map = map;
        Patch = patch;
        Hidden = hidden;
        Weights = weights;
        InputSize = inputSize;
        Temperature = temperature;
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

    /// <summary>The MLP's inputs: the K x K patch, and as many again for a context patch.</summary>
    internal static int Features(int patch, int context) => patch * patch * (context > 0 ? 2 : 1);

    internal SomMap Map { get; }
    /// <summary>Patch side K.</summary>
    public int Patch { get; }
    /// <summary>Hidden layer sizes.</summary>
    public int[] Hidden { get; }
    internal IReadOnlyList<float[]> Weights { get; }

    /// <summary>A checkpoint to resume from: the model so far, and the optimiser state file (moments, step).</summary>
    internal sealed record Resume(SomMlpModel Model, ModelFile Optimizer, string Path);

    /// <summary>
    /// Trains the map (unless resuming: the saved map is kept), samples patches labelled by the map (seeded,
    /// so a resumed run samples the same ones), and trains the MLP; <paramref name="checkpoint"/> receives the
    /// model and the optimiser state every <paramref name="checkpointEvery"/> steps and at the end. A resumed
    /// run continues with the same batches it would have seen uninterrupted.
    /// </summary>
    internal static (SomMlpModel Model, SomMlpReport Report) Train(ComputeDevice device, IReadOnlyList<string> files, SomMlpSettings s,
        Action<int, double> progress, Action<string> skip, int checkpointEvery = int.MaxValue,
        Action<SomMlpModel, ModelFile>? checkpoint = null, Resume? resume = null, CancellationToken cancel = default)
    {
        if (s.Patch is not (3 or 5 or 7 or 11))
            throw new UserErrorException($"--patch {s.Patch}: the paper's patch sizes are 3, 5, 7 and 11");
        SomMap map;
        SomQuality quality = new(0, 0);
        if (resume is null)
        {
            float[] colours = SomMap.SampleColours(device, files, s.ColoursPerPhoto, s.Seed, skip);
            map = SomMap.Fit(device, colours, s.GridW, s.GridH, s.SomEpochs, s.Seed, (_, q) => quality = q, s.SomInit, s.SomMode);
        }
        else
        {
            map = resume.Model.Map;
            if (map.GridW != s.GridW || map.GridH != s.GridH || resume.Model.Patch != s.Patch || !resume.Model.Hidden.SequenceEqual(s.Hidden)
                || resume.Model.Context != s.Context)
                throw new UserErrorException($"--resume: the run in '{resume.Path}' has a {map.GridW}x{map.GridH} map, patch {resume.Model.Patch}, context {resume.Model.Context}, hidden {string.Join(",", resume.Model.Hidden)}; resume with the same settings");
        }

        var (patches, labels, inputSize) = SamplePatches(device, files, map, s.Patch, s.Context, s.PatchesPerPhoto, s.Seed + 1, skip, s.WorkingSize);
        int count = labels.Length, features = Features(s.Patch, s.Context);
        if (count < 2 * s.Batch)
            throw new UserErrorException($"only {count} patches from {files.Count} photos; at least {2 * s.Batch} needed for --batch {s.Batch}");
        var random = new Random(s.Seed + 2);
        int[] order = Enumerable.Range(0, count).OrderBy(_ => random.Next()).ToArray();
        int held = Math.Max(s.Batch, count / 10);
        int[] heldOut = order[..held], train = order[held..];

        using var mlp = new PatchMlp(device, features, s.Hidden, map.Neurons, s.Batch, s.Seed, resume?.Model.Weights);
        if (s.Rebalance is { } lambda)
            mlp.ClassWeights = SomRebalancing.Weights(train.Select(i => labels[i]).ToArray(), map.Codebook, lambda);
        int startStep = 0;
        if (resume is not null)
        {
            startStep = resume.Optimizer.Header["step"]?.GetValue<int>() ?? throw new UserErrorException($"'{resume.Path}': no step count");
            mlp.LoadOptimizer(resume.Optimizer.Tensors.ToDictionary(t => t.Name), startStep, resume.Path);
        }
        void Save()
        {
            if (checkpoint is null)
                return;
            var current = new SomMlpModel(map, s.Patch, s.Hidden, mlp.ToTensors().Select(t => t.Data).ToList(), inputSize, s.Temperature, s.Context);
            var header = new JsonObject { ["architecture"] = "som-mlp-optimizer-state", ["step"] = mlp.StepCount, ["seed"] = s.Seed, ["batch"] = s.Batch };
            checkpoint(current, new ModelFile(header, mlp.OptimizerTensors().ToList()));
        }
        var x = new float[features * s.Batch];
        var y = new int[s.Batch];
        void Fill(int[] indices, int offset)
        {
            for (int b = 0; b < s.Batch; b++)
            {
                int i = indices[(offset + b) % indices.Length];
                for (int f = 0; f < features; f++)
                    x[f * s.Batch + b] = patches[i * features + f];
                y[b] = labels[i];
            }
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int step = startStep; step < s.Steps; step++)
        {
            if (s.TimeLimit is { } limit && clock.Elapsed > limit)
                break;
            if (cancel.IsCancellationRequested)
            {
                Save();
                throw new OperationCanceledException($"stopped at step {step}; checkpoint written");
            }
            Fill(train, step * s.Batch);
            mlp.Input.Upload(x);
            progress(step + 1, mlp.Step(y, s.LearningRate));
            if ((step + 1) % checkpointEvery == 0 && step + 1 < s.Steps)
                Save();
        }
        var truth = new List<int>();
        var predicted = new List<int>();
        for (int offset = 0; offset + s.Batch <= heldOut.Length; offset += s.Batch)
        {
            Fill(heldOut, offset);
            mlp.Input.Upload(x);
            predicted.AddRange(mlp.Predict());
            truth.AddRange(y);
        }
        int correct = truth.Zip(predicted).Count(p => p.First == p.Second), seen = truth.Count;
        // The majority-class baseline: always answer the most frequent training class.
        int majorityClass = train.GroupBy(i => labels[i]).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First().Key;
        double majorityShare = heldOut.Count(i => labels[i] == majorityClass) / (double)heldOut.Length;
        var weights = mlp.ToTensors().Select(t => t.Data).ToList();
        if (resume is not null)
            quality = map.Evaluate(device, SomMap.SampleColours(device, files, s.ColoursPerPhoto, s.Seed, _ => { }));
        var result = (new SomMlpModel(map, s.Patch, s.Hidden, weights, inputSize, s.Temperature, s.Context),
            new SomMlpReport(quality, seen > 0 ? (double)correct / seen : double.NaN, majorityShare, train.Length, heldOut.Length,
                SomRebalancing.BalancedAccuracy(truth, predicted), 1.0 / Math.Max(1, truth.Distinct().Count())));
        Save();
        return result;
    }

    /// <summary>
    /// Random patches (feature-major per patch: [count][K K]), the BMU class of each centre pixel's ab, and the
    /// scale the patches were taken at: the median of the photos' longer sides, as a multiple of 8 (colorize
    /// works at that scale by default, since a K x K patch means what it meant in training only there).
    /// </summary>
    private static (float[] Patches, int[] Labels, int InputSize) SamplePatches(ComputeDevice device, IReadOnlyList<string> files, SomMap map, int k,
        int context, int perPhoto, int seed, Action<string> skip, int workingSize)
    {
        var random = new Random(seed);
        var patches = new List<float>();
        var labels = new List<int>();
        var sides = new List<int>();
        using Tensor<float> book = device.Upload("codebook", new Shape(map.Neurons, 2), map.Codebook);
        foreach (string file in files)
        {
            ImageData image;
            try
            {
                image = ImageIO.Load(file);
            }
            catch (UserErrorException e)
            {
                skip(e.Message);
                continue;
            }
            sides.Add(Math.Max(image.Width, image.Height));
            using Tensor<float> full = device.Allocate<float>("lab", Shape.Nchw(1, 3, image.Height, image.Width));
            LabOps.ImageToLab(device, image, full);
            int longer = Math.Max(image.Width, image.Height), height = image.Height, width = image.Width;
            if (workingSize > 0 && longer > workingSize)
            {
                height = Math.Max(1, (int)Math.Round(image.Height * (double)workingSize / longer));
                width = Math.Max(1, (int)Math.Round(image.Width * (double)workingSize / longer));
            }
            // Patches at the working scale: the photo's Lab scaled down (all three channels) when it is larger.
            using Tensor<float>? small = height == image.Height && width == image.Width ? null
                : device.Allocate<float>("lab-working", Shape.Nchw(1, 3, height, width));
            if (small is not null)
                ResampleOps.ResizeBilinear(full, 0, 3, small, 0);
            Tensor<float> lab = small ?? full;
            int pixels = height * width;
            int n = Math.Min(perPhoto, pixels);
            int[] centres = Enumerable.Range(0, n).Select(_ => random.Next(pixels)).ToArray();
            using Tensor<int> tc = device.Upload("centres", new Shape(n), centres);
            int features = Features(k, context);
            using Tensor<float> tp = device.Allocate<float>("patches", new Shape(features, n));
            PatchOps.ExtractPatches(device, lab.View, tc.View, tp.View, new PatchArgs(height, width, k, n, 0, 1));
            if (context > 0)
                PatchOps.ExtractPatches(device, lab.View, tc.View, tp.View.SubView(k * k * n, k * k * n),
                    new PatchArgs(height, width, k, n, 0, 1, 0, 0f, context));
            float[] p = tp.Download(), values = lab.Download();
            // The classes: BMUs of the centre pixels' ab (kernel).
            var samples = new float[2 * n];
            for (int i = 0; i < n; i++)
            {
                samples[i] = values[pixels + centres[i]];
                samples[n + i] = values[2 * pixels + centres[i]];
            }
            using Tensor<float> ts = device.Upload("samples", new Shape(2, n), samples);
            using Tensor<int> bmu = device.Allocate<int>("bmu", new Shape(n));
            using Tensor<int> second = device.Allocate<int>("second", new Shape(n));
            using Tensor<float> distance = device.Allocate<float>("distance", new Shape(n));
            SomOps.Bmu(ts, book, bmu, second, distance, new SomArgs(n, map.GridW, map.GridH, 1f, 1f, 1));
            int[] b = bmu.Download();
            for (int i = 0; i < n; i++)
            {
                for (int f = 0; f < features; f++)
                    patches.Add(p[f * n + i]);
                labels.Add(b[i]);
            }
        }
        int median = workingSize > 0 ? Math.Min(workingSize, sides.DefaultIfEmpty(workingSize).Max())
            : sides.Count == 0 ? 0 : sides.Order().ElementAt(sides.Count / 2);
        return (patches.ToArray(), labels.ToArray(), Math.Clamp((median + 4) / 8 * 8, 8, ModelFile.MaxInputSize));
    }

    /// <summary>
    /// Colourizes a picture. L is scaled so that its longer side is <paramref name="workingSize"/> (default: the
    /// model's <see cref="InputSize"/>, the scale its patches were learnt at; 0 or a smaller picture: its own
    /// resolution); every pixel's K x K patch is classified in chunks of <paramref name="chunk"/> (each chunk
    /// one GEMM per layer) and decoded at <paramref name="temperature"/> (default the model's
    /// <see cref="Temperature"/>; 0: each pixel's most likely class) into ab, which is scaled back to the
    /// picture's size and joined with its own full-resolution L.
    /// </summary>
    public ImageData Colorize(ComputeDevice device, ImageData image, float? temperature = null, int? workingSize = null, int chunk = 8192) =>
        Colorize(device, image, temperature, workingSize, chunk, labStep: null);

    /// <summary>As the public overload, handing the picture's Lab (its L, the decoded ab) to <paramref name="labStep"/> before it goes back to sRGB.</summary>
    internal ImageData Colorize(ComputeDevice device, ImageData image, float? temperature, int? workingSize, int chunk, Action<Tensor<float>>? labStep)
    {
        float t = CheckTemperature(temperature ?? Temperature);
        using Tensor<float> lab = device.Allocate<float>("lab", Shape.Nchw(1, 3, image.Height, image.Width));
        LabOps.ImageToLab(device, image, lab);
        using Tensor<float>? small = Working(device, lab, image, workingSize ?? InputSize, out int h, out int w);
        Classify(device, small ?? lab, h, w, t, chunk);
        if (small is not null)
            ResampleOps.ResizeBilinear(small, 1, 2, lab, 1);
        labStep?.Invoke(lab);
        return LabOps.LabToImage(device, image, lab);
    }

    private static float CheckTemperature(float t) =>
        t >= 0 && float.IsFinite(t) ? t : throw new UserErrorException($"--temperature {t}: must be 0 (the most likely class) or above");

    /// <summary>
    /// The picture's L at the working size, its longer side <paramref name="size"/> (bilinear), in a new
    /// [1, 3, h, w] tensor; null (work on <paramref name="lab"/> itself) when size is 0 or the picture is no larger.
    /// </summary>
    private static Tensor<float>? Working(ComputeDevice device, Tensor<float> lab, ImageData image, int size, out int height, out int width)
    {
        (height, width) = (image.Height, image.Width);
        int longer = Math.Max(image.Width, image.Height);
        if (size <= 0 || longer <= size)
            return null;
        height = Math.Max(1, (int)Math.Round(image.Height * (double)size / longer));
        width = Math.Max(1, (int)Math.Round(image.Width * (double)size / longer));
        Tensor<float> small = device.Allocate<float>("lab-working", Shape.Nchw(1, 3, height, width));
        ResampleOps.ResizeBilinear(lab, 0, 1, small, 0);
        return small;
    }

    /// <summary>The MLP's inputs for pixels start .. start + batch - 1 of lab [1, 3, H, W]: their K x K L patches (and context patches).</summary>
    private void ExtractInputs(ComputeDevice device, Tensor<float> lab, int height, int width, PatchMlp mlp, int start)
    {
        int k = Patch;
        // All pixels in order: the centres view is never read (a placeholder of the right type).
        PatchOps.ExtractPatches(device, lab.View, lab.View.Cast<int>(), mlp.Input.View, new PatchArgs(height, width, k, mlp.Batch, 1, 1, start));
        if (Context > 0)
            PatchOps.ExtractPatches(device, lab.View, lab.View.Cast<int>(), mlp.Input.View.SubView(k * k * mlp.Batch, k * k * mlp.Batch),
                new PatchArgs(height, width, k, mlp.Batch, 1, 1, start, 0f, Context));
    }

    /// <summary>
    /// One pixel as <see cref="Colorize(ComputeDevice, ImageData, float?, int?, int)"/> sees it: the MLP's
    /// probabilities over the map's classes (temperature 1, softmax on the device) and the ab it decodes at
    /// <paramref name="temperature"/>, for the pixel of the working-size picture under (x, y).
    /// </summary>
    internal (float[] Probabilities, float A, float B) Pixel(ComputeDevice device, ImageData image, int x, int y, float? temperature = null, int? workingSize = null)
    {
        float t = CheckTemperature(temperature ?? Temperature);
        using Tensor<float> lab = device.Allocate<float>("lab", Shape.Nchw(1, 3, image.Height, image.Width));
        LabOps.ImageToLab(device, image, lab);
        using Tensor<float>? small = Working(device, lab, image, workingSize ?? InputSize, out int h, out int w);
        int px = Math.Min(w - 1, (int)((x + 0.5) * w / image.Width)), py = Math.Min(h - 1, (int)((y + 0.5) * h / image.Height));
        using var mlp = new PatchMlp(device, Features(Patch, Context), Hidden, Map.Neurons, 1, 0, Weights);
        using Tensor<float> book = device.Upload("codebook", new Shape(Map.Neurons, 2), Map.Codebook);
        using Tensor<float> probabilities = device.Allocate<float>("probabilities", Shape.Nchw(1, Map.Neurons, 1, 1));
        // The pixel's decoded Lab alone: a 1 x 1 picture, so only three values come back.
        using Tensor<float> decoded = device.Allocate<float>("pixel-lab", Shape.Nchw(1, 3, 1, 1));
        ExtractInputs(device, small ?? lab, h, w, mlp, py * w + px);
        mlp.Forward();
        SoftmaxOps.Softmax(mlp.Logits.Reshape(Shape.Nchw(1, Map.Neurons, 1, 1)), probabilities, 1f);
        PatchOps.ClassToAb(mlp.Logits, book, decoded, new PatchArgs(1, 1, Map.Neurons, 1, 1, 1, 0, t));
        float[] ab = decoded.Download();
        return (probabilities.Download(), ab[1], ab[2]);
    }

    /// <summary>Writes the decoded ab of every pixel of lab [1, 3, H, W] from its L patches.</summary>
    private void Classify(ComputeDevice device, Tensor<float> lab, int height, int width, float temperature, int chunk)
    {
        int plane = height * width;
        using var mlp = new PatchMlp(device, Features(Patch, Context), Hidden, Map.Neurons, Math.Min(chunk, plane), 0, Weights);
        using Tensor<float> book = device.Upload("codebook", new Shape(Map.Neurons, 2), Map.Codebook);
        for (int first = 0; first < plane; first += mlp.Batch)
        {
            // The last chunk may overlap the previous one: it is recomputed, which paints the same colours.
            int start = Math.Min(first, plane - mlp.Batch);
            ExtractInputs(device, lab, height, width, mlp, start);
            mlp.Forward();
            PatchOps.ClassToAb(mlp.Logits, book, lab, new PatchArgs(height, width, Map.Neurons, mlp.Batch, 1, 1, start, temperature));
        }
    }

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
