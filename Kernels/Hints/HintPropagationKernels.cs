using ColorKernels.Kernels.Common;
using ILGPU;

namespace ColorKernels.Kernels.Hints;

/// <summary>
/// A hint propagation over a <see cref="Width"/> x <see cref="Height"/> grid of cells (the prediction's grid).
/// <see cref="SigmaScale"/> and <see cref="SigmaFloor"/> shape the affinity (see
/// <see cref="HintPropagationKernels.HintAffinityKernel"/>), <see cref="Lambda"/> ties every free cell weakly to 0 (a
/// correction fades far from the hints instead of spreading over the whole picture; 0 is Levin et al.'s
/// plain interpolation), <see cref="Threads"/> is the element launch's thread count (one partial sum each),
/// <see cref="Mode"/> the scalar kernel's step.
/// </summary>
public readonly struct HintArgs
{
    public HintArgs(int width, int height, int runLength, float sigmaScale, float sigmaFloor, float lambda, int threads = 0, int mode = 0, int iterations = 0)
    {
        Iterations = iterations;
        Width = width;
        Height = height;
        RunLength = runLength;
        SigmaScale = sigmaScale;
        SigmaFloor = sigmaFloor;
        Lambda = lambda;
        Threads = threads;
        Mode = mode;
    }

    public int Width { get; }
    public int Height { get; }
    public int RunLength { get; }
    public float SigmaScale { get; }
    public float SigmaFloor { get; }
    public float Lambda { get; }
    public int Threads { get; }

    /// <summary>HintScalarKernel: 0 start (rz), 1 alpha, 2 beta.</summary>
    public int Mode { get; }

    /// <summary>HintSolveKernel: the conjugate gradient's steps.</summary>
    public int Iterations { get; }

    public int Cells => Width * Height;

    /// <summary>Scalar kernel modes.</summary>
    public const int Start = 0, Alpha = 1, Beta = 2;
}

/// <summary>
/// Colour hints spread over a picture (Levin, Lischinski, Weiss, "Colorization using Optimization", 2004):
/// neighbouring cells whose L is alike get alike colours. On a grid of cells with luminance y = L / 100,
/// each cell is joined to its 8 neighbours by w_rs = exp(-(y_r - y_s)^2 / (2 sigma_rs^2)) with sigma_rs^2 =
/// max(SigmaScale (var_r + var_s) / 2, SigmaFloor), var the variance of y over a cell's 3 x 3 window; the
/// weights are symmetric (Levin's are normalised per row, which makes the system unsymmetric), so the
/// values x (a, b) minimising sum over edges of w_rs (x_r - x_s)^2 + Lambda sum of x_r^2, with x held at the
/// hint cells, solve an SPD system (D - W + Lambda I) x = b on the free cells, which a Jacobi-preconditioned
/// conjugate gradient solves on the device: these kernels are its steps. Vectors are [2, cells] (a then b,
/// two independent solves sharing one matrix); weights [8, cells] in the order (dy, dx) = (-1, -1), (-1, 0),
/// (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1), 0 outside the grid; mask [cells] is 1 at hint cells.
/// Element-wise kernels take runs of cells; the reductions are per-thread partial sums added in order by
/// one thread, so results do not depend on timing.
/// </summary>
/// <summary>
/// HintUpsampleKernel's shape: the grid (GridW x GridH) and the picture (OutW x OutH), the window's
/// <see cref="Radius"/> in cells, the spatial sigma in cells and the range sigma in L / 100.
/// </summary>
public readonly struct UpsampleArgs
{
    public UpsampleArgs(int gridW, int gridH, int outW, int outH, int radius, float sigmaSpace, float sigmaRange, int runLength)
    {
        GridW = gridW; GridH = gridH; OutW = outW; OutH = outH; Radius = radius; SigmaSpace = sigmaSpace; SigmaRange = sigmaRange; RunLength = runLength;
    }

    public int GridW { get; }
    public int GridH { get; }
    public int OutW { get; }
    public int OutH { get; }
    public int Radius { get; }
    public float SigmaSpace { get; }
    public float SigmaRange { get; }
    public int RunLength { get; }
}

