using ColorKernels.Engine;
using ColorKernels.Engine.Devices;
using ColorKernels.Host.Files;
using Xunit;

namespace ColorKernels.Tests.Cli;

public class ParsingTests
{
    [Theory]
    [InlineData("auto", null, null)]
    [InlineData("", null, null)]
    [InlineData("cpu", DeviceKind.Cpu, null)]
    [InlineData("CUDA:1", DeviceKind.Cuda, 1)]
    [InlineData("opencl:0", DeviceKind.OpenCL, 0)]
    public void Device_specs_parse(string text, DeviceKind? kind, int? index)
    {
        Assert.Equal(new DeviceSpec(kind, index), DeviceSpec.Parse(text));
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    [InlineData("cpu:x")]
    public void Bad_device_specs_are_user_errors(string text)
    {
        var e = Assert.Throws<UserErrorException>(() => DeviceSpec.Parse(text));
        Assert.Contains(text, e.Message);
    }

    [Theory]
    [InlineData("photos/*.jpg", "photos", "a.jpg", true)]
    [InlineData("photos/*.jpg", "photos", "sub/a.jpg", false)]
    [InlineData("photos/**/*.jpg", "photos", "a.jpg", true)]
    [InlineData("photos/**/*.jpg", "photos", "x/y/a.jpg", true)]
    [InlineData("photos/**", "photos", "x/y/a.png", true)]
    [InlineData("p?/*.png", ".", "p1/a.png", true)]
    [InlineData("p?/*.png", ".", "p12/a.png", false)]
    [InlineData("a/b/img_??.png", "a/b", "img_07.png", true)]
    [InlineData("a/b/img_??.png", "a/b", "img_7.png", false)]
    public void Globs_split_into_a_root_and_a_pattern(string glob, string root, string relative, bool matches)
    {
        var (actualRoot, pattern) = InputFiles.SplitGlob(glob);
        Assert.Equal(root, actualRoot);
        Assert.Equal(matches, pattern.IsMatch(relative));
    }
}
