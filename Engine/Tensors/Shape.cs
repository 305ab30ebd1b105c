namespace ColorKernels.Engine.Tensors;

/// <summary>
/// The dimensions of a tensor, outermost first. Activations are NCHW; packed 8-bit images are NHWC.
/// </summary>
internal sealed class Shape : IEquatable<Shape>
{
    private readonly int[] dims;

    public Shape(params int[] dims)
    {
        if (dims.Length == 0)
            throw new ArgumentException("a shape needs at least one dimension");
        long elements = 1;
        foreach (int d in dims)
        {
            if (d <= 0)
                throw new ArgumentException($"shape [{string.Join(", ", dims)}] has a dimension <= 0");
            elements *= d;
            if (elements > int.MaxValue)
                throw new UserErrorException($"tensor of shape [{string.Join(", ", dims)}] has more than {int.MaxValue} elements");
        }
        this.dims = (int[])dims.Clone();
        Elements = (int)elements;
    }

    public static Shape Nchw(int n, int c, int h, int w) => new(n, c, h, w);

    public int Rank => dims.Length;

    public int this[int axis] => dims[axis];

    public int Elements { get; }

    public IReadOnlyList<int> Dims => dims;

    public bool Equals(Shape? other) => other is not null && dims.AsSpan().SequenceEqual(other.dims);

    public override bool Equals(object? obj) => Equals(obj as Shape);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (int d in dims)
            hash.Add(d);
        return hash.ToHashCode();
    }

    public override string ToString() => "[" + string.Join(", ", dims) + "]";
}
