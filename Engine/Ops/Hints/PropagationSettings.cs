using ColorKernels.Kernels.Hints;

namespace ColorKernels.Engine.Ops;

/// <summary>
/// How hints spread (see <see cref="HintPropagationKernels"/>): the affinity's sigma scale and floor, the pull towards 0,
/// and the solver's iterations. The defaults were chosen with `perf --filter hints` on the first 20 of 40
/// held-out photos (perf/NOTES.md): a floor of 1e-2 (L steps under about 10 count as one surface, so
/// flat but noisy regions conduct) with a small scale (a window's variance does not soften a real edge),
/// and a pull of 1e-3 towards no correction: on photos it ties with none (24.62 against 24.59 dB at 10
/// hints), and it keeps a region no hint reaches, behind a strong edge, at the model's colours (with
/// none, the exact solution carries the one correction there too). Levin's own 0.6 and 2e-6 scored the
/// same on photos but leak across edges without his per-row normalisation (42% on the two-region test).
/// 100 solver steps: on 20 photos the same PSNR and AuC as 200 at 10 and 50 hints (-0.03 dB at 2 on one half,
/// where corrections travel furthest), in half the time; 60 lost 0.1 dB at 2 hints.
/// Upsampling: <see cref="EdgeAware"/> brings the grid's correction to the picture by joint bilateral
/// upsampling guided by its full-resolution L (<see cref="HintPropagationKernels.HintUpsampleKernel"/>: a window of
/// <see cref="UpsampleRadius"/> cells each way, <see cref="SigmaSpace"/> in cells, <see cref="SigmaRange"/>
/// in L / 100); off, it is resized bilinearly with the model's ab. Chosen on 20 photos: the bilinear
/// resize's 2 x 2 cells with sigma 0.5 keep 93-94% of the hinted patches within 5 of their hint (bilinear
/// 94-95%) at equal or better PSNR and AuC; a 4 x 4 window of sigma 1 blurred them to 85-87% (perf/NOTES.md).
/// After a network that reads hints itself (the hint network), <see cref="PropagateAfterNetwork"/> spreads what
/// its output leaves off the hints, over its ab grid made <see cref="PropagationDivisor"/> times coarser
/// (4: ECCV16's grid at the same input size, where the settings above were chosen).
/// A film's frame whose solve starts from the frame before's correction (a steered film, within a shot) takes
/// <see cref="WarmIterations"/> steps: 25 kept the three measured clips within 0.2 dB of solving from zero at
/// three quarters of the time (docs/hints.md, "Films").
/// Hints are also a palette (<see cref="HintPaletteStrength"/>, <see cref="HintPaletteFloor"/>,
/// <see cref="HintPaletteSpread"/>; <see cref="Models.CodebookColorizer.HintPalette"/>): without a palette of the person's own,
/// the hints' colours re-weight every cell's distribution, p_q (h_q + eps)^alpha, so places no hint reaches lean
/// toward the hinted colours among those the model finds likely there. Chosen on the choosing halves (alpha 0.5 or 1,
/// eps 1e-3, 1e-2 or 1e-1, sigma 5 or 10; docs/hints.md): alpha 1, eps 1e-2, sigma 5 (+0.14 dB at 10 hints and +0.59 at
/// 2 on imagenet-val's; +0.20 at 10 on cc0-photos': docs/hints/runs/hints-palette-*.txt).
/// Hints also reach cells the model coloured alike, however far (<see cref="NonLocalStrength"/>, <see cref="NonLocalSigmaY"/>,
/// <see cref="NonLocalSigmaAb"/>; <see cref="HintPropagationKernels.HintNonLocalKernel"/>, for a network's 313 bins only, as the
/// hint palette): where the local spread did not arrive, a cell takes the corrections of hinted cells whose L and decoded
/// ab are near its own. Chosen on imagenet-val's choosing half (sigma_L 4-10 L units, sigma_ab 4-12, strength 1-30;
/// docs/hints.md): 6 L units, 8 ab, 5 (+0.15 dB at 10 hints there, rebalanced AuC within 0.03). 0 turns it off. Its strength
/// grows from none at one hint to all at <see cref="NonLocalFullHints"/> (5; 3 and 10 measured): at full strength one or
/// two hints lost 0.15 dB, a single hint's correction pulled onto every alike cell.
/// The hints' palette is gated by place (<see cref="HintPaletteGated"/>; <see cref="HintPropagationKernels.HintPaletteGateKernel"/>):
/// a cell keeps it only as far as the hint mask's spread arrives or it is alike to a hinted cell (the alike cells' sigmas), and
/// where hints steer the distribution the affinity's floor is <see cref="SteeredSigmaFloor"/>. Both chosen on the choosing
/// halves of two benches (2026-12-08, docs/hints.md "Hints on one object"): the scattered hints above, and hints on one
/// object of a photo (perf --filter hints-object), where the ungated palette and the 1e-2 floor moved 70-90 % of the rest of
/// the photo, the places whose true colour is unlike the hints', toward the hints' colour and left the photo as a whole
/// worse than automatic from 2 hints on. Floors 1e-3, 3e-3 and 1e-2 and gates by likeness alone or with the reach were
/// measured; 3e-3 with the reach kept the scattered bench at 10 hints (within 0.1 dB, rebalanced AuC up) where 1e-3 lost
/// up to 0.4 dB. SOM + MLP and no model keep 1e-2: without the palette and the alike cells the spread is all that carries a
/// hint, and 3e-3 lost them 0.2-0.55 dB at 10 hints.
/// </summary>
internal sealed record PropagationSettings(float SigmaScale = 0.05f, float SigmaFloor = 1e-2f, float Lambda = 1e-3f, int Iterations = 100,
    bool EdgeAware = true, int UpsampleRadius = 1, float SigmaSpace = 0.5f, float SigmaRange = 0.1f, bool PropagateAfterNetwork = true,
    int PropagationDivisor = 4, int WarmIterations = 25, float HintPaletteStrength = 1f, float HintPaletteFloor = 1e-2f,
    float HintPaletteSpread = 5f, HintSolve Solve = HintSolve.Auto, float NonLocalStrength = 5f, float NonLocalSigmaY = 0.06f, float NonLocalSigmaAb = 8f, int NonLocalFullHints = 5,
    bool HintPaletteGated = true, float SteeredSigmaFloor = 3e-3f)
{
    /// <summary>
    /// The settings a decode uses: where the hints also steer the model's distribution (<paramref name="steersDistribution"/>:
    /// the hints' palette and the pull toward alike cells, ECCV16's 313 bins) the affinity's floor is
    /// <see cref="SteeredSigmaFloor"/>, so the local spread stops at weaker edges and leaves the alike cells beyond them to
    /// those two; without them (SOM + MLP, no model, after the hint network) the local spread is all that carries a hint,
    /// and <see cref="SigmaFloor"/> stays.
    /// </summary>
    public PropagationSettings For(bool steersDistribution) => steersDistribution ? this with { SigmaFloor = SteeredSigmaFloor } : this;
}

/// <summary>
/// How <see cref="HintPropagationOps.Propagate"/> runs its conjugate gradient: a few launches a step
/// (<see cref="LaunchPerStep"/>, every cell a thread: a GPU's path), or the whole solve in one launch of one thread
/// (<see cref="OneLaunch"/>: the CPU accelerator's, where launches cost more than a small grid's work;
/// perf --filter hint-solve). <see cref="Auto"/> takes one launch on the CPU accelerator up to
/// <see cref="HintPropagationOps.OneLaunchCells"/> cells, a launch per step otherwise.
/// </summary>
internal enum HintSolve
{
    Auto,
    LaunchPerStep,
    OneLaunch,
}
