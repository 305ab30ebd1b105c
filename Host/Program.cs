using System.CommandLine;
using System.Runtime.InteropServices;
using ColorKernels.Host.Commands;

namespace ColorKernels.Host;

public static class Program
{
    public static int Main(string[] args) => Run(args);

    private static void OnStopSignal(PosixSignalContext context)
    {
        if (!CtrlC.IsActive)
            Engine.Imaging.AtomicFile.DeleteTemporaries();
    }

    /// <summary>Parses and runs a command line; returns the exit code (tests call this directly).</summary>
    public static int Run(string[] args)
    {
        RootCommand root = Commands();

        ParseResult result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            foreach (string error in ParseErrors.Of(result))
                Cli.Error(error);
            string command = result.CommandResult.Command == root ? "" : " " + result.CommandResult.Command.Name;
            Console.Error.WriteLine($"Run 'colorkernels{command} --help' for usage.");
            return Cli.Usage;
        }
        if (result.GetValue(Cli.Verbose))
            Cli.TraceToStderr();
        // Commands that do not stop gracefully on a signal (those without CtrlC) still must not leave a
        // half-written temporary output behind when the signal stops the process.
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnStopSignal);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnStopSignal);
        return Cli.Guard(() => result.Invoke());
    }

    /// <summary>The whole command tree, as it parses (a test checks the README's command lines against it).</summary>
    public static RootCommand Commands()
    {
        var root = new RootCommand("colorkernels: colourize greyscale photographs with custom ILGPU kernels, on any GPU or the CPU.");
        root.Options.Add(Cli.Verbose);
        // --device goes on the commands that open a device (som's on its subcommands), not on those that do
        // not (devices lists them all; model, import and export-onnx read and write files).
        static Command OnDevice(Command command)
        {
            command.Options.Add(Cli.Device);
            return command;
        }
        root.Subcommands.Add(DevicesCommand.Create());
        root.Subcommands.Add(OnDevice(DesaturateCommand.Create()));
        root.Subcommands.Add(OnDevice(ColorizeCommand.Create()));
        root.Subcommands.Add(ModelCommand.Create());
        root.Subcommands.Add(OnDevice(TrainCommand.Create()));
        root.Subcommands.Add(OnDevice(PriorCommand.Create()));
        root.Subcommands.Add(OnDevice(EvalCommand.Create()));
        root.Subcommands.Add(ImportCommand.Create());
        root.Subcommands.Add(ExportOnnxCommand.Create());
        root.Subcommands.Add(OnDevice(ProfileCommand.Create()));
        root.Subcommands.Add(SomCommand.Create());
        root.Subcommands.Add(OnDevice(ServeCommand.Create()));
        root.Subcommands.Add(ManifestCommand.Create());
        root.Subcommands.Add(JoinCommand.Create());
        return root;
    }
}
