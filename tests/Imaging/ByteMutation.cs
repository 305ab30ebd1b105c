using CsCheck;

namespace ColorKernels.Tests;

/// <summary>
/// One random change to a valid file, as the hostile-input properties make them: a bit flipped (kind 0), a run
/// overwritten with one byte (1), a run of it inserted (2), a run deleted (3), or the rest cut off (4), at
/// <see cref="Position"/> modulo the file's length.
/// </summary>
internal readonly record struct ByteMutation(int Kind, int Position, int Length, byte Value)
{
    public static Gen<ByteMutation> Any(int maxPosition, int maxLength) =>
        Gen.Select(Gen.Int[0, 4], Gen.Int[0, maxPosition], Gen.Int[1, maxLength], Gen.Byte, (kind, position, length, value) => new ByteMutation(kind, position, length, value));

    public byte[] Apply(byte[] source)
    {
        int at = Position % source.Length;
        var bytes = new List<byte>(source);
        switch (Kind)
        {
            case 0: bytes[at] ^= (byte)(1 << (Value & 7)); break;
            case 1: for (int i = at; i < Math.Min(source.Length, at + Length); i++) bytes[i] = Value; break;
            case 2: bytes.InsertRange(at, Enumerable.Repeat(Value, Length)); break;
            case 3: bytes.RemoveRange(at, Math.Min(Length, source.Length - at)); break;
            default: bytes.RemoveRange(at, source.Length - at); break;
        }
        return bytes.ToArray();
    }
}