/// <summary>
/// HintNonLocalKernel's shape: the grid's cells, the hinted cells' table (<see cref="Hinted"/> rows of y, the model's a
/// and b, the correction's a and b), 1 / sigma for y (L / 100) and for ab, the strength, the element launch's run.
/// </summary>
public readonly struct NonLocalArgs
{
    public NonLocalArgs(int cells, int hinted, float inverseSigmaY, float inverseSigmaAb, float strength, int runLength)
    {
        Cells = cells; Hinted = hinted; InverseSigmaY = inverseSigmaY; InverseSigmaAb = inverseSigmaAb; Strength = strength; RunLength = runLength;
    }

    public int Cells { get; }
    public int Hinted { get; }
    public float InverseSigmaY { get; }
    public float InverseSigmaAb { get; }
    public float Strength { get; }
    public int RunLength { get; }

    /// <summary>Values per row of the hinted cells' table: y, model a, model b, correction a, correction b.</summary>
    public const int Row = 5;
}

/// <summary>
/// HintPaletteGateKernel's shape: the grid's cells, the hinted cells' table (<see cref="Hinted"/> rows laid out as
/// <see cref="NonLocalArgs.Row"/>: y, the plain decode's a and b, two values it does not read), 1 / sigma for y (L / 100)
/// and for ab, the element launch's run.
/// </summary>
public readonly struct PaletteGateArgs
{
    public PaletteGateArgs(int cells, int hinted, float inverseSigmaY, float inverseSigmaAb, int runLength)
    {
        Cells = cells; Hinted = hinted; InverseSigmaY = inverseSigmaY; InverseSigmaAb = inverseSigmaAb; RunLength = runLength;
    }

    public int Cells { get; }
    public int Hinted { get; }
    public float InverseSigmaY { get; }
    public float InverseSigmaAb { get; }
    public int RunLength { get; }
}

