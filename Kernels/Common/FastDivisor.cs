namespace ColorKernels.Kernels.Common;

/// <summary>
/// Division of a non-negative int (below 2^31) by a divisor fixed on the host, as one 64-bit multiply and
/// a shift (Granlund and Montgomery 1994). GPUs have no integer divide instruction: each / or % by a
/// runtime value is a ~20-instruction sequence, and the tiled convolutions' index decoding needs several
/// per loaded element. With s = 31 + ceil(log2 d) and m = floor(2^s / d) + 1 (so m &lt;= 2^32 and
/// x m &lt; 2^63), floor(x m / 2^s) = floor(x / d) for every 0 &lt;= x &lt; 2^31: the error term
/// x (m d - 2^s) / (d 2^s) is below 2^31 / 2^s &lt;= 1 / d. Checked exhaustively near every multiple in the tests.
/// </summary>
public readonly struct FastDivisor
{
    public FastDivisor(int divisor)
    {
        if (divisor < 1)
            throw new ArgumentOutOfRangeException(nameof(divisor), divisor, "a FastDivisor needs a positive divisor");
        int log = 0;
        while ((1L << log) < divisor)
            log++;
        Divisor = divisor;
        Shift = 31 + log;
        Magic = (1UL << Shift) / (ulong)divisor + 1;
    }

    public int Divisor { get; }
    public ulong Magic { get; }
    public int Shift { get; }

    /// <summary>x / Divisor for 0 &lt;= x &lt; 2^31.</summary>
    public int Div(int x) => (int)(((ulong)x * Magic) >> Shift);

    /// <summary>x % Divisor for 0 &lt;= x &lt; 2^31.</summary>
    public int Rem(int x) => x - Div(x) * Divisor;
}
