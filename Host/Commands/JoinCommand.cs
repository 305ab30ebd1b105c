using System.CommandLine;
using ColorKernels.Engine.Video;

namespace ColorKernels.Host.Commands;

/// <summary><c>colorkernels join PART... -o FILM [--audio-from ORIGINAL]</c>: one film from parts coloured with <c>colorize --segment</c>, without re-encoding.</summary>
public static class JoinCommand
{
    public static Command Create()
    {
        var parts = new Argument<string[]>("parts") { Description = "The parts' video files in order (from colorize --segment; their frames must meet end to start)", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--output", "-o") { Description = "The joined film (.mp4, .mkv, .mov, .webm, .avi: the parts' video copied, not re-encoded)", Required = true };
        var audioFrom = new Option<string?>("--audio-from")
        {
            Description = "The original film: its audio and subtitles, whole, go with the joined video (nothing cut at the seams); without it the parts' own audio is joined",
        };
        var command = new Command("join", "Join a film's parts coloured apart (colorize --segment, as a Slurm array does) into one film, without re-encoding them.")
        {
            parts, output, audioFrom,
        };
        command.SetAction(result => Cli.Guard(() =>
        {
            string target = result.GetValue(output)!;
            string[] given = result.GetValue(parts)!;
            using var ctrlC = new CtrlC();
            int frames;
            string? warning;
            try
            {
                (frames, warning) = FilmJoin.Join(given, target, result.GetValue(audioFrom), ctrlC.Token);
            }
            catch (OperationCanceledException)
            {
                Cli.Error($"join: interrupted by {ctrlC.SignalName}: nothing written, no temporary file left");
                return ctrlC.ExitCode;
            }
            if (warning is not null)
                Cli.Warning(warning);
            Console.Out.WriteLine($"join: {given.Length} parts{(frames >= 0 ? $", {frames} frames" : "")}; wrote {target}");
            return 0;
        }));
        return command;
    }
}
