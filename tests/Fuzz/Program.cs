using ColorKernels.Engine;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Fuzz;
using ColorKernels.Tests.Support;
using SharpFuzz;

// Fuzz targets for AFL++ (tests/Fuzz/run.sh): `image` feeds each input to the picture reader, `model` to the
// model-file reader. A user error is the expected answer to a bad file; any other exception is a finding
// (AFL++ records the input as a crash), and so is a hang past AFL++'s time limit.
if (args is ["seed", string folder])
    return Seeds.Write(folder);

string target = args.Length == 1 ? args[0] : "";
Action<byte[]> run = target switch
{
    // The size limit keeps one input's decode small enough to run thousands a minute.
    "image" => bytes => ImageIO.Decode("fuzz-input", bytes, maxPixels: 4_000_000),
    // Each input twice: as it is, and with its checksums made to match (ModelChecksums), so that mutations
    // also reach the checks past the CRCs.
    "model" => bytes =>
    {
        try
        {
            ReadModel(bytes);
        }
        catch (UserErrorException)
        {
        }
        ReadModel(ModelChecksums.Fix(bytes));
    },
    // A target with a planted bug (an unexpected exception for inputs that start with '!'), for checking that
    // the harness reports findings: run.sh must fail on it within seconds. It reads the input as a model
    // file first, so that AFL++ sees instrumented code run.
    "planted" => bytes =>
    {
        try
        {
            ModelFile.Parse(bytes, "fuzz-input");
        }
        catch (UserErrorException)
        {
        }
        if (bytes is [(byte)'!', ..])
            throw new InvalidOperationException("planted bug");
    },
    _ => throw new ArgumentException("usage: ColorKernels.Fuzz image|model|planted (under afl-fuzz; see tests/Fuzz/run.sh) | seed FOLDER"),
};

Fuzzer.OutOfProcess.Run(stream =>
{
    using var memory = new MemoryStream();
    stream.CopyTo(memory);
    try
    {
        run(memory.ToArray());
    }
    catch (UserErrorException)
    {
        // The reader refused the file with a one-line message: correct.
    }
});
return 0;

static void ReadModel(byte[] bytes)
{
    ModelFile file = ModelFile.Parse(bytes, "fuzz-input");
    if (file.Architecture == ColorKernels.Engine.Som.SomMlpModel.ArchitectureName)
        ColorKernels.Engine.Som.SomMlpModel.FromModelFile(file, "fuzz-input");
    else if (file.Architecture == ColorKernels.Engine.Som.SomMap.ArchitectureName)
        ColorKernels.Engine.Som.SomMap.FromModelFile(file, "fuzz-input");
    else
        Eccv16InferenceNetwork.Validate(file, "fuzz-input");
}
