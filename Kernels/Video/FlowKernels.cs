using ColorKernels.Kernels.Common;
using ILGPU;

namespace ColorKernels.Kernels.Video;

/// <summary>
/// One pyramid level of dense optical flow: planes of <see cref="Width"/> x <see cref="Height"/> floats
/// (row-major); <see cref="Radius"/>: the Lucas-Kanade window's half side (a (2r+1)^2 window, clamped at the
/// borders); <see cref="Damping"/>: added to the structure tensor's diagonal (Tikhonov), so that where the
/// picture is flat the update is near zero instead of noise (the flow keeps its coarser estimate).
/// </summary>
public readonly struct FlowArgs
{
    public FlowArgs(int width, int height, int radius, float damping, int runLength)
    {
        Width = width; Height = height; Radius = radius; Damping = damping; RunLength = runLength;
    }

    public int Width { get; }
    public int Height { get; }
    public int Radius { get; }
    public float Damping { get; }
    public int RunLength { get; }
}

/// <summary>
/// FlowLevelKernel's shape: a level of <see cref="Width"/> x <see cref="Height"/>, the coarser level's flow
/// <see cref="CoarseW"/> x <see cref="CoarseH"/> (0 x 0 at the top: the flow starts at zero), the window's
/// <see cref="Radius"/>, the <see cref="Damping"/>, and the Lucas-Kanade steps (<see cref="Iterations"/>).
/// </summary>
public readonly struct FlowLevelArgs
{
    public FlowLevelArgs(int width, int height, int coarseW, int coarseH, int radius, float damping, int iterations)
    {
        Width = width; Height = height; CoarseW = coarseW; CoarseH = coarseH; Radius = radius; Damping = damping; Iterations = iterations;
    }

    public int Width { get; }
    public int Height { get; }
    public int CoarseW { get; }
    public int CoarseH { get; }
    public int Radius { get; }
    public float Damping { get; }
    public int Iterations { get; }
}

/// <summary>
/// Geometry of a warp or of a resampling between two sizes: the source is <see cref="InW"/> x <see cref="InH"/>,
/// the output <see cref="OutW"/> x <see cref="OutH"/>; <see cref="Channels"/> planes warped.
/// </summary>
public readonly struct WarpArgs
{
    public WarpArgs(int inW, int inH, int outW, int outH, int channels, int runLength)
    {
        InW = inW; InH = inH; OutW = outW; OutH = outH; Channels = channels; RunLength = runLength;
    }

    public int InW { get; }
    public int InH { get; }
    public int OutW { get; }
    public int OutH { get; }
    public int Channels { get; }
    public int RunLength { get; }
}

/// <summary>
/// Stabilisation along the flow: the frame is <see cref="Width"/> x <see cref="Height"/>, the flow
/// <see cref="FlowW"/> x <see cref="FlowH"/> (a reduced resolution, in its own pixels); <see cref="Strength"/>,
/// <see cref="Threshold"/> and <see cref="Reset"/> as in <see cref="TemporalArgs"/>.
/// </summary>
public readonly struct MotionArgs
{
    public MotionArgs(int width, int height, int flowW, int flowH, float strength, float threshold, bool reset, int runLength, float gain = 1f, float offset = 0f, float tolerance = 0f,
        float stillMargin = 0f)
    {
        Width = width; Height = height; FlowW = flowW; FlowH = flowH; Strength = strength; Threshold = threshold; Reset = reset ? 1 : 0; RunLength = runLength;
        Gain = gain; Offset = offset; Tolerance = tolerance; StillMargin = stillMargin;
    }

    /// <summary>The point counts as moved along the flow unless staying still matches its L better by more than this (L units).</summary>
    public float StillMargin { get; }

    /// <summary>L differences up to this (L units) count as none: the frame's noise (grain), not a change.</summary>
    public float Tolerance { get; }

    /// <summary>The frame before's comparison L is read as Gain L' + Offset (brought to this frame's tone).</summary>
    public float Gain { get; }

    public float Offset { get; }

    public int Width { get; }
    public int Height { get; }
    public int FlowW { get; }
    public int FlowH { get; }
    public float Strength { get; }
    public float Threshold { get; }
    public int Reset { get; }
    public int RunLength { get; }
}

