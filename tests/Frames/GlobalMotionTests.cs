using ColorKernels.Engine.Video;
using Xunit;

namespace ColorKernels.Tests.Frames;

/// <summary>
/// The frame's motion as one affine map (<see cref="GlobalMotion"/>), fitted to a dense flow: recovered under noise with a
/// moving object in the frame, inverted exactly, and refused where the frame has no texture to trust.
/// </summary>
public class GlobalMotionTests
{
    private static readonly GlobalMotion Truth = new(1.5, -0.01, 0.002, -0.7, 0.003, -0.012);

    /// <summary>A textured frame (seeded noise, L 20-80) and its backward flow: <see cref="Truth"/> plus noise, with a disc moving on its own.</summary>
    private static (float[] U, float[] V, float[] Grey) Frame(int w, int h, double disc, double noise, int seed = 5)
    {
        var random = new Random(seed);
        var (u, v, grey) = (new float[w * h], new float[w * h], new float[w * h]);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int p = y * w + x;
                grey[p] = (float)(20 + 60 * random.NextDouble());
                bool onDisc = Math.Pow(x - w / 3.0, 2) + Math.Pow(y - h / 2.0, 2) <= disc * disc;
                u[p] = (float)(onDisc ? 6 : Truth.A0 + Truth.A1 * x + Truth.A2 * y + noise * (random.NextDouble() - 0.5));
                v[p] = (float)(onDisc ? 2 : Truth.B0 + Truth.B1 * x + Truth.B2 * y + noise * (random.NextDouble() - 0.5));
            }
        return (u, v, grey);
    }

    [Theory]
    [InlineData(64, 48, 0.0, 0.0)]
    [InlineData(64, 48, 10.0, 0.5)]   // a disc of a tenth of the frame moving 6, 2 against the camera's motion, noise of +-0.25 px
    [InlineData(33, 31, 6.0, 0.5)]
    [InlineData(160, 90, 25.0, 1.0)]  // a 720p film's flow size, the disc an eighth of it
    public void The_frames_motion_is_found_past_noise_and_a_moving_object(int w, int h, double disc, double noise)
    {
        var (u, v, grey) = Frame(w, h, disc, noise);
        GlobalMotion fit = GlobalMotion.Fit(u, v, grey, w, h) ?? throw new Xunit.Sdk.XunitException("no fit");
        // Compared where it matters, as displacements at the frame's corners and centre. Tolerance: an affine least-squares
        // fit's error at a corner of a uniform grid of n samples has standard deviation about sigma sqrt(7 / n) (sigma the
        // uniform noise's, noise / sqrt 12; n every second pixel of every second row, 3 in from the edge): four of those.
        // The disc, cut away by the biweight, should add nothing; without the noise the fit is exact to rounding.
        int samples = ((w - 6 + 1) / 2) * ((h - 6 + 1) / 2);
        double tolerance = noise == 0 ? 1e-6 : 4 * noise / Math.Sqrt(12) * Math.Sqrt(7.0 / samples);
        foreach (var (x, y) in new[] { (0.0, 0.0), (w - 1.0, 0.0), (0.0, h - 1.0), (w - 1.0, h - 1.0), (w / 2.0, h / 2.0) })
        {
            Assert.InRange(fit.A0 + fit.A1 * x + fit.A2 * y - (Truth.A0 + Truth.A1 * x + Truth.A2 * y), -tolerance, tolerance);
            Assert.InRange(fit.B0 + fit.B1 * x + fit.B2 * y - (Truth.B0 + Truth.B1 * x + Truth.B2 * y), -tolerance, tolerance);
        }
    }

    [Fact]
    public void Forward_inverts_the_backward_map()
    {
        foreach (var (x, y) in new[] { (0.0, 0.0), (12.5, 40.25), (159.0, 89.0) })
        {
            var (tx, ty) = Truth.Forward(x, y);
            // Frame t's place plus the backward flow there is frame t-1's place again.
            Assert.Equal(x, tx + Truth.A0 + Truth.A1 * tx + Truth.A2 * ty, 9);
            Assert.Equal(y, ty + Truth.B0 + Truth.B1 * tx + Truth.B2 * ty, 9);
        }
    }

    [Fact]
    public void A_frame_without_texture_or_too_small_fixes_no_motion()
    {
        var (u, v, _) = Frame(64, 48, 0, 0.5);
        Assert.Null(GlobalMotion.Fit(u, v, new float[64 * 48], 64, 48));
        // Textured but 8 x 8: one sample three pixels in from the edge.
        var (su, sv, grey) = Frame(8, 8, 0, 0.5);
        Assert.Null(GlobalMotion.Fit(su, sv, grey, 8, 8));
    }
}
