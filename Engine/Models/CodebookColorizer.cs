using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Softmax;

namespace ColorKernels.Engine.Models;

/// <summary>
/// The one prediction path of both methods. A model's part is only <see cref="PredictUnlocked"/>: each
/// picture to logits over its codebook of ab colours (ECCV16's 313 bins, a SOM's classes; not to be confused
/// with a person's <see cref="ColorPalette"/>, which re-weights the decode), on the device. Everything after is
/// shared: the codebook decode (<see cref="SoftmaxOps.PaletteDecode"/>: the annealed mean at T, the arg-max at
/// 0), hints spread over the decoded grid (<see cref="HintPropagation"/>), ab resized to the picture and joined
/// with its own full-resolution L, an optional step on that Lab (the frame pipeline's stages), sRGB; and one
/// pixel's distribution for the web demo. Calls are serialised by one lock (they share the device's stream and
/// the model's buffers).
/// </summary>
internal abstract class CodebookColorizer : IColorizer
{
    private readonly object gate = new();
    private readonly Tensor<float>? palette;
    private readonly IReadOnlyList<float>? paletteValues;

    /// <param name="device">The device the model runs on.</param>
    /// <param name="palette">The palette's ab colours [Q, 2], a and b interleaved; null for a regression head (the model predicts ab).</param>
    /// <param name="temperature">The decode temperature when a call gives none (already checked by <see cref="DecodeTemperature"/>).</param>
    protected CodebookColorizer(ComputeDevice device, float[]? palette, float temperature)
    {
        Device = device;
        Temperature = temperature;
        paletteValues = palette is null ? null : Array.AsReadOnly(palette.ToArray());
        if (palette is not null)
            this.palette = device.Upload("palette", new Shape(palette.Length / 2, 2), palette);
    }

    public abstract ColorizationMethod Method { get; }

    public ComputeDevice Device { get; }

    public abstract int PreferredBatch { get; }

    public float Temperature { get; }

    public IReadOnlyList<float> Palette => paletteValues ?? Array.Empty<float>();

    /// <summary>How hints spread (perf compares settings through it; callers keep the defaults).</summary>
    internal PropagationSettings PropagationSettings { get; set; } = new();

    /// <summary>The colours decodes steer toward when a call gives none (<see cref="ColorizerOptions.ColorPalette"/>); null: the model's own.</summary>
    internal ColorPalette? ColorPalette
    {
        get => colorPalette;
        set
        {
            if (value is not null)
                CheckPalette(value);
            colorPalette = value;
        }
    }

    private ColorPalette? colorPalette;

    /// <summary>Whether predictions carry distributions over a palette (false for a regression head; the hint network's is its classification head's).</summary>
    public bool HasDistribution => palette is not null;

    /// <summary>
    /// Whether hints also steer the distribution as a palette of their colours (<see cref="HintPalette"/>): for a
    /// network's 313 bins (ECCV16) yes; a SOM's few classes give broad distributions that gate it too weakly (on
    /// the choosing halves it made 2 of 20 and 1 of 10 photos worse than automatic, none before: docs/hints.md).
    /// </summary>
    protected virtual bool HintsSteerDistribution => false;

    /// <summary>Whether the decoded colours come from the distribution, so a palette can steer them (not for the hint network, whose colours are its ab head's).</summary>
    protected virtual bool DecodesDistribution => palette is not null;

    /// <summary>
    /// The model's part: one prediction per picture, in order, made on the device (called under the lock).
    /// With <paramref name="keepLab"/> each prediction keeps the picture's full-resolution Lab it made on the
    /// way, so decoding it inside the same colouring does not convert the picture again.
    /// </summary>
    protected abstract IReadOnlyList<Prediction> PredictUnlocked(IReadOnlyList<ImageData> images, bool keepLab);

    /// <summary>
    /// For a model that takes hints as input (the hint network): its prediction made again with
    /// <paramref name="hints"/>, ab [1, 2, Height, Width] on the prediction's grid (a new tensor, disposed by the
    /// caller), called under the lock with the prediction's Lab made. Null (the default): the model ignores
    /// hints, which are spread after it.
    /// </summary>
    protected virtual Tensor<float>? PredictWithHints(Prediction prediction, IReadOnlyList<ColorHint> hints) => null;

    /// <summary>Frees what the model holds on the device (called once, under the lock).</summary>
    protected abstract void DisposeModel();

    public IReadOnlyList<ImageData> Colorize(IReadOnlyList<ImageData> images) => ColorizeThroughLab(images, null);

