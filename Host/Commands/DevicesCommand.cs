using System.CommandLine;
using System.Globalization;
using ColorKernels.Engine.Devices;

namespace ColorKernels.Host.Commands;

/// <summary><c>colorkernels devices</c>: every accelerator, usable or not, and which one auto picks.</summary>
public static class DevicesCommand
{
    public static Command Create()
    {
        var command = new Command("devices", "List every accelerator ILGPU finds: kind, name, memory, warp size, max group size, and which one --device auto picks.");
        command.SetAction(result => Cli.Guard(() =>
        {
            using DeviceCatalog catalog = DeviceCatalog.Discover(probe: true);
            Console.Out.Write(Format(catalog));
            foreach (string note in catalog.Notes)
                Cli.Warning(note);
            return 0;
        }));
        return command;
    }

    public static string Format(DeviceCatalog catalog)
    {
        string? auto = null;
        try
        {
            auto = catalog.Select(DeviceSpec.Auto).Id;
        }
        catch (Engine.UserErrorException)
        {
            // Reported below: no usable device.
        }

        var rows = new List<string[]> { new[] { "", "id", "kind", "name", "memory", "warp", "max group", "units", "status" } };
        foreach (DeviceEntry e in catalog.Entries)
            rows.Add(new[]
            {
                e.Id == auto ? "*" : "",
                e.Id,
                e.Kind.ToString().ToLowerInvariant(),
                e.Name,
                e.MemoryBytes > 0 ? (e.MemoryBytes / (1024.0 * 1024 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + " GiB" : "-",
                e.WarpSize.ToString(CultureInfo.InvariantCulture),
                e.MaxGroupSize.ToString(CultureInfo.InvariantCulture),
                e.Multiprocessors.ToString(CultureInfo.InvariantCulture),
                e.Usable ? "ok" : "unusable: " + e.UnusableReason,
            });
        int[] widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        var text = new System.Text.StringBuilder();
        foreach (string[] row in rows)
            text.AppendLine(string.Join("  ", row.Select((cell, c) => c == row.Length - 1 ? cell : cell.PadRight(widths[c]))).TrimEnd());
        text.AppendLine(auto is null ? "--device auto: no usable device" : $"--device auto picks {auto} (* above)");
        return text.ToString();
    }
}