/// <summary>ToneKernel's shape: a W x H plane, the window's radius, the gain and offset.</summary>
public readonly struct ToneArgs
{
    public ToneArgs(int width, int height, int radius, float gain, float offset, int runLength)
    {
        Width = width; Height = height; Radius = radius; Gain = gain; Offset = offset; RunLength = runLength;
    }

    public int Width { get; }
    public int Height { get; }
    public int Radius { get; }
    public float Gain { get; }
    public float Offset { get; }
    public int RunLength { get; }
}

/// <summary>
/// Dense optical flow between two greyscale frames (pyramidal Lucas-Kanade, Bouguet's scheme with a damped
/// windowed solve per pixel), bilinear warping, and colour stabilisation that follows the flow. The flow of
/// frame t is backward: f(x) is where pixel x of frame t was in frame t-1, so that frame t-1 warped by it,
/// I1(x + f(x)), lines up with frame t, I0(x). Flow planes: u (x) then v (y), in pixels of their level.
/// Bilinear samples clamp their coordinates to the picture (a border pixel repeats).
/// </summary>
public static class FlowKernels
{
    /// <summary>Bilinear sample of a plane at (x, y), coordinates clamped to the picture.</summary>
    private static float Sample(ArrayView<float> plane, long offset, int w, int h, float x, float y)
    {
        Corners(x, y, w, h, out int topLeft, out int right, out int down, out float lx, out float ly);
        return Lerp(plane, offset, topLeft, right, down, lx, ly);
    }

    /// <summary>The four neighbours' indices (row-major in a w x h plane) and the weights of a bilinear sample at (x, y), coordinates clamped.</summary>
    private static void Corners(float x, float y, int w, int h, out int topLeft, out int right, out int down, out float lx, out float ly)
    {
        x = MathF.Min(MathF.Max(x, 0f), w - 1);
        y = MathF.Min(MathF.Max(y, 0f), h - 1);
        int x0 = (int)x, y0 = (int)y;
        topLeft = y0 * w + x0;
        right = x0 < w - 1 ? 1 : 0;
        down = y0 < h - 1 ? w : 0;
        lx = x - x0;
        ly = y - y0;
    }

    /// <summary>A bilinear sample of the plane at <paramref name="offset"/> with the neighbours and weights of <see cref="Corners"/>.</summary>
    private static float Lerp(ArrayView<float> plane, long offset, int topLeft, int right, int down, float lx, float ly)
    {
        long i = offset + topLeft;
        float top = plane[i] * (1f - lx) + plane[i + right] * lx;
        float bottom = plane[i + down] * (1f - lx) + plane[i + down + right] * lx;
        return top * (1f - ly) + bottom * ly;
    }

    /// <summary>The picture's gradient at (x, y): central differences, one-sided at the borders (0 across a 1-pixel side).</summary>
    private static float GradientX(ArrayView<float> plane, int w, int x, int y)
    {
        int left = x > 0 ? x - 1 : x, right = x < w - 1 ? x + 1 : x;
        return right == left ? 0f : (plane[y * w + right] - plane[y * w + left]) / (right - left);
    }

    private static float GradientY(ArrayView<float> plane, int w, int h, int x, int y)
    {
        int up = y > 0 ? y - 1 : y, down = y < h - 1 ? y + 1 : y;
        return down == up ? 0f : (plane[down * w + x] - plane[up * w + x]) / (down - up);
    }

