using System.Reflection;
using ColorKernels.Engine.Models;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Api;

/// <summary>
/// The public API of the ColorKernels package (the engine and its kernels assembly), listed type by type
/// and member by member, must equal tests/Fixtures/public-api.txt: a change to it shows in review as a
/// change to that file. Run with COLORKERNELS_UPDATE_API=1 to rewrite the file after an intended change.
/// </summary>
public class PublicApiTests
{
    [Fact]
    public void The_public_api_matches_its_snapshot()
    {
        string[] actual = Listing(typeof(IColorizer).Assembly).Concat(Listing(typeof(ColorKernels.Kernels.Color.LabKernels).Assembly)).ToArray();
        string path = TestData.RepositoryFile("tests", "Fixtures", "public-api.txt");
        if (Environment.GetEnvironmentVariable("COLORKERNELS_UPDATE_API") == "1")
            File.WriteAllLines(path, actual);
        string[] expected = File.Exists(path) ? File.ReadAllLines(path) : Array.Empty<string>();
        string[] added = actual.Except(expected).ToArray(), removed = expected.Except(actual).ToArray();
        Assert.True(added.Length == 0 && removed.Length == 0,
            $"the public API changed (update tests/Fixtures/public-api.txt with COLORKERNELS_UPDATE_API=1 if intended):\n" +
            string.Join("\n", added.Take(40).Select(l => "+ " + l).Concat(removed.Take(40).Select(l => "- " + l))));
    }

    [Fact]
    public void The_engine_exposes_no_kernel_plumbing()
    {
        // The launch machinery, tensors and ops are the engine's own; callers colour pictures, train and evaluate.
        string[] types = typeof(IColorizer).Assembly.GetExportedTypes().Select(t => t.Name).ToArray();
        foreach (string name in new[] { "Tensor`1", "Shape", "KernelSet", "Launcher", "Conv2dOps", "InferenceNetwork", "SomMap" })
            Assert.DoesNotContain(name, types);
    }

    /// <summary>"TYPE kind Name : Base" and "TYPE  member" lines, sorted, for every exported type of <paramref name="assembly"/>.</summary>
    private static IEnumerable<string> Listing(Assembly assembly)
    {
        const BindingFlags Flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var lines = new List<string>();
        foreach (Type type in assembly.GetExportedTypes())
        {
            string kind = type.IsEnum ? "enum" : type.IsInterface ? "interface" : type.IsValueType ? "struct" : type.IsAbstract && type.IsSealed ? "static class" : "class";
            string bases = string.Join(", ", new[] { type.BaseType }.Where(b => b is not null && b != typeof(object) && b != typeof(ValueType) && b != typeof(Enum))
                .Concat(type.GetInterfaces().Where(i => i.IsVisible)).Select(t => Name(t!)));
            lines.Add($"{Name(type)} {kind}{(bases.Length > 0 ? " : " + bases : "")}");
            foreach (MemberInfo m in type.GetMembers(Flags).Concat(type.GetMembers(BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
                .Where(m => m is MethodBase { IsFamily: true } or FieldInfo { IsFamily: true })))
            {
                if (m is MethodInfo { IsSpecialName: true } || m.Name == "<Clone>$")
                    continue;
                lines.Add($"{Name(type)}  {Member(m)}");
            }
        }
        return lines.Distinct().OrderBy(l => l, StringComparer.Ordinal);
    }

    private static string Member(MemberInfo m) => m switch
    {
        ConstructorInfo c => $"{(c.IsStatic ? "static " : "")}.ctor({Parameters(c)})",
        MethodInfo mi => $"{(mi.IsStatic ? "static " : "")}{Name(mi.ReturnType)} {mi.Name}{(mi.IsGenericMethod ? "<" + string.Join(", ", mi.GetGenericArguments().Select(Name)) + ">" : "")}({Parameters(mi)})",
        PropertyInfo p => $"{Name(p.PropertyType)} {p.Name} {{{(p.GetMethod?.IsPublic == true ? " get;" : "")}{(p.SetMethod?.IsPublic == true ? (p.SetMethod.ReturnParameter.GetRequiredCustomModifiers().Any(t => t.Name == "IsExternalInit") ? " init;" : " set;") : "")} }}",
        FieldInfo f => $"{(f.IsLiteral ? "const " : f.IsStatic ? "static " : "")}{(f.IsInitOnly ? "readonly " : "")}{Name(f.FieldType)} {f.Name}",
        EventInfo e => $"event {Name(e.EventHandlerType!)} {e.Name}",
        Type t => $"nested {Name(t)}",
        _ => m.ToString()!,
    };

    private static string Parameters(MethodBase m) =>
        string.Join(", ", m.GetParameters().Select(p => $"{(p.IsOut ? "out " : p.ParameterType.IsByRef ? "ref " : "")}{Name(p.ParameterType)} {p.Name}{(p.HasDefaultValue ? " = " + (p.DefaultValue ?? "null") : "")}"));

    private static string Name(Type t)
    {
        if (t.IsByRef)
            return Name(t.GetElementType()!);
        if (t.IsArray)
            return Name(t.GetElementType()!) + "[" + new string(',', t.GetArrayRank() - 1) + "]";
        if (Nullable.GetUnderlyingType(t) is { } inner)
            return Name(inner) + "?";
        if (t.IsGenericParameter)
            return t.Name;
        string name = t.IsNested ? Name(t.DeclaringType!) + "." + t.Name : (t.Namespace is { } ns ? ns + "." : "") + t.Name;
        if (t.IsGenericType)
            name = name[..name.IndexOf('`')] + "<" + string.Join(", ", t.GetGenericArguments().Select(Name)) + ">";
        return name;
    }
}
