using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace ColorKernels.Tests.Cli;

/// <summary>train and prior through the real executable.</summary>
public sealed class TrainCliTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("ck-train-cli-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private void Photos(string folder, int count)
    {
        Directory.CreateDirectory(Path.Combine(dir, folder));
        for (int i = 0; i < count; i++)
        {
            using var image = new Image<Rgb24>(40, 40);
            for (int y = 0; y < 40; y++)
                for (int x = 0; x < 40; x++)
                    image[x, y] = new Rgb24((byte)(x * 6 + i * 20), (byte)(y * 6), (byte)(200 - x * 3));
            image.Save(Path.Combine(dir, folder, $"p{i}.jpg"));
        }
    }

    [Fact]
    public void Train_writes_a_run_folder_and_resume_extends_it()
    {
        Photos("data", 4);
        Photos("val", 2);
        var r = CliRunner.Run(dir, "train", "data", "--out", "run", "--width", "0.03125", "--crop", "32", "--resize", "40",
            "--batch", "2", "--steps", "4", "--val", "val", "--val-every", "2", "--checkpoint-every", "2");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("done, 4 steps", r.Stdout);
        foreach (string file in new[] { "model.ckm", "optimizer.ckm", "log.csv", "loss.png" })
            Assert.True(File.Exists(Path.Combine(dir, "run", file)), file);
        string[] log = File.ReadAllLines(Path.Combine(dir, "run", "log.csv"));
        Assert.Equal(5, log.Length);
        Assert.NotEqual("", log[2].Split(',')[5]);   // validation loss at step 2

        var again = CliRunner.Run(dir, "train", "data", "--out", "run", "--width", "0.03125", "--crop", "32", "--resize", "40",
            "--batch", "2", "--steps", "4");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("--resume", again.Stderr);

        var resumed = CliRunner.Run(dir, "train", "data", "--out", "run", "--width", "0.03125", "--crop", "32", "--resize", "40",
            "--batch", "2", "--steps", "6", "--resume");
        Assert.Equal(0, resumed.ExitCode);
        Assert.Equal(7, File.ReadAllLines(Path.Combine(dir, "run", "log.csv")).Length);

        var colorize = CliRunner.Run(dir, "colorize", "val", "-o", "out", "--model", "run/model.ckm", "--size", "32");
        Assert.Equal(0, colorize.ExitCode);
    }

    [Fact]
    public void Train_hints_starts_a_hint_network_from_the_built_in_model_and_it_colours_with_hints()
    {
        Photos("data", 3);
        var r = CliRunner.Run(dir, "train", "data", "--out", "hrun", "--hints", "--init", "default", "--crop", "32", "--resize", "40",
            "--batch", "2", "--steps", "2", "--checkpoint-every", "1");
        Assert.Equal(0, r.ExitCode);
        var info = CliRunner.Run(dir, "model", "info", "hrun/model.ckm");
        Assert.Contains("siggraph17", info.Stdout);
        Assert.Contains("4 channels", info.Stdout);
        File.WriteAllText(Path.Combine(dir, "h.json"), """{"hints": [{"x": 20, "y": 20, "color": "#c03020", "size": 5}]}""");
        var colour = CliRunner.Run(dir, "colorize", "data/p0.jpg", "-o", "p0.png", "--model", "hrun/model.ckm", "--size", "32", "--hints", "h.json");
        Assert.Equal(0, colour.ExitCode);
        Assert.True(File.Exists(Path.Combine(dir, "p0.png")));

        // An ECCV16 run cannot be resumed as a hint network, nor a hint network trained without --hints.
        var wrong = CliRunner.Run(dir, "train", "data", "--out", "hrun2", "--init", "hrun/model.ckm", "--crop", "32", "--resize", "40", "--batch", "2", "--steps", "1");
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("train it with --hints", wrong.Stderr);
        var onnx = CliRunner.Run(dir, "export-onnx", "hrun/model.ckm", "-o", "h.onnx");
        Assert.NotEqual(0, onnx.ExitCode);
        Assert.Contains("not exported to ONNX", onnx.Stderr);
        Assert.False(File.Exists(Path.Combine(dir, "h.onnx")));
    }

    [Fact]
    public void Sigterm_stops_training_with_a_checkpoint_that_resumes()
    {
        // What `kill`, a job scheduler or a container runtime sends; a background job never sees Ctrl-C.
        Assert.False(OperatingSystem.IsWindows(), "this test sends a POSIX signal");
        Photos("data", 4);
        string[] args = { "train", "data", "--out", "run", "--width", "0.03125", "--crop", "32", "--resize", "40",
            "--batch", "2", "--steps", "1000000", "--checkpoint-every", "1000000" };
        using var process = CliRunner.Start(dir, args);
        string log = Path.Combine(dir, "run", "log.csv");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!(File.Exists(log) && File.ReadAllLines(log).Length >= 3) && clock.Elapsed < TimeSpan.FromSeconds(90) && !process.HasExited)
            Thread.Sleep(50);
        Assert.False(process.HasExited, "training ended before the signal");
        using (var kill = System.Diagnostics.Process.Start("kill", $"-TERM {process.Id}"))
            kill.WaitForExit();
        var r = CliRunner.Finish(process, args);

        Assert.Equal(130, r.ExitCode);
        Assert.Contains("checkpoint written", r.Stdout);
        Assert.True(File.Exists(Path.Combine(dir, "run", "model.ckm")) && File.Exists(Path.Combine(dir, "run", "optimizer.ckm")));
        int stopped = File.ReadAllLines(log).Length - 1;
        var resumed = CliRunner.Run(dir, "train", "data", "--out", "run", "--width", "0.03125", "--crop", "32", "--resize", "40",
            "--batch", "2", "--steps", (stopped + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), "--resume");
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Equal(stopped + 2, File.ReadAllLines(log).Length);
    }

    [Theory]
    [InlineData("--loss", "hinge")]
    [InlineData("--optimizer", "lbfgs")]
    [InlineData("--crop", "30")]
    [InlineData("--steps", "0")]
    [InlineData("--schedule", "linear")]
    [InlineData("--resize", "24")]
    public void Bad_training_options_are_refused(string option, string value)
    {
        Photos("data", 2);
        var args = new List<string> { "train", "data", "--out", "run", "--width", "0.03125", "--crop", "32", "--resize", "40" };
        int existing = args.IndexOf(option);
        if (existing >= 0)
            args.RemoveRange(existing, 2);
        args.AddRange(new[] { option, value });
        var r = CliRunner.Run(dir, args.ToArray());
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("colorkernels: error: ", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
    }

    [Fact]
    public void Prior_writes_a_distribution_and_weights()
    {
        Photos("data", 3);
        var r = CliRunner.Run(dir, "prior", "data", "-o", "prior.csv");
        Assert.Equal(0, r.ExitCode);
        string[] lines = File.ReadAllLines(Path.Combine(dir, "prior.csv"));
        Assert.Equal("index,p,weight", lines[0]);
        Assert.Equal(314, lines.Length);
        double sum = lines.Skip(1).Sum(l => double.Parse(l.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(1.0, sum, 6);

        // The written prior trains.
        var t = CliRunner.Run(dir, "train", "data", "--out", "run", "--width", "0.03125", "--crop", "32", "--resize", "40",
            "--batch", "2", "--steps", "1", "--prior", "prior.csv");
        Assert.Equal(0, t.ExitCode);
    }
}