    /// <summary>
    /// HalveKernel: dst [OutH, OutW] = the mean of each 2 x 2 block of src [InH, InW] (OutW = max(1, InW / 2);
    /// a block past the last row or column repeats it). A pyramid level. Thread: output pixels.
    /// </summary>
    public static void HalveKernel(ArrayView<float> source, ArrayView<float> destination, WarpArgs a)
    {
        int total = a.OutW * a.OutH, run = a.RunLength;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int o = start, end = Math.Min(start + run, total); o < end; o++)
            {
                int x = o % a.OutW, y = o / a.OutW;
                int x0 = Math.Min(2 * x, a.InW - 1), y0 = Math.Min(2 * y, a.InH - 1);
                int x1 = Math.Min(2 * x + 1, a.InW - 1), y1 = Math.Min(2 * y + 1, a.InH - 1);
                destination[o] = 0.25f * (source[y0 * a.InW + x0] + source[y0 * a.InW + x1] + source[y1 * a.InW + x0] + source[y1 * a.InW + x1]);
            }
    }

    /// <summary>
    /// StructureTensorKernel: per pixel, the window sums of gx^2, gx gy and gy^2 of <paramref name="first"/>
    /// (frame t's level, [H, W]) into <paramref name="tensor"/> [3, H, W]: Lucas-Kanade's normal matrix, fixed for
    /// the level's iterations (the template's gradients). Thread: pixels; (2r+1)^2 gradient pairs each.
    /// </summary>
    public static void StructureTensorKernel(ArrayView<float> first, ArrayView<float> tensor, FlowArgs a)
    {
        int w = a.Width, h = a.Height, total = w * h, run = a.RunLength;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int p = start, end = Math.Min(start + run, total); p < end; p++)
            {
                int x = p % w, y = p / w;
                float xx = 0f, xy = 0f, yy = 0f;
                for (int j = Math.Max(0, y - a.Radius); j <= Math.Min(h - 1, y + a.Radius); j++)
                    for (int i = Math.Max(0, x - a.Radius); i <= Math.Min(w - 1, x + a.Radius); i++)
                    {
                        float gx = GradientX(first, w, i, j), gy = GradientY(first, w, h, i, j);
                        xx += gx * gx;
                        xy += gx * gy;
                        yy += gy * gy;
                    }
                tensor[p] = xx;
                tensor[total + p] = xy;
                tensor[2 * total + p] = yy;
            }
    }

    /// <summary>
    /// FlowResidualKernel: per pixel, r = I1(x + u, y + v) - I0(x, y) (I1 = frame t-1 sampled bilinearly along
    /// the current flow) and the products gx r, gy r with I0's gradient, into <paramref name="products"/> [2, H, W].
    /// Thread: pixels.
    /// </summary>
    public static void FlowResidualKernel(ArrayView<float> first, ArrayView<float> second, ArrayView<float> flow, ArrayView<float> products, FlowArgs a)
    {
        int total = a.Width * a.Height, run = a.RunLength;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int p = start, end = Math.Min(start + run, total); p < end; p++)
                ResidualAt(first, second, flow, products, a.Width, a.Height, p);
    }

    /// <summary>FlowResidualKernel's pixel p (also FlowLevelKernel's).</summary>
    private static void ResidualAt(ArrayView<float> first, ArrayView<float> second, ArrayView<float> flow, ArrayView<float> products, int w, int h, int p)
    {
        int total = w * h, x = p % w, y = p / w;
        float r = Sample(second, 0, w, h, x + flow[p], y + flow[total + p]) - first[p];
        products[p] = GradientX(first, w, x, y) * r;
        products[total + p] = GradientY(first, w, h, x, y) * r;
    }

    /// <summary>
    /// FlowUpdateKernel: per pixel, b = the window sums of the products; (G + Damping I) d = -b solved in closed
    /// form (G from the structure tensor); the flow moves by d, shortened to 1 pixel when longer. Each pixel
    /// reads only its own flow. Thread: pixels.
    /// </summary>
    public static void FlowUpdateKernel(ArrayView<float> tensor, ArrayView<float> products, ArrayView<float> flow, FlowArgs a)
    {
        int total = a.Width * a.Height, run = a.RunLength;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int p = start, end = Math.Min(start + run, total); p < end; p++)
                UpdateAt(tensor, products, flow, a.Width, a.Height, a.Radius, a.Damping, p);
    }

    /// <summary>FlowUpdateKernel's pixel p (also FlowLevelKernel's).</summary>
    private static void UpdateAt(ArrayView<float> tensor, ArrayView<float> products, ArrayView<float> flow, int w, int h, int radius, float damping, int p)
    {
        int total = w * h, x = p % w, y = p / w;
        float bx = 0f, by = 0f;
        for (int j = Math.Max(0, y - radius); j <= Math.Min(h - 1, y + radius); j++)
            for (int i = Math.Max(0, x - radius); i <= Math.Min(w - 1, x + radius); i++)
            {
                bx += products[j * w + i];
                by += products[total + j * w + i];
            }
        float gxx = tensor[p] + damping, gxy = tensor[total + p], gyy = tensor[2 * total + p] + damping;
        float det = gxx * gyy - gxy * gxy;
        if (det > 0f)
        {
            float du = -(gyy * bx - gxy * by) / det, dv = -(gxx * by - gxy * bx) / det;
            // A step of at most one pixel: far from the solution the linearisation is wrong, and a long step
            // lands on another match.
            float length = MathF.Sqrt(du * du + dv * dv);
            float shrink = length > 1f ? 1f / length : 1f;
            flow[p] += du * shrink;
            flow[total + p] += dv * shrink;
        }
    }

    private static void Order(ref float a, ref float b)
    {
        float low = MathF.Min(a, b);
        b = MathF.Max(a, b);
        a = low;
    }

    /// <summary>
    /// MedianFlowKernel: each flow plane [2, H, W] filtered by the median of its 3 x 3 neighbourhood (border
    /// pixels repeated) into <paramref name="smoothed"/>: after every Lucas-Kanade step it removes the isolated
    /// wrong vectors of weakly textured places before they spread (Sun, Roth and Black 2010, "Secrets of optical
    /// flow estimation"). A 19-exchange sorting network (Paeth). Thread: pixels; both planes.
    /// </summary>
    public static void MedianFlowKernel(ArrayView<float> flow, ArrayView<float> smoothed, FlowArgs a)
    {
        int total = a.Width * a.Height, run = a.RunLength;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int p = start, end = Math.Min(start + run, total); p < end; p++)
                MedianAt(flow, smoothed, a.Width, a.Height, p);
    }

    /// <summary>MedianFlowKernel's pixel p, both planes (also FlowLevelKernel's).</summary>
    private static void MedianAt(ArrayView<float> flow, ArrayView<float> smoothed, int w, int h, int p)
    {
        int total = w * h, x = p % w, y = p / w;
        int xl = x > 0 ? x - 1 : x, xr = x < w - 1 ? x + 1 : x, yu = y > 0 ? y - 1 : y, yd = y < h - 1 ? y + 1 : y;
        for (int c = 0; c < 2; c++)
        {
            int o = c * total;
            float p0 = flow[o + yu * w + xl], p1 = flow[o + yu * w + x], p2 = flow[o + yu * w + xr];
            float p3 = flow[o + y * w + xl], p4 = flow[o + y * w + x], p5 = flow[o + y * w + xr];
            float p6 = flow[o + yd * w + xl], p7 = flow[o + yd * w + x], p8 = flow[o + yd * w + xr];
            Order(ref p1, ref p2); Order(ref p4, ref p5); Order(ref p7, ref p8);
            Order(ref p0, ref p1); Order(ref p3, ref p4); Order(ref p6, ref p7);
            Order(ref p1, ref p2); Order(ref p4, ref p5); Order(ref p7, ref p8);
            Order(ref p0, ref p3); Order(ref p5, ref p8); Order(ref p4, ref p7);
            Order(ref p3, ref p6); Order(ref p1, ref p4); Order(ref p2, ref p5);
            Order(ref p4, ref p7); Order(ref p4, ref p2); Order(ref p6, ref p4);
            Order(ref p4, ref p2);
            smoothed[o + p] = p4;
        }
    }

    /// <summary>
    /// UpsampleFlowKernel: the flow of a coarser level [2, InH, InW] to a finer one [2, OutH, OutW]: bilinear
    /// (PyTorch's align_corners=False sampling), u scaled by OutW / InW and v by OutH / InH (pixels of the finer
    /// level). Thread: output pixels.
    /// </summary>
    public static void UpsampleFlowKernel(ArrayView<float> coarse, ArrayView<float> fine, WarpArgs a)
    {
        int total = a.OutW * a.OutH, run = a.RunLength;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int o = start, end = Math.Min(start + run, total); o < end; o++)
                UpsampleFlowAt(coarse, fine, a.InW, a.InH, a.OutW, a.OutH, o);
    }

    /// <summary>UpsampleFlowKernel's output pixel o (also FlowLevelKernel's).</summary>
    private static void UpsampleFlowAt(ArrayView<float> coarse, ArrayView<float> fine, int inW, int inH, int outW, int outH, int o)
    {
        float rx = (float)inW / outW, ry = (float)inH / outH;
        int x = o % outW, y = o / outW;
        float sx = (x + 0.5f) * rx - 0.5f, sy = (y + 0.5f) * ry - 0.5f;
        fine[o] = Sample(coarse, 0, inW, inH, sx, sy) / rx;
        fine[outW * outH + o] = Sample(coarse, (long)inW * inH, inW, inH, sx, sy) / ry;
    }

    /// <summary>
    /// FlowLevelKernel, one thread: one pyramid level's whole solve in one launch, the same per-pixel arithmetic as
    /// the kernels above in the same order, so bit for bit what they give on the CPU accelerator (a GPU's compiler may fuse
    /// a multiply and an add in one and not the other): the flow from the coarser level
    /// (<see cref="UpsampleFlowKernel"/>; zero at the top level, <see cref="FlowLevelArgs.CoarseW"/> 0), the
    /// structure tensor, then <see cref="FlowLevelArgs.Iterations"/> times residual, update and 3 x 3 median, the
    /// median writing into the other of <paramref name="flow"/> and <paramref name="smoothed"/> each time (after an
    /// odd count the level's flow is in <paramref name="smoothed"/>, as the step launches leave it).
    /// Why: on the CPU accelerator a launch costs a fixed 0.25-0.9 ms whatever its size, and a pyramid's coarse
    /// levels (80 x 45 and smaller at 720p) are a few thousand pixels: their 11 launches a level cost more than
    /// their work (perf --filter video-profile). On a GPU one thread is slow: the step launches stay its path.
    /// first, second: frame t's and t-1's level [H, W]; coarse: the coarser level's flow [2, CoarseH, CoarseW]
    /// (not read at the top level); tensor [3, H, W], products, flow, smoothed [2, H, W]. Thread: one.
    /// </summary>
    public static void FlowLevelKernel(ArrayView<float> first, ArrayView<float> second, ArrayView<float> coarse, ArrayView<float> tensor,
        ArrayView<float> products, ArrayView<float> flow, ArrayView<float> smoothed, FlowLevelArgs a)
    {
        if (Grid.GlobalIndex.X != 0)
            return;
        int w = a.Width, h = a.Height, total = w * h;
        for (int p = 0; p < total; p++)
        {
            if (a.CoarseW > 0)
                UpsampleFlowAt(coarse, flow, a.CoarseW, a.CoarseH, w, h, p);
            else
            {
                flow[p] = 0f;
                flow[total + p] = 0f;
            }
        }
        // The structure tensor from each pixel's gradient products computed once (StructureTensorKernel computes each
        // window pixel's afresh: 25 times over at radius 2, what one thread cannot afford), held in the work space
        // not yet in use (products' two planes, smoothed's first), then summed over the window in the same order:
        // the same floats.
        for (int p = 0; p < total; p++)
        {
            int x = p % w, y = p / w;
            float gx = GradientX(first, w, x, y), gy = GradientY(first, w, h, x, y);
            products[p] = gx * gx;
            products[total + p] = gx * gy;
            smoothed[p] = gy * gy;
        }
        for (int p = 0; p < total; p++)
        {
            int x = p % w, y = p / w;
            float xx = 0f, xy = 0f, yy = 0f;
            for (int j = Math.Max(0, y - a.Radius); j <= Math.Min(h - 1, y + a.Radius); j++)
                for (int i = Math.Max(0, x - a.Radius); i <= Math.Min(w - 1, x + a.Radius); i++)
                {
                    xx += products[j * w + i];
                    xy += products[total + j * w + i];
                    yy += smoothed[j * w + i];
                }
            tensor[p] = xx;
            tensor[total + p] = xy;
            tensor[2 * total + p] = yy;
        }
        for (int i = 0; i < a.Iterations; i++)
        {
            if ((i & 1) == 0)
                LevelStep(first, second, tensor, products, flow, smoothed, a);
            else
                LevelStep(first, second, tensor, products, smoothed, flow, a);
        }
    }

    /// <summary>One Lucas-Kanade step of FlowLevelKernel over the whole level: residual, update in place, median into <paramref name="into"/>.</summary>
    private static void LevelStep(ArrayView<float> first, ArrayView<float> second, ArrayView<float> tensor, ArrayView<float> products,
        ArrayView<float> flow, ArrayView<float> into, FlowLevelArgs a)
    {
        int w = a.Width, h = a.Height, total = w * h;
        for (int p = 0; p < total; p++)
            ResidualAt(first, second, flow, products, w, h, p);
        for (int p = 0; p < total; p++)
            UpdateAt(tensor, products, flow, w, h, a.Radius, a.Damping, p);
        for (int p = 0; p < total; p++)
            MedianAt(flow, into, w, h, p);
    }

    /// <summary>
    /// WarpBilinearKernel: dst[c](x) = src[c](x + f(x)) for <see cref="WarpArgs.Channels"/> planes of
    /// [InH, InW] and a flow [2, InH, InW] at the same size; dst has one plane more, 1 where x + f(x) lies
    /// inside the picture (the sample is real) and 0 where it left it (the sample repeats a border).
    /// Thread: pixels; all channels.
    /// </summary>
    public static void WarpBilinearKernel(ArrayView<float> source, ArrayView<float> flow, ArrayView<float> destination, WarpArgs a)
    {
        int w = a.InW, h = a.InH, total = w * h, run = a.RunLength;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int p = start, end = Math.Min(start + run, total); p < end; p++)
            {
                float sx = p % w + flow[p], sy = p / w + flow[total + p];
                for (int c = 0; c < a.Channels; c++)
                    destination[(long)c * total + p] = Sample(source, (long)c * total, w, h, sx, sy);
                bool inside = sx >= 0f && sy >= 0f && sx <= w - 1 && sy <= h - 1;
                destination[(long)a.Channels * total + p] = inside ? 1f : 0f;
            }
    }

    /// <summary>
    /// ToneKernel: destination[p] = Gain mean(source over p's (2 Radius + 1)^2 window, clipped to the plane) + Offset,
    /// on the first W x H plane of each. The comparison L of old film (issue #41) with FlowSettings.ToneRadius above 0:
    /// L averaged over a small window (grain, fresh on every frame, falls by the window's side). OpticalFlow calls it
    /// with gain 1 and offset 0 (at the default radius 0 it copies instead): the frame-to-frame tone is fitted along
    /// the flow and applied in StabilizeAlongFlowKernel. The gain and offset stay for bringing a frame to another's
    /// tone (tried as matching every frame to the first before the flow: it broke a pan's flow, docs/motion.md).
    /// Radius 0 reads only its own pixel, so it may run in place. Thread: pixels.
    /// </summary>
    public static void ToneKernel(ArrayView<float> source, ArrayView<float> destination, ToneArgs a)
    {
        int w = a.Width, h = a.Height, total = w * h, run = a.RunLength, r = a.Radius;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int p = start, end = Math.Min(start + run, total); p < end; p++)
            {
                int x = p % w, y = p / w;
                float sum = 0f;
                int count = 0;
                for (int yy = Math.Max(0, y - r); yy <= Math.Min(h - 1, y + r); yy++)
                    for (int xx = Math.Max(0, x - r); xx <= Math.Min(w - 1, x + r); xx++)
                    {
                        sum += source[yy * w + xx];
                        count++;
                    }
                destination[p] = a.Gain * (sum / count) + a.Offset;
            }
    }

    /// <summary>
    /// StabilizeAlongFlowKernel: frame t's Lab [3, H, W] (<paramref name="lab"/>, ab blended in place) with the
    /// previous output (<paramref name="previous"/>, Lab [3, H, W]) warped along the flow ([2, FlowH, FlowW],
    /// sampled bilinearly at the pixel's place and scaled to full-resolution pixels): of the two places the point
    /// may have been, x + f(x) (when inside the previous frame) and x itself, the one whose L is nearer the
    /// pixel's gives L' and ab' (the moved place unless the still one is better by more than StillMargin: 0 for a
    /// model's colours, more in a colour frame's shot, where the still place's near-ties would pin carried colour to
    /// the screen while the picture moves under it); keep = Strength max(0, 1 - max(0, |L - L'| - Tolerance) / Threshold),
    /// ab = (1 - keep) ab + keep ab'. Tolerance is the frame's noise in L units (grain: two grainy samples of one
    /// point differ by about 1.1 times the grain's deviation), which would otherwise release colour that stayed.
    /// L here is the frame's comparison L (<paramref name="comparison"/> [H, W]: <see cref="ToneKernel"/>'s), and the
    /// previous frame's L plane holds its comparison L too, read as Gain L' + Offset (the flicker between the two
    /// frames taken out); the frame's own L is left as it is.
    /// Where the point is new or changed, neither matches and keep = 0 (the new prediction); Reset: keep = 0. The result,
    /// with the comparison L as its L, goes to <paramref name="next"/> (the next frame's previous; <paramref name="previous"/>
    /// is read by neighbours, so it cannot be written in place).
    /// Thread: pixels.
    /// </summary>
    public static void StabilizeAlongFlowKernel(ArrayView<float> lab, ArrayView<float> comparison, ArrayView<float> previous, ArrayView<float> next, ArrayView<float> flow, MotionArgs a)
    {
        int w = a.Width, h = a.Height, total = w * h, run = a.RunLength;
        float rx = (float)a.FlowW / w, ry = (float)a.FlowH / h;
        long flowPlane = (long)a.FlowW * a.FlowH;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int p = start, end = Math.Min(start + run, total); p < end; p++)
            {
                int x = p % w, y = p / w;
                float l = comparison[p], aa = lab[total + p], bb = lab[2 * total + p];
                if (a.Reset == 0)
                {
                    // Two candidates for where the point was: moved along the flow, or still; the one whose L
                    // matches better wins. A still background beside a moving object keeps its place even where
                    // the reduced flow smears the object's motion over it; a moving point follows the flow.
                    // Each sample's neighbours and weights are found once and serve every plane read there.
                    Corners((x + 0.5f) * rx - 0.5f, (y + 0.5f) * ry - 0.5f, a.FlowW, a.FlowH, out int f00, out int fr, out int fd, out float flx, out float fly);
                    float sx = x + Lerp(flow, 0, f00, fr, fd, flx, fly) / rx;
                    float sy = y + Lerp(flow, flowPlane, f00, fr, fd, flx, fly) / ry;
                    float lp = a.Gain * previous[p] + a.Offset, ap = previous[total + p], bp = previous[2 * total + p];
                    float difference = MathF.Abs(l - lp);
                    if (sx >= 0f && sy >= 0f && sx <= w - 1 && sy <= h - 1)
                    {
                        Corners(sx, sy, w, h, out int p00, out int pr, out int pd, out float plx, out float ply);
                        float moved = a.Gain * Lerp(previous, 0, p00, pr, pd, plx, ply) + a.Offset;
                        if (MathF.Abs(l - moved) < difference + a.StillMargin)
                        {
                            difference = MathF.Abs(l - moved);
                            ap = Lerp(previous, total, p00, pr, pd, plx, ply);
                            bp = Lerp(previous, 2L * total, p00, pr, pd, plx, ply);
                        }
                    }
                    float keep = a.Strength * MathF.Max(0f, 1f - MathF.Max(0f, difference - a.Tolerance) / a.Threshold);
                    aa = (1f - keep) * aa + keep * ap;
                    bb = (1f - keep) * bb + keep * bp;
                    lab[total + p] = aa;
                    lab[2 * total + p] = bb;
                }
                next[p] = l;
                next[total + p] = aa;
                next[2 * total + p] = bb;
            }
    }
}