public static class HintPropagationKernels
{
    /// <summary>
    /// HintNonLocalKernel (issue #43): the solved correction x [2, cells] of each free cell (mask 0) pulled toward the
    /// corrections of the hinted cells the model coloured alike, however far: with w_h = exp(-((y_r - y_h) / sigma_y)^2 / 2
    /// - |ab_r - ab_h|^2 / (2 sigma_ab^2)) over the table's rows h (ab the model's decoded grid [2, cells]),
    /// alpha = min(1, Strength max_h w_h clamp(1 - reach_r, 0, 1)) and x_r = (1 - alpha) x_r + alpha sum_h w_h d_h / sum_h w_h,
    /// d_h the hint's correction. reach [cells] is the hint mask spread by the same solve (near 1 close to a hint, near 0
    /// where its local spread did not arrive), so what the local spread reached keeps it. A sum that underflows leaves the
    /// cell as it is. In place (each thread writes its own cell; the table is apart). Thread: cells.
    /// </summary>
    public static void HintNonLocalKernel(ArrayView<float> y, ArrayView<float> ab, ArrayView<float> mask, ArrayView<float> reach, ArrayView<float> table,
        ArrayView<float> x, NonLocalArgs a)
    {
        int total = a.Cells, run = a.RunLength;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int r = start, end = Math.Min(start + run, total); r < end; r++)
            {
                if (mask[r] != 0f)
                    continue;
                float yr = y[r], ar = ab[r], br = ab[total + r];
                float sum = 0f, sumA = 0f, sumB = 0f, best = 0f;
                for (int h = 0; h < a.Hinted; h++)
                {
                    int o = h * NonLocalArgs.Row;
                    float dy = (yr - table[o]) * a.InverseSigmaY, da = (ar - table[o + 1]) * a.InverseSigmaAb, db = (br - table[o + 2]) * a.InverseSigmaAb;
                    float w = MathF.Exp(-0.5f * (dy * dy + da * da + db * db));
                    sum += w;
                    sumA += w * table[o + 3];
                    sumB += w * table[o + 4];
                    best = MathF.Max(best, w);
                }
                if (!(sum > 0f))
                    continue;
                float alpha = MathF.Min(1f, a.Strength * best * MathF.Min(1f, MathF.Max(0f, 1f - reach[r])));
                x[r] = (1f - alpha) * x[r] + alpha * (sumA / sum);
                x[total + r] = (1f - alpha) * x[total + r] + alpha * (sumB / sum);
            }
    }

    /// <summary>
    /// HintPaletteGateKernel (issue #43, "gated so that a red shirt hint does not turn the sky red"): the hints' palette
    /// kept only where the hints speak for the cell. steered [2, cells] (the decode re-weighted by the hints' colours) is
    /// pulled back to plain [2, cells] (the same cells decoded without them): steered_r = plain_r + g_r (steered_r -
    /// plain_r), g_r = max(clamp(reach_r, 0, 1), max_h exp(-((y_r - y_h) / sigma_y)^2 / 2 - |plain_r - plain_h|^2 /
    /// (2 sigma_ab^2))) over the table's hinted cells h: 1 where the hints' local spread arrives (reach [cells], the hint
    /// mask spread by the solve) or where a cell is alike in L and in the model's own colour to a hinted one (as
    /// HintNonLocalKernel's weights), near 0 elsewhere. In place (each thread its own cell). Thread: cells.
    /// </summary>
    public static void HintPaletteGateKernel(ArrayView<float> y, ArrayView<float> plain, ArrayView<float> reach, ArrayView<float> table,
        ArrayView<float> steered, PaletteGateArgs a)
    {
        int total = a.Cells, run = a.RunLength;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int r = start, end = Math.Min(start + run, total); r < end; r++)
            {
                float yr = y[r], ar = plain[r], br = plain[total + r];
                float gate = MathF.Min(1f, MathF.Max(0f, reach[r]));
                for (int h = 0; h < a.Hinted; h++)
                {
                    int o = h * NonLocalArgs.Row;
                    float dy = (yr - table[o]) * a.InverseSigmaY, da = (ar - table[o + 1]) * a.InverseSigmaAb, db = (br - table[o + 2]) * a.InverseSigmaAb;
                    gate = MathF.Max(gate, MathF.Exp(-0.5f * (dy * dy + da * da + db * db)));
                }
                steered[r] = ar + gate * (steered[r] - ar);
                steered[total + r] = br + gate * (steered[total + r] - br);
            }
    }

    /// <summary>Neighbour k's row offset.</summary>
    public static int Dy(int k) => k < 3 ? -1 : k < 5 ? 0 : 1;

    /// <summary>Neighbour k's column offset.</summary>
    public static int Dx(int k) => k == 1 || k == 6 ? 0 : k == 0 || k == 3 || k == 5 ? -1 : 1;

    /// <summary>HintVarianceKernel: variance[r] = the (biased) variance of y over r's 3 x 3 window, clipped to the grid. y, variance [cells]. Thread: cells.</summary>
    public static void HintVarianceKernel(ArrayView<float> y, ArrayView<float> variance, HintArgs a)
    {
        int total = a.Cells, run = a.RunLength;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int r = start, end = Math.Min(start + run, total); r < end; r++)
            {
                int row = r / a.Width, col = r - row * a.Width, count = 0;
                float sum = 0f;
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++)
                    {
                        int yy = row + dy, xx = col + dx;
                        if (yy >= 0 && yy < a.Height && xx >= 0 && xx < a.Width)
                        {
                            sum += y[yy * a.Width + xx];
                            count++;
                        }
                    }
                float mean = sum / count, squares = 0f;
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++)
                    {
                        int yy = row + dy, xx = col + dx;
                        if (yy >= 0 && yy < a.Height && xx >= 0 && xx < a.Width)
                        {
                            float d = y[yy * a.Width + xx] - mean;
                            squares += d * d;
                        }
                    }
                variance[r] = squares / count;
            }
    }

    /// <summary>
    /// HintAffinityKernel: weights[k, r] = exp(-(y_r - y_s)^2 / (2 sigma_rs^2)) for r's neighbour s in
    /// direction k (0 outside the grid), sigma_rs^2 = max(SigmaScale (var_r + var_s) / 2, SigmaFloor), the same
    /// value seen from either end; diag[r] = the sum of r's weights + Lambda. Thread: cells.
    /// </summary>
    public static void HintAffinityKernel(ArrayView<float> y, ArrayView<float> variance, ArrayView<float> weights, ArrayView<float> diag, HintArgs a)
    {
        int total = a.Cells, run = a.RunLength;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int r = start, end = Math.Min(start + run, total); r < end; r++)
            {
                int row = r / a.Width, col = r - row * a.Width;
                float sum = 0f;
                for (int k = 0; k < 8; k++)
                {
                    int yy = row + Dy(k), xx = col + Dx(k);
                    float w = 0f;
                    if (yy >= 0 && yy < a.Height && xx >= 0 && xx < a.Width)
                    {
                        int s = yy * a.Width + xx;
                        float d = y[r] - y[s];
                        float sigma2 = MathF.Max(a.SigmaScale * (variance[r] + variance[s]) * 0.5f, a.SigmaFloor);
                        w = MathF.Exp(-d * d / (2f * sigma2));
                    }
                    weights[k * total + r] = w;
                    sum += w;
                }
                diag[r] = sum + a.Lambda;
            }
    }

    /// <summary>
    /// HintResidualKernel: r = b - A x on the free cells, 0 at hint cells: r_c[r] = sum_k w_k x_c[s] - diag[r]
    /// x_c[r] (x holds the hint values at hint cells and the current estimate elsewhere, so the hints' pull
    /// is the b part). x, residual [2, cells]. Thread: cells (both channels).
    /// </summary>
    public static void HintResidualKernel(ArrayView<float> weights, ArrayView<float> diag, ArrayView<float> mask, ArrayView<float> x, ArrayView<float> residual, HintArgs a)
    {
        int total = a.Cells, run = a.RunLength;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int r = start, end = Math.Min(start + run, total); r < end; r++)
                for (int c = 0; c < 2; c++)
                    residual[c * total + r] = mask[r] != 0f ? 0f : Neighbours(weights, x, c * total, r, a) - diag[r] * x[c * total + r];
    }

    /// <summary>HintApplyKernel: q = A p on the free cells (diag p_r - sum_k w_k p_s), 0 at hint cells (where p is 0). p, q [2, cells]. Thread: cells.</summary>
    public static void HintApplyKernel(ArrayView<float> weights, ArrayView<float> diag, ArrayView<float> mask, ArrayView<float> p, ArrayView<float> q, HintArgs a)
    {
        int total = a.Cells, run = a.RunLength;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int r = start, end = Math.Min(start + run, total); r < end; r++)
                for (int c = 0; c < 2; c++)
                    q[c * total + r] = mask[r] != 0f ? 0f : diag[r] * p[c * total + r] - Neighbours(weights, p, c * total, r, a);
    }

    private static float Neighbours(ArrayView<float> weights, ArrayView<float> v, int offset, int r, HintArgs a)
    {
        int row = r / a.Width, col = r - row * a.Width, total = a.Cells;
        float sum = 0f;
        for (int k = 0; k < 8; k++)
        {
            int yy = row + Dy(k), xx = col + Dx(k);
            if (yy >= 0 && yy < a.Height && xx >= 0 && xx < a.Width)
                sum += weights[k * total + r] * v[offset + yy * a.Width + xx];
        }
        return sum;
    }

    /// <summary>HintStartKernel: z = r / diag on the free cells (0 at hint cells), p = z: the preconditioned first direction. Thread: cells.</summary>
    public static void HintStartKernel(ArrayView<float> residual, ArrayView<float> diag, ArrayView<float> mask, ArrayView<float> z, ArrayView<float> p, HintArgs a)
    {
        int total = a.Cells, run = a.RunLength;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int r = start, end = Math.Min(start + run, total); r < end; r++)
                for (int c = 0; c < 2; c++)
                {
                    float v = mask[r] != 0f ? 0f : residual[c * total + r] / diag[r];
                    z[c * total + r] = v;
                    p[c * total + r] = v;
                }
    }

    /// <summary>
    /// HintDotKernel: partials[c Threads + t] = the sum over thread t's cells of u_c v_c, per channel c (assigns;
    /// Threads slots per channel). u, v [2, cells]. Thread: cells.
    /// </summary>
    public static void HintDotKernel(ArrayView<float> u, ArrayView<float> v, ArrayView<float> partials, HintArgs a)
    {
        int total = a.Cells, run = a.RunLength;
        float sa = 0f, sb = 0f;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int r = start, end = Math.Min(start + run, total); r < end; r++)
            {
                sa += u[r] * v[r];
                sb += u[total + r] * v[total + r];
            }
        int t = Grid.GlobalIndex.X;
        if (t < a.Threads)
        {
            partials[t] = sa;
            partials[a.Threads + t] = sb;
        }
    }

    /// <summary>
    /// HintScalarKernel, one thread: per channel the partials summed in order to s; then by Mode: Start, rz = rz0 =
    /// s; Alpha, alpha = rz / s (s = p.Ap); Beta, beta = s / rz and rz = s. scalars [8] = rz_a, rz_b, alpha_a,
    /// alpha_b, beta_a, beta_b, rz0_a, rz0_b. Thread: one.
    /// A channel whose rz has fallen to <see cref="Converged"/> rz0 or below is solved: alpha and beta are 0 from
    /// then on, so x and r stay put. Why: float32 conjugate gradient run past convergence divides by an rz in
    /// the denormal range (1e-40 and below), beta explodes and x with it (seen on CUDA, where FMA contraction
    /// rounds differently: a 13 x 11 grid solved in 30 steps was off by 0.16 after 192; on the CPU the same
    /// happens by 400 to 1000 steps, which the op table's long-solve case checks).
    /// </summary>
    public static void HintScalarKernel(ArrayView<float> partials, ArrayView<float> scalars, HintArgs a)
    {
        if (Grid.GlobalIndex.X != 0)
            return;
        for (int c = 0; c < 2; c++)
        {
            float s = 0f;
            for (int t = 0; t < a.Threads; t++)
                s += partials[c * a.Threads + t];
            if (a.Mode == HintArgs.Start)
            {
                scalars[c] = s;
                scalars[6 + c] = s;
                continue;
            }
            float rz = scalars[c];
            bool solved = !(rz > Converged * scalars[6 + c]);
            if (a.Mode == HintArgs.Alpha)
                scalars[2 + c] = solved || s == 0f ? 0f : rz / s;
            else
            {
                scalars[4 + c] = solved ? 0f : s / rz;
                scalars[c] = s;
            }
        }
    }

    /// <summary>
    /// The residual's fall (in r.z, a squared norm) at which a channel counts as solved: 1e-12, a residual a
    /// million times below where it started, about float32's own precision.
    /// </summary>
    public const float Converged = 1e-12f;

    /// <summary>HintStepKernel: x += alpha p, r -= alpha q, z = r / diag (0 at hint cells), per channel. Thread: cells.</summary>
    public static void HintStepKernel(ArrayView<float> x, ArrayView<float> residual, ArrayView<float> z, ArrayView<float> p, ArrayView<float> q,
        ArrayView<float> diag, ArrayView<float> mask, ArrayView<float> scalars, HintArgs a)
    {
        int total = a.Cells, run = a.RunLength;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int r = start, end = Math.Min(start + run, total); r < end; r++)
                for (int c = 0; c < 2; c++)
                {
                    int i = c * total + r;
                    float alpha = scalars[2 + c];
                    x[i] += alpha * p[i];
                    float rr = residual[i] - alpha * q[i];
                    residual[i] = rr;
                    z[i] = mask[r] != 0f ? 0f : rr / diag[r];
                }
    }

    /// <summary>HintDirectionKernel: p = z + beta p, per channel. Thread: cells.</summary>
    public static void HintDirectionKernel(ArrayView<float> z, ArrayView<float> p, ArrayView<float> scalars, HintArgs a)
    {
        int total = a.Cells, run = a.RunLength;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int r = start, end = Math.Min(start + run, total); r < end; r++)
                for (int c = 0; c < 2; c++)
                {
                    int i = c * total + r;
                    p[i] = z[i] + scalars[4 + c] * p[i];
                }
    }

    /// <summary>
    /// HintSolveKernel, one thread: the whole Jacobi-preconditioned conjugate gradient of the kernels above in one
    /// launch (residual, start, then <see cref="HintArgs.Iterations"/> steps of apply, alpha, step, beta,
    /// direction), each channel stopping as <see cref="HintScalarKernel"/> stops it (rz at or below
    /// <see cref="Converged"/> rz0). The same arithmetic; the dot products are summed over the cells in order
    /// (the steps' kernels sum per-thread partials), so the two agree to float32 rounding, not bit for bit.
    /// Why: on the CPU accelerator a launch has a fixed cost that a small grid's work does not cover (100 steps
    /// are 700 launches; perf --filter hint-solve), and one thread there runs the whole solve in less time than
    /// those launches take. On a GPU one thread is slow: the steps' kernels stay its path.
    /// weights [8, cells], diag, mask [cells]; x, residual, z, p, q [2, cells] (x holds the hints at hint cells
    /// and the start elsewhere, as for <see cref="HintResidualKernel"/>). Thread: one.
    /// </summary>
    public static void HintSolveKernel(ArrayView<float> weights, ArrayView<float> diag, ArrayView<float> mask, ArrayView<float> x,
        ArrayView<float> residual, ArrayView<float> z, ArrayView<float> p, ArrayView<float> q, HintArgs a)
    {
        if (Grid.GlobalIndex.X != 0)
            return;
        int total = a.Cells;
        for (int c = 0; c < 2; c++)
        {
            int o = c * total;
            float rz = 0f;
            for (int r = 0; r < total; r++)
            {
                float rr = mask[r] != 0f ? 0f : Neighbours(weights, x, o, r, a) - diag[r] * x[o + r];
                float zz = mask[r] != 0f ? 0f : rr / diag[r];
                residual[o + r] = rr;
                z[o + r] = zz;
                p[o + r] = zz;
                rz += rr * zz;
            }
            float rz0 = rz;
            for (int i = 0; i < a.Iterations; i++)
            {
                if (!(rz > Converged * rz0))
                    break;   // solved: the steps' kernels would leave x and r as they are from here on
                float pq = 0f;
                for (int r = 0; r < total; r++)
                {
                    float v = mask[r] != 0f ? 0f : diag[r] * p[o + r] - Neighbours(weights, p, o, r, a);
                    q[o + r] = v;
                    pq += p[o + r] * v;
                }
                float alpha = pq == 0f ? 0f : rz / pq, next = 0f;
                for (int r = 0; r < total; r++)
                {
                    x[o + r] += alpha * p[o + r];
                    float rr = residual[o + r] - alpha * q[o + r];
                    residual[o + r] = rr;
                    float zz = mask[r] != 0f ? 0f : rr / diag[r];
                    z[o + r] = zz;
                    next += rr * zz;
                }
                float beta = next / rz;
                rz = next;
                for (int r = 0; r < total; r++)
                    p[o + r] = z[o + r] + beta * p[o + r];
            }
        }
    }

    /// <summary>n / d rounded toward minus infinity (d &gt; 0).</summary>
    public static int FloorDiv(int n, int d) => n >= 0 ? n / d : -((-n + d - 1) / d);

    /// <summary>
    /// HintUpsampleKernel, joint bilateral upsampling (Kopf, Cohen, Lischinski, Uyttendaele 2007): the grid's
    /// correction x [2, h, w] brought to the picture's size guided by its full-resolution L, and added to ab.
    /// Output pixel (X, Y) of W x H sits at grid position (u, v) = ((X + 0.5) w / W - 0.5, (Y + 0.5) h / H - 0.5)
    /// (the bilinear resize's convention); over the cells (i, j) with |i - u| &lt; R and |j - v| &lt; R,
    /// weight = exp(-((i - u)^2 + (j - v)^2) / (2 SigmaSpace^2)) exp(-(d_ij^2 - d_min^2) / (2 SigmaRange^2)),
    /// d_ij = guide(X, Y) / 100 - yGrid(i, j) (L / 100 at the grid), d_min the smallest |d| in the window
    /// (so the best-matching cell always weighs exp(0) in range and no sum underflows); ab[c](X, Y) +=
    /// sum weight x_c / sum weight. So a correction stops at the picture's own edges, not at the grid's.
    /// guide = the Lab picture's L plane, ab its a and b planes (Lab [1, 3, H, W]). Thread: output pixels.
    /// </summary>
    public static void HintUpsampleKernel(ArrayView<float> x, ArrayView<float> yGrid, ArrayView<float> lab, UpsampleArgs a)
    {
        int total = a.OutW * a.OutH, run = a.RunLength, w = a.GridW, h = a.GridH, cells = w * h, r = a.Radius;
        float rx = (float)w / a.OutW, ry = (float)h / a.OutH;
        float space = -0.5f / (a.SigmaSpace * a.SigmaSpace), range = -0.5f / (a.SigmaRange * a.SigmaRange);
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int o = start, end = Math.Min(start + run, total); o < end; o++)
            {
                int X = o % a.OutW, Y = o / a.OutW;
                float u = (X + 0.5f) * rx - 0.5f, v = (Y + 0.5f) * ry - 0.5f, guide = lab[o] * 0.01f;
                // floor(u) in integers, ((2X + 1) w - W) / 2W rounded down: the window does not hang on float rounding.
                int fu = FloorDiv((2 * X + 1) * w - a.OutW, 2 * a.OutW), fv = FloorDiv((2 * Y + 1) * h - a.OutH, 2 * a.OutH);
                int i0 = Math.Max(0, fu - r + 1), i1 = Math.Min(w - 1, fu + r);
                int j0 = Math.Max(0, fv - r + 1), j1 = Math.Min(h - 1, fv + r);
                float best = float.PositiveInfinity;
                for (int j = j0; j <= j1; j++)
                    for (int i = i0; i <= i1; i++)
                    {
                        float d = guide - yGrid[j * w + i];
                        best = MathF.Min(best, d * d);
                    }
                float sum = 0f, sumA = 0f, sumB = 0f;
                for (int j = j0; j <= j1; j++)
                    for (int i = i0; i <= i1; i++)
                    {
                        float d = guide - yGrid[j * w + i], du = i - u, dv = j - v;
                        float weight = MathF.Exp((du * du + dv * dv) * space + (d * d - best) * range);
                        sum += weight;
                        sumA += weight * x[j * w + i];
                        sumB += weight * x[cells + j * w + i];
                    }
                lab[total + o] += sumA / sum;
                lab[2 * total + o] += sumB / sum;
            }
    }
}
