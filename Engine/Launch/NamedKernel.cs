namespace ColorKernels.Engine.Launch;

/// <summary>A loaded kernel: its launch delegate and the name every report and trace uses for it.</summary>
public sealed class NamedKernel<TDelegate> where TDelegate : Delegate
{
    internal NamedKernel(string name, TDelegate launch)
    {
        Name = name;
        Launch = launch;
    }

    public string Name { get; }

    internal TDelegate Launch { get; }

    public override string ToString() => Name;
}
