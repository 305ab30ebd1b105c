using System.CommandLine;
using System.Globalization;
using System.Text;
using ColorKernels.Host.Files;

namespace ColorKernels.Host.Commands;

/// <summary><c>colorkernels manifest summary FILE...</c>: the state of a run from its manifests (one per task of a job array, merged).</summary>
public static class ManifestCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("manifests") { Description = "Manifest files written by 'colorize --manifest' (one per task or shard; merged)", Arity = ArgumentArity.OneOrMore };
        var summary = new Command("summary", "Merge run manifests: each input's latest state, counts per status, the failures with their reasons, time per device and images/s.") { files };
        summary.SetAction(result => Cli.Guard(() =>
        {
            Console.Out.Write(Summarize(RunManifest.Read(result.GetValue(files)!), result.GetValue(files)!.Length));
            return 0;
        }));
        return new Command("manifest", "Read the manifests of colouring runs (colorize --manifest).") { summary };
    }

    /// <summary>
    /// The summary of <paramref name="entries"/>: each input's state (<see cref="RunManifest.States"/>); seconds are the
    /// sum over every line (retries included), per device; images/s is done inputs over those seconds.
    /// </summary>
    public static string Summarize(IReadOnlyList<ManifestEntry> entries, int fileCount)
    {
        var states = RunManifest.States(entries).Concat(entries.Where(e => e.Input.Length == 0)).ToList();
        int Count(string status) => states.Count(e => e.Status == status);
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"manifest: {states.Count} input{(states.Count == 1 ? "" : "s")} in {fileCount} file{(fileCount == 1 ? "" : "s")}: {Count("done")} done, {Count("partial")} partial, {Count("skipped")} skipped, {Count("failed")} failed");
        double seconds = entries.Sum(e => e.Seconds);
        int done = Count("done") + Count("partial");
        string rate = seconds > 0 && done > 0 ? string.Create(c, $", {done / seconds:0.00} inputs/s") : "";
        text.AppendLine(c, $"  time: {seconds:0.0} s colouring in all{rate}");
        foreach (var device in entries.Where(e => e.Seconds > 0).GroupBy(e => e.Device.Length > 0 ? e.Device : "(no device)").OrderBy(g => g.Key, StringComparer.Ordinal))
            text.AppendLine(c, $"  {device.Key}: {device.Sum(e => e.Seconds):0.0} s, {device.Count(e => e.Status is "done" or "partial")} coloured");
        foreach (var model in states.Where(e => e.Model.Length > 0).GroupBy(e => (e.Model, e.ModelSha256)).OrderBy(g => g.Key.Model, StringComparer.Ordinal))
            text.AppendLine(c, $"  model {model.Key.Model}{(model.Key.ModelSha256.Length > 0 ? " sha256 " + model.Key.ModelSha256[..Math.Min(12, model.Key.ModelSha256.Length)] : "")}: {model.Count()} input{(model.Count() == 1 ? "" : "s")}");
        var failed = states.Where(e => e.Status == "failed").ToList();
        if (failed.Count > 0)
        {
            text.AppendLine("  failed:");
            foreach (ManifestEntry e in failed.OrderBy(e => e.Input, StringComparer.Ordinal))
                text.AppendLine(c, $"    {(e.Input.Length > 0 ? e.Input + ": " : "")}{e.Reason}");
        }
        return text.ToString();
    }
}
