using System.Diagnostics;
using System.Text.Json;
using Xunit;

namespace ColorKernels.Tests.Cli;

/// <summary>
/// A real one-node Slurm on this machine (Debian's slurm-wlm and munge, which .ci/run installs), started for the
/// tests and stopped by its pids: a generated slurm.conf on this host with ProctrackType=proctrack/linuxproc and
/// TaskPlugin=task/none (no cgroups needed). <see cref="Problem"/> says why it could not start.
/// </summary>
public sealed class SlurmCluster : IDisposable
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("ck-slurm").FullName;
    public string? Problem { get; }
    private readonly bool startedMunge;

    public SlurmCluster()
    {
        foreach (string tool in new[] { "/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/bin/sbatch", "/usr/sbin/munged" })
            if (!File.Exists(tool))
            {
                Problem = $"{tool} is missing: apt-get install slurm-wlm munge (.ci/run does)";
                return;
            }
        if (Shell("munge -n | unmunge > /dev/null 2>&1").Code != 0)
        {
            var munge = Shell("""
                mkdir -p /etc/munge /run/munge /var/log/munge /var/lib/munge
                [ -f /etc/munge/munge.key ] || dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
                chown -R munge:munge /etc/munge /run/munge /var/log/munge /var/lib/munge && chmod 400 /etc/munge/munge.key
                runuser -u munge -- /usr/sbin/munged && sleep 1 && munge -n | unmunge > /dev/null
                """);
            if (munge.Code != 0)
            {
                Problem = "munged did not start: " + munge.Output;
                return;
            }
            startedMunge = true;
        }
        string host = Shell("hostname -s").Output.Trim();
        File.WriteAllText(Conf, $"""
            ClusterName=cktest
            SlurmctldHost={host}
            SlurmUser=root
            SlurmdUser=root
            AuthType=auth/munge
            StateSaveLocation={Folder}/state
            SlurmdSpoolDir={Folder}/spool
            SlurmctldPidFile={Folder}/slurmctld.pid
            SlurmdPidFile={Folder}/slurmd.pid
            ProctrackType=proctrack/linuxproc
            TaskPlugin=task/none
            SelectType=select/cons_tres
            SelectTypeParameters=CR_Core
            ReturnToService=2
            SlurmctldLogFile={Folder}/slurmctld.log
            SlurmdLogFile={Folder}/slurmd.log
            NodeName={host} CPUs=2 RealMemory=8000 State=UNKNOWN
            PartitionName=debug Nodes={host} Default=YES MaxTime=INFINITE State=UP

            """);
        Directory.CreateDirectory(Path.Combine(Folder, "state"));
        Directory.CreateDirectory(Path.Combine(Folder, "spool"));
        var start = Shell("slurmctld && slurmd");
        for (int i = 0; i < 60 && Shell("sinfo -h -o %t").Output.Trim() != "idle"; i++)
            Thread.Sleep(500);
        if (Shell("sinfo -h -o %t").Output.Trim() != "idle")
            Problem = $"the one-node cluster did not come up ({start.Output.Trim()}): " + Shell($"tail -n 5 {Folder}/slurmctld.log {Folder}/slurmd.log").Output;
    }

    public string Conf => Path.Combine(Folder, "slurm.conf");

    /// <summary>Runs a bash command with SLURM_CONF pointing at this cluster; its exit code and its output and errors together.</summary>
    public (int Code, string Output) Shell(string command, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(command);
        info.Environment["SLURM_CONF"] = Conf;
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            info.Environment[name] = value;
        using Process process = Process.Start(info)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync(), errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            return (-1, "timed out: " + command);
        }
        return (process.ExitCode, output.Result + errors.Result);
    }

    /// <summary>Waits until no job is left in the queue (at most <paramref name="seconds"/>).</summary>
    public void WaitForEmptyQueue(int seconds)
    {
        var clock = Stopwatch.StartNew();
        while (Shell("squeue -h").Output.Trim().Length > 0)
        {
            if (clock.Elapsed.TotalSeconds > seconds)
                throw new TimeoutException("jobs still queued: " + Shell("squeue").Output);
            Thread.Sleep(1000);
        }
    }

    public void Dispose()
    {
        foreach (string daemon in new[] { "slurmd", "slurmctld" })
            Shell($"[ -f {Folder}/{daemon}.pid ] && kill $(cat {Folder}/{daemon}.pid)");
        if (startedMunge)
            Shell("[ -f /run/munge/munged.pid ] && kill $(cat /run/munge/munged.pid)");
        Thread.Sleep(1000);
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A daemon still closing its log: the temporary folder is left for the system to clear.
        }
    }
}

