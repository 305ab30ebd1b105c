using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Launch;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Hints;
using ILGPU;
using ILGPU.Runtime;
using static ColorKernels.Engine.Ops.OpChecks;

namespace ColorKernels.Engine.Ops;

/// <summary>Colour hints spread over a grid by a preconditioned conjugate gradient (Kernels/Hints; reference HintPropagationReference).</summary>
internal static class HintPropagationOps
{
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, HintArgs>> VarianceKernel = new(HintPropagationKernels.HintVarianceKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, HintArgs>> AffinityKernel = new(HintPropagationKernels.HintAffinityKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, HintArgs>> ResidualKernel = new(HintPropagationKernels.HintResidualKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, HintArgs>> ApplyKernel = new(HintPropagationKernels.HintApplyKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, HintArgs>> StartKernel = new(HintPropagationKernels.HintStartKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, HintArgs>> DotKernel = new(HintPropagationKernels.HintDotKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, HintArgs>> ScalarKernel = new(HintPropagationKernels.HintScalarKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, Floats, Floats, Floats, HintArgs>> StepKernel = new(HintPropagationKernels.HintStepKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, HintArgs>> DirectionKernel = new(HintPropagationKernels.HintDirectionKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, Floats, Floats, Floats, HintArgs>> SolveKernel = new(HintPropagationKernels.HintSolveKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, UpsampleArgs>> UpsampleKernel = new(HintPropagationKernels.HintUpsampleKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, Floats, NonLocalArgs>> NonLocalKernel = new(HintPropagationKernels.HintNonLocalKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, PaletteGateArgs>> PaletteGateKernel = new(HintPropagationKernels.HintPaletteGateKernel);

    /// <summary>
    /// The hints' palette kept only where the hints speak for a cell (<see cref="HintPropagationKernels.HintPaletteGateKernel"/>):
    /// <paramref name="steered"/> [1, 2, H, W] (the grid decoded with the hints' palette) pulled back toward
    /// <paramref name="plain"/> [1, 2, H, W] (decoded without it) except where <paramref name="reach"/> (the first plane: the
    /// hint mask spread by the solve) is near 1 or the cell's L (<paramref name="y"/> [1, 1, H, W], L / 100) and plain ab
    /// are near a hinted cell's (<paramref name="table"/> [hinted, 5]: y, plain a, b and two unread values a row), at the
    /// alike cells' sigmas.
    /// </summary>
    public static void PaletteGate(Tensor<float> y, Tensor<float> plain, Tensor<float> reach, Tensor<float> table, Tensor<float> steered, PropagationSettings settings)
    {
        Shape s = Grid(y);
        Expect(plain, Shape.Nchw(1, 2, s[2], s[3]));
        Expect(steered, plain.Shape);
        int cells = s[2] * s[3];
        if (reach.Elements < cells || table.Elements % NonLocalArgs.Row != 0)
            throw new ArgumentException($"tensor '{reach.Name}' {reach.Shape} or '{table.Name}' {table.Shape}: expected a reach over {cells} cells and a table of rows of {NonLocalArgs.Row}");
        if (!(settings.NonLocalSigmaY > 0) || !(settings.NonLocalSigmaAb > 0))
            throw new ArgumentException($"alike-cell sigmas out of range: {settings}");
        ComputeDevice d = SameDevice(y, plain, steered);
        SameDevice(reach, table, table);
        int hinted = table.Elements / NonLocalArgs.Row;
        ElementLaunch l = d.Launcher.ForElements(cells);
        using (d.Launcher.Time(PaletteGateKernel, 12.0 * hinted * cells, 4.0 * (7 * cells + 3 * hinted * cells)))
            d.Kernels.Load(PaletteGateKernel)(d.Stream, l.Config, y.View, plain.View, reach.View, table.View, steered.View,
                new PaletteGateArgs(cells, hinted, 1f / settings.NonLocalSigmaY, 1f / settings.NonLocalSigmaAb, l.RunLength));
    }

    /// <summary>
    /// The solved correction <paramref name="x"/> [1, 2, H, W] of each free cell pulled toward the corrections of the
    /// hinted cells the model coloured alike (<see cref="HintPropagationKernels.HintNonLocalKernel"/>): <paramref name="y"/>
    /// [1, 1, H, W] the grid's L / 100, <paramref name="ab"/> [1, 2, H, W] the model's decoded grid, <paramref name="mask"/>
    /// [1, 1, H, W] 1 at hinted cells, <paramref name="reach"/> [1, 1, H, W] (or the first plane of a larger tensor) the
    /// mask spread by the solve, <paramref name="table"/> [hinted, 5] (y, model a, b, correction a, b per hinted cell).
    /// </summary>
    public static void NonLocal(Tensor<float> y, Tensor<float> ab, Tensor<float> mask, Tensor<float> reach, Tensor<float> table, Tensor<float> x, PropagationSettings settings)
    {
        Shape s = Grid(y);
        Expect(mask, s);
        Expect(ab, Shape.Nchw(1, 2, s[2], s[3]));
        Expect(x, ab.Shape);
        int cells = s[2] * s[3];
        if (reach.Elements < cells || table.Elements % NonLocalArgs.Row != 0)
            throw new ArgumentException($"tensor '{reach.Name}' {reach.Shape} or '{table.Name}' {table.Shape}: expected a reach over {cells} cells and a table of rows of {NonLocalArgs.Row}");
        if (!(settings.NonLocalSigmaY > 0) || !(settings.NonLocalSigmaAb > 0) || !(settings.NonLocalStrength >= 0))
            throw new ArgumentException($"non-local hint settings out of range: {settings}");
        ComputeDevice d = SameDevice(y, ab, x);
        SameDevice(mask, reach, table);
        int hinted = table.Elements / NonLocalArgs.Row;
        ElementLaunch l = d.Launcher.ForElements(cells);
        using (d.Launcher.Time(NonLocalKernel, 20.0 * hinted * cells, 4.0 * (6 * cells + NonLocalArgs.Row * hinted * cells)))
            d.Kernels.Load(NonLocalKernel)(d.Stream, l.Config, y.View, ab.View, mask.View, reach.View, table.View, x.View,
                new NonLocalArgs(cells, hinted, 1f / settings.NonLocalSigmaY, 1f / settings.NonLocalSigmaAb, settings.NonLocalStrength, l.RunLength));
    }

    /// <summary>
    /// lab [1, 3, H, W]'s a and b += the grid's correction <paramref name="x"/> [1, 2, h, w] upsampled jointly
    /// bilaterally, guided by lab's L against <paramref name="y"/> [1, 1, h, w] (L / 100 at the grid).
    /// </summary>
    public static void Upsample(Tensor<float> x, Tensor<float> y, Tensor<float> lab, PropagationSettings settings)
    {
        Shape g = Grid(y), t = Rank4(lab);
        Expect(x, Shape.Nchw(1, 2, g[2], g[3]));
        if (t[0] != 1 || t[1] != 3)
            throw new ArgumentException($"tensor '{lab.Name}' is {t}; expected a Lab picture [1, 3, H, W]");
        if (settings.UpsampleRadius < 1 || !(settings.SigmaSpace > 0) || !(settings.SigmaRange > 0))
            throw new ArgumentException($"hint upsampling settings out of range: {settings}");
        ComputeDevice d = SameDevice(x, y, lab);
        int pixels = t[2] * t[3], window = 4 * settings.UpsampleRadius * settings.UpsampleRadius;
        ElementLaunch l = d.Launcher.ForElements(pixels);
        using (d.Launcher.Time(UpsampleKernel, 14.0 * window * pixels, 4.0 * (3 * pixels + 2 * window * pixels)))
            d.Kernels.Load(UpsampleKernel)(d.Stream, l.Config, x.View, y.View, lab.View,
                new UpsampleArgs(g[3], g[2], t[3], t[2], settings.UpsampleRadius, settings.SigmaSpace, settings.SigmaRange, l.RunLength));
    }

    /// <summary>The 3 x 3 window variance of <paramref name="y"/> [1, 1, H, W] into <paramref name="variance"/> (same shape).</summary>
    public static void Variance(Tensor<float> y, Tensor<float> variance, PropagationSettings settings)
    {
        Shape s = Grid(y);
        Expect(variance, s);
        ComputeDevice d = SameDevice(y, variance, variance);
        int cells = s[2] * s[3];
        ElementLaunch l = d.Launcher.ForElements(cells);
        using (d.Launcher.Time(VarianceKernel, 36.0 * cells, 8.0 * cells))
            d.Kernels.Load(VarianceKernel)(d.Stream, l.Config, y.View, variance.View, Args(s, l, settings));
    }

    /// <summary>The affinity weights [8, H, W] and diagonal [1, 1, H, W] from <paramref name="y"/> and its window variance.</summary>
    public static void Affinity(Tensor<float> y, Tensor<float> variance, Tensor<float> weights, Tensor<float> diag, PropagationSettings settings)
    {
        Shape s = Grid(y);
        Expect(variance, s);
        Expect(weights, Shape.Nchw(8, 1, s[2], s[3]));
        Expect(diag, s);
        ComputeDevice d = SameDevice(y, weights, diag);
        int cells = s[2] * s[3];
        ElementLaunch l = d.Launcher.ForElements(cells);
        using (d.Launcher.Time(AffinityKernel, 8.0 * 10 * cells, 4.0 * (4 + 8) * cells))
            d.Kernels.Load(AffinityKernel)(d.Stream, l.Config, y.View, variance.View, weights.View, diag.View, Args(s, l, settings));
    }

    /// <summary>q = A p on the free cells (0 at hint cells); p, q [1, 2, H, W].</summary>
    public static void Apply(Tensor<float> weights, Tensor<float> diag, Tensor<float> mask, Tensor<float> p, Tensor<float> q, PropagationSettings settings) =>
        Stencil(ApplyKernel, weights, diag, mask, p, q, settings);

    /// <summary>r = b - A x on the free cells (0 at hint cells), x holding the hint values at hint cells; x, r [1, 2, H, W].</summary>
    public static void Residual(Tensor<float> weights, Tensor<float> diag, Tensor<float> mask, Tensor<float> x, Tensor<float> residual, PropagationSettings settings) =>
        Stencil(ResidualKernel, weights, diag, mask, x, residual, settings);

    /// <summary>The operator and the residual: one 9-point stencil over both channels, reading the weights, diagonal and mask.</summary>
    private static void Stencil(Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, HintArgs>> kernel,
        Tensor<float> weights, Tensor<float> diag, Tensor<float> mask, Tensor<float> input, Tensor<float> output, PropagationSettings settings)
    {
        Shape s = CheckSystem(weights, diag, mask, input, output);
        ComputeDevice d = input.Device;
        int cells = s[2] * s[3];
        ElementLaunch l = d.Launcher.ForElements(cells);
        using (d.Launcher.Time(kernel, 2.0 * 18 * cells, 4.0 * (8 + 2 + 2 * 9 + 2) * cells))
            d.Kernels.Load(kernel)(d.Stream, l.Config, weights.View, diag.View, mask.View, input.View, output.View, Args(s, l, settings));
    }

    /// <summary>
    /// Spreads hints over the grid of <paramref name="y"/> (L / 100, [1, 1, H, W]): on entry <paramref name="x"/>
    /// [1, 2, H, W] holds each hint cell's (a, b) where <paramref name="mask"/> [1, 1, H, W] is 1, and the
    /// starting estimate elsewhere (0 when there is none); on return every free cell holds the propagated
    /// values (the hint cells keep theirs).
    /// A Jacobi-preconditioned conjugate gradient, <see cref="PropagationSettings.Iterations"/> steps, all on the
    /// device (no read-back): 7 launches a step, or the whole solve in one launch (<see cref="PropagationSettings.Solve"/>).
    /// </summary>
    public static void Propagate(Tensor<float> y, Tensor<float> mask, Tensor<float> x, PropagationSettings settings)
    {
        Shape s = Grid(y);
        Expect(mask, s);
        Expect(x, Shape.Nchw(1, 2, s[2], s[3]));
        if (settings.Iterations < 0 || !(settings.SigmaScale > 0) || !(settings.SigmaFloor > 0) || !(settings.Lambda >= 0))
            throw new ArgumentException($"hint settings out of range: {settings}");
        ComputeDevice d = SameDevice(y, mask, x);
        int cells = s[2] * s[3];
        Shape vector = x.Shape;
        using Tensor<float> variance = d.Allocate<float>("hint.variance", s);
        using Tensor<float> weights = d.Allocate<float>("hint.weights", Shape.Nchw(8, 1, s[2], s[3]));
        using Tensor<float> diag = d.Allocate<float>("hint.diag", s);
        using Tensor<float> residual = d.Allocate<float>("hint.r", vector);
        using Tensor<float> z = d.Allocate<float>("hint.z", vector);
        using Tensor<float> p = d.Allocate<float>("hint.p", vector);
        using Tensor<float> q = d.Allocate<float>("hint.q", vector);
        Variance(y, variance, settings);
        Affinity(y, variance, weights, diag, settings);
        if (OneLaunch(d, cells, settings.Solve))
        {
            var one = new HintArgs(s[3], s[2], cells, settings.SigmaScale, settings.SigmaFloor, settings.Lambda, iterations: settings.Iterations);
            using (d.Launcher.Time(SolveKernel, 2.0 * (18 + 18) * cells * (settings.Iterations + 1), 4.0 * 2 * (8 + 2 + 9 + 16) * cells * (settings.Iterations + 1)))
                d.Kernels.Load(SolveKernel)(d.Stream, new KernelConfig(1, 1), weights.View, diag.View, mask.View, x.View, residual.View, z.View, p.View, q.View, one);
            return;
        }
        // The steps' own: the scalars and each thread's partial dot products (the one-launch solve keeps its in registers).
        using Tensor<float> scalars = d.Allocate<float>("hint.scalars", new Shape(8));
        ElementLaunch l = d.Launcher.ForElements(cells);
        int threads = l.Config.GridDim.X * l.Config.GroupDim.X;
        using Tensor<float> partials = d.Allocate<float>("hint.partials", new Shape(2 * threads));
        HintArgs args = Args(s, l, settings, threads);
        Residual(weights, diag, mask, x, residual, settings);
        using (d.Launcher.Time(StartKernel, 2.0 * cells, 4.0 * 8 * cells))
            d.Kernels.Load(StartKernel)(d.Stream, l.Config, residual.View, diag.View, mask.View, z.View, p.View, args);
        Dot(d, l, residual, z, partials, scalars, args, HintArgs.Start);
        for (int i = 0; i < settings.Iterations; i++)
        {
            Apply(weights, diag, mask, p, q, settings);
            Dot(d, l, p, q, partials, scalars, args, HintArgs.Alpha);
            using (d.Launcher.Time(StepKernel, 8.0 * cells, 4.0 * 16 * cells))
                d.Kernels.Load(StepKernel)(d.Stream, l.Config, x.View, residual.View, z.View, p.View, q.View, diag.View, mask.View, scalars.View, args);
            Dot(d, l, residual, z, partials, scalars, args, HintArgs.Beta);
            using (d.Launcher.Time(DirectionKernel, 4.0 * cells, 4.0 * 6 * cells))
                d.Kernels.Load(DirectionKernel)(d.Stream, l.Config, z.View, p.View, scalars.View, args);
        }
    }

    /// <summary>
    /// Grids up to this many cells solve in one launch on the CPU accelerator (<see cref="HintSolve.Auto"/>): there
    /// one launch beat 7 a step from 28 x 28 (the built-in model's grid) to 128 x 128 (perf/NOTES.md, hint-solve).
    /// </summary>
    public const int OneLaunchCells = 128 * 128;

    /// <summary>Whether a solve over <paramref name="cells"/> cells on <paramref name="d"/> runs in one launch.</summary>
    internal static bool OneLaunch(ComputeDevice d, int cells, HintSolve solve) => solve switch
    {
        HintSolve.OneLaunch => true,
        HintSolve.LaunchPerStep => false,
        _ => d.Kind == DeviceKind.Cpu && cells <= OneLaunchCells,
    };

    /// <summary>Per-channel u . v into the partials, then the scalar step <paramref name="mode"/> (one thread, in order).</summary>
    private static void Dot(ComputeDevice d, ElementLaunch l, Tensor<float> u, Tensor<float> v, Tensor<float> partials, Tensor<float> scalars, HintArgs args, int mode)
    {
        int cells = args.Cells;
        using (d.Launcher.Time(DotKernel, 4.0 * cells, 4.0 * 4 * cells))
            d.Kernels.Load(DotKernel)(d.Stream, l.Config, u.View, v.View, partials.View, args);
        var scalar = new HintArgs(args.Width, args.Height, 1, args.SigmaScale, args.SigmaFloor, args.Lambda, args.Threads, mode);
        using (d.Launcher.Time(ScalarKernel, 2.0 * args.Threads, 4.0 * 2 * args.Threads))
            d.Kernels.Load(ScalarKernel)(d.Stream, new KernelConfig(1, 1), partials.View, scalars.View, scalar);
    }

    private static HintArgs Args(Shape s, ElementLaunch l, PropagationSettings settings, int threads = 0) =>
        new(s[3], s[2], l.RunLength, settings.SigmaScale, settings.SigmaFloor, settings.Lambda, threads);

    private static Shape Grid(Tensor<float> y)
    {
        Shape s = Rank4(y);
        if (s[0] != 1 || s[1] != 1)
            throw new ArgumentException($"tensor '{y.Name}' must be a grid [1, 1, H, W]; it is {s}");
        return s;
    }

    private static Shape CheckSystem(Tensor<float> weights, Tensor<float> diag, Tensor<float> mask, Tensor<float> u, Tensor<float> v)
    {
        Shape s = Grid(diag);
        Expect(mask, s);
        Expect(weights, Shape.Nchw(8, 1, s[2], s[3]));
        Expect(u, Shape.Nchw(1, 2, s[2], s[3]));
        Expect(v, u.Shape);
        SameDevice(weights, diag, u);
        return s;
    }
}
