using System.Text;

namespace ColorKernels.Engine.Export;

/// <summary>A minimal protocol-buffers writer: varints, 32-bit floats, length-delimited fields and nested messages.</summary>
internal sealed class Protobuf
{
    private readonly MemoryStream stream = new();

    public byte[] ToArray() => stream.ToArray();

    private void Varint(ulong value)
    {
        while (value >= 0x80)
        {
            stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        stream.WriteByte((byte)value);
    }

    private void Key(int field, int wireType) => Varint((ulong)((field << 3) | wireType));

    public Protobuf Int(int field, long value)
    {
        Key(field, 0);
        Varint((ulong)value);
        return this;
    }

    public Protobuf Float(int field, float value)
    {
        Key(field, 5);
        stream.Write(BitConverter.GetBytes(value));
        return this;
    }

    public Protobuf Bytes(int field, ReadOnlySpan<byte> value)
    {
        Key(field, 2);
        Varint((ulong)value.Length);
        stream.Write(value);
        return this;
    }

    public Protobuf String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public Protobuf Message(int field, Protobuf message) => Bytes(field, message.ToArray());
}
