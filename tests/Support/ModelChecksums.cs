using System.Buffers.Binary;

namespace ColorKernels.Tests.Support;

/// <summary>
/// Rewrites a mutated model file's checksums to match its bytes. Almost every random mutation breaks a
/// CRC, and the reader stops there; with the checksums fixed, the fuzzer also reaches what lies past them
/// (header values, tensor shapes, each architecture's loader), which a hand-edited file can reach too.
/// Walks the layout of docs/model-format.md as far as it is intact and leaves the rest alone. Shared by the
/// fuzzing harness (tests/Fuzz) and the test that replays its findings.
/// </summary>
public static class ModelChecksums
{
    public static byte[] Fix(byte[] original)
    {
        byte[] bytes = (byte[])original.Clone();
        try
        {
            int pos = 8 + 4;   // magic, format version
            int headerLength = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos)));
            pos = checked(pos + 4 + headerLength);
            uint count = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos));
            pos += 4;
            for (uint i = 0; i < Math.Min(count, 10000u); i++)
            {
                int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(pos));
                pos = checked(pos + 2 + nameLength + 1);
                int rank = bytes[pos];
                pos = checked(pos + 1 + 4 * rank);
                ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(pos));
                ulong length = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(pos + 8));
                if (offset <= (ulong)bytes.Length && length <= (ulong)bytes.Length - offset)
                    BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(pos + 16),
                        System.IO.Hashing.Crc32.HashToUInt32(bytes.AsSpan((int)offset, (int)length)));
                pos += 20;
            }
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(pos), System.IO.Hashing.Crc32.HashToUInt32(bytes.AsSpan(0, pos)));
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or IndexOutOfRangeException or OverflowException)
        {
            // The layout is broken before this point: what was fixed so far is kept.
        }
        return bytes;
    }
}