    /// <summary>
    /// Colours the pictures as one batch, handing each picture's Lab ([1, 3, H, W] on the device: its own L,
    /// the decoded ab at full size) and index to <paramref name="labStep"/> before its one conversion to sRGB
    /// (the frame pipeline's stages: the stabiliser blends there).
    /// </summary>
    internal IReadOnlyList<ImageData> ColorizeThroughLab(IReadOnlyList<ImageData> images, Action<int, Tensor<float>>? labStep,
        IReadOnlyList<IReadOnlyList<ColorHint>?>? hints = null, IReadOnlyList<ColorPalette?>? palettes = null, IReadOnlyList<HintWarmStart?>? warm = null,
        IReadOnlyList<FrameReuse?>? reuse = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0)
            return Array.Empty<ImageData>();
        // A frame's own palette (a film keyframe's, for its shot) in place of the colourizer's.
        foreach (ColorPalette p in palettes?.OfType<ColorPalette>().Distinct() ?? Enumerable.Empty<ColorPalette>())
            CheckPalette(p);
        lock (gate)
        {
            IReadOnlyList<Prediction> predictions = reuse is null || !ReusesPredictions ? PredictUnlocked(images, keepLab: true) : PredictOrReuse(images, reuse);
            try
            {
                var results = new ImageData[images.Count];
                for (int i = 0; i < results.Length; i++)
                {
                    Tensor<float> lab = DecodeLab(predictions[i], Temperature, hints?[i], palettes?[i] ?? colorPalette, warm?[i]);
                    labStep?.Invoke(i, lab);
                    results[i] = LabOps.LabToImage(Device, images[i], lab);
                }
                return results;
            }
            finally
            {
                foreach (Prediction p in predictions)
                    p.Dispose();
            }
        }
    }

    /// <summary>
    /// Whether a film may decode this model's last output on the frames between its runs (<see cref="PredictionReuse"/>):
    /// not for a model whose output depends on more than the frame (the hint network), nor for one with nothing to save.
    /// </summary>
    protected virtual bool ReusesPredictions => true;

    /// <summary>
    /// Each picture's prediction, the model run only on those that may not reuse their film's last output (in one
    /// batch): in order, so a frame reuses what the frame before it in the same batch kept. Called under the lock.
    /// </summary>
    private IReadOnlyList<Prediction> PredictOrReuse(IReadOnlyList<ImageData> images, IReadOnlyList<FrameReuse?> reuse)
    {
        var predictions = new Prediction?[images.Count];
        try
        {
            // A frame that asks to reuse, after one in this batch that runs, reuses that one's output: decided in
            // order below, so the model runs first for every frame that cannot reuse what is kept before the batch.
            var run = new List<int>();
            for (int i = 0; i < images.Count; i++)
                if (reuse[i] is not { Reuse: true } r || !r.Kept.CanReuse(this, images[i]) && !RunsEarlier(i))
                    run.Add(i);
            IReadOnlyList<Prediction> made = run.Count == 0 ? Array.Empty<Prediction>() : PredictUnlocked(run.Select(i => images[i]).ToList(), keepLab: true);
            for (int k = 0; k < run.Count; k++)
                predictions[run[k]] = made[k];
            for (int i = 0; i < images.Count; i++)
            {
                if (predictions[i] is { } fresh)
                    reuse[i]?.Kept.Keep(this, fresh);
                // A reused prediction's Lab is the frame's own, made by DecodeLab as for any prediction without one.
                else if (reuse[i]!.Kept.TryReuse(this, images[i]) is { } p)
                    predictions[i] = p;
                else
                {
                    // What the frame before it in this batch kept cannot serve (its grid is too fine): the model runs.
                    predictions[i] = PredictUnlocked(new[] { images[i] }, keepLab: true)[0];
                    reuse[i]!.Kept.Keep(this, predictions[i]!);
                }
            }
            return predictions!;
        }
        catch
        {
            foreach (Prediction? p in predictions)
                p?.Dispose();
            throw;
        }

        // Whether an earlier frame of the same film in this batch runs the model (and so leaves an output to reuse).
        bool RunsEarlier(int i)
        {
            for (int j = 0; j < i; j++)
                if (reuse[j] is { } r && ReferenceEquals(r.Kept, reuse[i]!.Kept) && images[j].Width == images[i].Width && images[j].Height == images[i].Height)
                    return true;
            return false;
        }
    }

    public IReadOnlyList<Prediction> Predict(IReadOnlyList<ImageData> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0)
            return Array.Empty<Prediction>();
        lock (gate)
            return PredictUnlocked(images, keepLab: false);
    }

    public ImageData Decode(Prediction prediction, float? temperature = null, IReadOnlyList<ColorHint>? hints = null, ColorPalette? colorPalette = null)
    {
        float t = temperature is { } given ? DecodeTemperature.Check(given, "temperature") : Temperature;
        ArgumentNullException.ThrowIfNull(prediction);
        colorPalette ??= this.colorPalette;
        if (colorPalette is not null)
            CheckPalette(colorPalette);
        if (hints is not null)
        {
            if (hints.Count > ColorHint.MaxHints)
                throw new UserErrorException($"{hints.Count} hints: at most {ColorHint.MaxHints} a picture");
            foreach (ColorHint hint in hints)
                hint.Check(prediction.Image.Width, prediction.Image.Height);
        }
        lock (gate)
            return LabOps.LabToImage(Device, prediction.Image, DecodeLab(prediction, t, hints, colorPalette));
    }

    public PixelDistribution Distribution(Prediction prediction, int x, int y, float? temperature = null)
    {
        float t = temperature is { } given ? DecodeTemperature.Check(given, "temperature") : Temperature;
        lock (gate)
        {
            CheckOwner(prediction);
            prediction = prediction.ClassHead ?? prediction;   // the hint network: its classification head's distribution
            if (palette is null || prediction.Classes == 0)
                throw NoDistribution("this model", forPalette: false);
            var (cx, cy) = prediction.CellOf(x, y);
            int cells = prediction.Width * prediction.Height, cell = cy * prediction.Width + cx, chunk = cell / prediction.Plane, q = prediction.Classes;
            int first = chunk * q * prediction.Plane + (cell - chunk * prediction.Plane);
            // Every cell's softmax and decode on the device, read back once (per temperature): further clicks
            // on the same prediction cost no device work.
            if (prediction.HostProbabilities is null)
            {
                Shape chunked = Shape.Nchw(prediction.Values.Elements / (q * prediction.Plane), q, 1, prediction.Plane);
                using Tensor<float> probabilities = Device.Allocate<float>("probabilities", chunked);
                SoftmaxOps.Softmax(prediction.Values.Reshape(chunked), probabilities, 1f);
                prediction.HostProbabilities = probabilities.Download();
            }
            if (prediction.HostAb is not { } decoded || decoded.Temperature != t)
            {
                using Tensor<float> ab = DecodeAb(prediction, t);
                prediction.HostAb = decoded = (ab.Download(), t);
            }
            var p = new float[q];
            for (int k = 0; k < q; k++)
                p[k] = prediction.HostProbabilities[first + k * prediction.Plane];
            return new PixelDistribution(cx, cy, p, paletteValues!.ToArray(), decoded.Ab[cell], decoded.Ab[cells + cell], t);
        }
    }

    /// <summary>
    /// The prediction decoded at <paramref name="temperature"/> into the picture's Lab [1, 3, H, W]: its own L,
    /// the decoded ab resized to it (bilinear). The Lab is the prediction's (freed with it): made from the
    /// picture on its first decode and kept, so a decode at another temperature (the demo's slider) does
    /// not upload and convert the picture again; each decode overwrites a and b whole.
    /// </summary>
    private Tensor<float> DecodeLab(Prediction prediction, float temperature, IReadOnlyList<ColorHint>? hints, ColorPalette? colorPalette, HintWarmStart? warm = null)
    {
        CheckOwner(prediction);
        if (prediction.Lab is null)
        {
            Tensor<float> lab = Device.Allocate<float>("lab", Shape.Nchw(1, 3, prediction.Image.Height, prediction.Image.Width));
            try
            {
                LabOps.ImageToLab(Device, prediction.Image, lab);
            }
            catch
            {
                lab.Dispose();
                throw;
            }
            prediction.Lab = lab;
        }
        bool hinted = hints is { Count: > 0 };
        if (!hinted && warm is not null)
            (warm.Correction, warm.Reach) = (null, null);
        // A model that reads hints runs again with them; what its output leaves off the hints is spread after it,
        // as for any model, unless the settings say not to.
        using Tensor<float>? networkAb = hinted ? PredictWithHints(prediction, hints!) : null;
        // Hints are also evidence about the colours of the places they do not reach: without a palette of the
        // person's own, the hints' colours steer the decode as a palette (HintPalette).
        // Where hints steer the distribution (the hints' palette, the pull toward alike cells), the local spread stops at
        // weaker edges (PropagationSettings.SteeredSigmaFloor).
        bool steers = HintsSteerDistribution && networkAb is null;
        PropagationSettings settings = PropagationSettings.For(steers);
        bool hintPalette = hinted && colorPalette is null && HintsSteerDistribution;
        if (hintPalette)
            colorPalette = HintPalette(hints!, settings);
        // The decoded grid; a regression head's is its prediction, copied only when hints will change it.
        using Tensor<float>? decoded = networkAb is not null ? null
            : prediction.Classes > 0 ? DecodeAb(prediction, temperature, colorPalette) : hinted ? Copy(prediction.Values) : null;
        // The grid decoded without the hints' palette too, so the spread keeps the palette only where the hints speak for
        // a cell (HintPropagation; a person's own palette is for the whole picture and is not gated).
        using Tensor<float>? unsteered = hintPalette && colorPalette is not null && decoded is not null && settings.HintPaletteGated
            ? DecodeAb(prediction, temperature) : null;
        Tensor<float> ab = networkAb ?? decoded ?? prediction.Values;
        if (!hinted || (networkAb is not null && !settings.PropagateAfterNetwork))
        {
            ResampleOps.ResizeBilinear(ab, 0, 2, prediction.Lab, 1);
            return prediction.Lab;
        }
        HintPropagation.Apply(Device, prediction, ab, afterNetwork: networkAb is not null, hints!, settings, warm, nonLocal: steers, unsteered);
        return prediction.Lab;
    }

    /// <summary>
    /// The hints' colours as a palette (each hint weighted by its area), at the settings' strength, floor and spread;
    /// null when the settings turn it off. Gated by the model's own distribution: p_q (h_q + eps)^alpha moves a
    /// cell only among the colours it already finds likely, so a red hint does not make a sky red.
    /// </summary>
    internal static ColorPalette? HintPalette(IReadOnlyList<ColorHint> hints, PropagationSettings settings) =>
        settings.HintPaletteStrength <= 0 ? null
        : ColorPalette.FromColors(hints.Select(h => new PaletteColor(h.A, h.B, h.Size * h.Size))) with
        {
            Strength = settings.HintPaletteStrength, Floor = settings.HintPaletteFloor, Spread = settings.HintPaletteSpread,
        };

    private Tensor<float> Copy(Tensor<float> values)
    {
        Tensor<float> copy = Device.Allocate<float>("ab", values.Shape);
        copy.CopyFrom(values, 0);
        return copy;
    }

    /// <summary>
    /// Every cell of a (palette) prediction decoded at <paramref name="temperature"/>, each distribution
    /// re-weighted by <paramref name="colorPalette"/> when given: a new ab [1, 2, Height, Width] the caller disposes.
    /// </summary>
    private Tensor<float> DecodeAb(Prediction prediction, float temperature, ColorPalette? colorPalette = null)
    {
        int cells = prediction.Width * prediction.Height;
        using Tensor<float>? bias = colorPalette is null ? null : Device.Upload("palette.bias", new Shape(prediction.Classes), colorPalette.ClassBias(paletteValues!));
        Tensor<float> ab = Device.Allocate<float>("ab", Shape.Nchw(1, 2, prediction.Height, prediction.Width));
        SoftmaxOps.PaletteDecodeView(prediction.Values.View, palette!, ab.View,
            new PaletteDecodeArgs(cells, prediction.Classes, prediction.Plane, temperature, 0, prediction.Plane, cells, 0), bias);
        return ab;
    }

    private void CheckPalette(ColorPalette colorPalette)
    {
        if (palette is not null && !DecodesDistribution)
            throw new UserErrorException("the hint network's colours come from its ab head, not from a distribution a palette can re-weight; steer it with hints, or use an eccv16 or som-mlp model for a palette");
        if (palette is null)
            throw NoDistribution("this model", forPalette: true);
        colorPalette.CheckSettings();
    }

    /// <summary>
    /// The one refusal of a regression head (a model that predicts ab, with no distribution) where a distribution
    /// is asked for: a pixel's (<paramref name="forPalette"/> false) or one for a palette to re-weight. Colourizers,
    /// the command line and the web page all say it this way; <paramref name="model"/> names the model.
    /// </summary>
    internal static UserErrorException NoDistribution(string model, bool forPalette) =>
        new($"{model} has a regression head: it predicts ab directly, with no distribution {(forPalette ? "for a palette to re-weight" : "over colours")}");

    private void CheckOwner(Prediction prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        if (!ReferenceEquals(prediction.Owner, this))
            throw new ArgumentException("the prediction was made by another colourizer: decode it with the one that made it", nameof(prediction));
    }

    public void Dispose()
    {
        lock (gate)
        {
            palette?.Dispose();
            DisposeModel();
        }
    }
}