/// <summary>
/// examples/slurm on a real Slurm (#30 item 3): a 4-task array over 40 photos writes every output once and the
/// merged manifests say 40 done; a resubmitted array colours nothing again; a corrupt input is the one failure,
/// and --retry-failed colours only it; a task stopped by SIGTERM leaves no temporary file and a manifest line
/// for every output on disk, and resubmitted it completes the rest without colouring those again.
/// </summary>
public class SlurmTests : CliFolder, IClassFixture<SlurmCluster>
{
    private readonly SlurmCluster slurm;

    public SlurmTests(SlurmCluster slurm) : base("ck-slurm-run") => this.slurm = slurm;

    private Dictionary<string, string> Environment() => new()
    {
        // The array job runs the built CLI through dotnet (no install): word-split by the script.
        ["COLORKERNELS"] = $"{System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet"} {Path.Combine(AppContext.BaseDirectory, "colorkernels.dll")}",
        ["COLORIZE_ARGS"] = "--device cpu --size 32",
    };

    private static string Script(string name) => Support.TestData.RepositoryFile("examples", "slurm", name);

    private List<JsonElement> Manifests(string folder) => Directory.GetFiles(folder, "task-*.jsonl")
        .SelectMany(File.ReadAllLines).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    [Fact]
    public void An_array_colours_every_input_once_reruns_colour_nothing_and_failures_are_retried()
    {
        Assert.True(slurm.Problem is null, slurm.Problem);
        for (int i = 0; i < 40; i++)
            WritePhoto(P("in", $"photo{i:00}.png"), 24 + i % 5, 16 + i % 3);
        File.WriteAllBytes(P("in", "corrupt.png"), File.ReadAllBytes(P("in", "photo00.png"))[..50]);

        var submit = slurm.Shell($"cd '{dir}' && bash '{Script("submit.sh")}' '{P("in")}' '{P("out")}' 4", Environment());
        Assert.True(submit.Code == 0, submit.Output);
        slurm.WaitForEmptyQueue(300);
        Assert.Equal(40, Directory.GetFiles(P("out")).Length);
        var lines = Manifests(P("out-manifests"));
        var done = lines.Where(l => l.GetProperty("status").GetString() == "done").Select(l => l.GetProperty("output").GetString()).ToList();
        Assert.Equal(40, done.Count);
        Assert.Equal(40, done.Distinct().Count());   // each output written by one task only
        string summary = File.ReadAllText(P("out-manifests", "summary.txt"));
        Assert.Contains("41 inputs in 4 files: 40 done, 0 partial, 0 skipped, 1 failed", summary);
        Assert.Contains("corrupt.png", summary);

        // The whole array again (a cancelled and resubmitted run): nothing is coloured twice.
        var times = Directory.GetFiles(P("out")).ToDictionary(f => f, File.GetLastWriteTimeUtc);
        Assert.Equal(0, slurm.Shell($"cd '{dir}' && bash '{Script("submit.sh")}' '{P("in")}' '{P("out")}' 4", Environment()).Code);
        slurm.WaitForEmptyQueue(300);
        Assert.All(times, t => Assert.Equal(t.Value, File.GetLastWriteTimeUtc(t.Key)));
        Assert.Contains("41 inputs in 4 files: 40 done, 0 partial, 0 skipped, 1 failed", File.ReadAllText(P("out-manifests", "summary.txt")));

        // The corrupt input, repaired, is the only one coloured by --retry-failed.
        WritePhoto(P("in", "corrupt.png"), 30, 20);
        string[] manifests = Directory.GetFiles(P("out-manifests"), "task-*.jsonl");
        var retry = CliRunner.Run(dir, new[] { "colorize", "--retry-failed" }.Concat(manifests)
            .Concat(new[] { "-o", P("out"), "--manifest", P("out-manifests", "task-retry.jsonl"), "--size", "32" }).ToArray());
        Assert.True(retry.ExitCode == 0, retry.Stderr);
        Assert.Contains("1 written", retry.Stdout);
        Assert.Contains("41 inputs in 5 files: 41 done", CliRunner.Run(dir, new[] { "manifest", "summary" }.Concat(Directory.GetFiles(P("out-manifests"), "task-*.jsonl")).ToArray()).Stdout);
    }

    [Fact]
    public void A_film_split_across_an_array_joins_into_one_with_the_single_runs_frames_duration_and_sound()
    {
        // examples/slurm/film-submit.sh: 4 tasks colour a quarter each (--segment I/4), a dependent job joins them.
        Assert.True(slurm.Problem is null, slurm.Problem);
        FilmSegmentCliTests.MakeFilm(P("film.mp4"), 48);
        var submit = slurm.Shell($"cd '{dir}' && bash '{Script("film-submit.sh")}' '{P("film.mp4")}' '{P("colour.mp4")}' 4", Environment());
        Assert.True(submit.Code == 0, submit.Output);
        slurm.WaitForEmptyQueue(300);
        string Logs() => string.Join("\n", Directory.GetFiles(dir, "colorkernels-*.log").Select(f => Path.GetFileName(f) + ": " + File.ReadAllText(f)));
        Assert.True(File.Exists(P("colour.mp4")), Logs());
        Assert.Equal(4, Directory.GetFiles(P("colour-parts"), "part-*.mp4").Length);
        var single = CliRunner.Run(dir, "colorize", P("film.mp4"), "-o", P("single.mp4"), "--size", "32");
        Assert.True(single.ExitCode == 0, single.Stderr);
        Engine.Video.VideoInfo film = Engine.Video.Ffmpeg.Probe(P("film.mp4")), one = Engine.Video.Ffmpeg.Probe(P("single.mp4")), joined = Engine.Video.Ffmpeg.Probe(P("colour.mp4"));
        Assert.Equal(48, one.DeclaredFrames);
        Assert.Equal(48, joined.DeclaredFrames);
        Assert.Equal(one.DeclaredDuration, joined.DeclaredDuration, 3);
        Assert.True(joined.HasAudio, Logs());
        Assert.Equal(film.Duration, joined.Duration, 2);

        // The array again: every part exists, so nothing is coloured twice (the parts are untouched).
        var times = Directory.GetFiles(P("colour-parts")).ToDictionary(f => f, File.GetLastWriteTimeUtc);
        File.Delete(P("colour.mp4"));
        Assert.Equal(0, slurm.Shell($"cd '{dir}' && bash '{Script("film-submit.sh")}' '{P("film.mp4")}' '{P("colour.mp4")}' 4", Environment()).Code);
        slurm.WaitForEmptyQueue(300);
        Assert.All(times, t => Assert.Equal(t.Value, File.GetLastWriteTimeUtc(t.Key)));
        Assert.Equal(48, Engine.Video.Ffmpeg.Probe(P("colour.mp4")).DeclaredFrames);
    }

    [Fact]
    public void A_pre_empted_task_leaves_no_temporary_file_and_logs_every_output_it_wrote()
    {
        Assert.True(slurm.Problem is null, slurm.Problem);
        for (int i = 0; i < 400; i++)
            WritePhoto(P("many", $"p{i:000}.png"), 64, 48);
        var job = slurm.Shell($"cd '{dir}' && sbatch --parsable --array=0-0 '{Script("colorize-array.sh")}' '{P("many")}' '{P("out")}'", Environment());
        Assert.True(job.Code == 0, job.Output);
        string id = job.Output.Trim().Split(';')[0];
        // Once the task has written a few pictures, Slurm sends it SIGTERM as a pre-emption would.
        var clock = Stopwatch.StartNew();
        while ((!Directory.Exists(P("out")) || Directory.GetFiles(P("out")).Length < 5) && clock.Elapsed.TotalSeconds < 120)
            Thread.Sleep(200);
        Assert.Equal(0, slurm.Shell($"scancel --signal=TERM --batch {id}_0").Code);
        slurm.WaitForEmptyQueue(120);
        string log = File.ReadAllText(Directory.GetFiles(dir, $"colorkernels-{id}_0.log").Single());
        Assert.Contains("interrupted by SIGTERM", log);
        Assert.Contains("no temporary files left", log);
        string[] outputs = Directory.GetFiles(P("out"), "*", new EnumerationOptions { AttributesToSkip = 0, RecurseSubdirectories = true });
        Assert.DoesNotContain(outputs, f => Path.GetFileName(f).StartsWith('.'));   // temporaries are hidden .NAME.*.tmp files
        Assert.InRange(outputs.Length, 5, 399);
        Assert.Equal(outputs.Length, Manifests(P("out-manifests")).Count(l => l.GetProperty("status").GetString() == "done"));

        // Resubmitted, the task completes the rest without colouring the finished pictures again.
        var times = outputs.ToDictionary(f => f, File.GetLastWriteTimeUtc);
        var again = slurm.Shell($"cd '{dir}' && sbatch --parsable --array=0-0 '{Script("colorize-array.sh")}' '{P("many")}' '{P("out")}'", Environment());
        Assert.True(again.Code == 0, again.Output);
        slurm.WaitForEmptyQueue(300);
        Assert.Equal(400, Directory.GetFiles(P("out")).Length);
        Assert.All(times, t => Assert.Equal(t.Value, File.GetLastWriteTimeUtc(t.Key)));
        Assert.Contains("400 inputs in 1 file: 400 done", CliRunner.Run(dir, "manifest", "summary", P("out-manifests", "task-0.jsonl")).Stdout);
    }
}
