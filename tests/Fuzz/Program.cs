using ColorKernels.Engine;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Fuzz;
using ColorKernels.Tests.Support;
using SharpFuzz;

// Fuzz targets for AFL++ (tests/Fuzz/run.sh): `image` feeds each input to the picture reader, `model` to the
// model-file reader, `multipart` to the web demo's upload reader, `ffmpeg-args` (as a file name) to ffmpeg's
// argument builder. A user error is the expected answer to a bad file; any other exception is a finding
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
    // The web demo's upload reader (DemoUpload.Read, ASP.NET Core's multipart reader behind it): the
    // input's first line is the Content-Type, the rest the body. Its answers are the upload, a DemoException
    // (its 400/413) or the multipart reader's complaint, which must map to 400 or 413; anything else would be
    // the demo's 500.
    "multipart" => bytes =>
    {
        int newline = Array.IndexOf(bytes, (byte)'\n');
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.ContentType = System.Text.Encoding.Latin1.GetString(bytes, 0, Math.Max(0, newline));
        byte[] body = bytes[(newline + 1)..];
        context.Request.Body = new MemoryStream(body);
        context.Request.ContentLength = body.Length;
        const long Limit = 64 << 10;
        context.Features.Set<Microsoft.AspNetCore.Http.Features.IFormFeature>(new Microsoft.AspNetCore.Http.Features.FormFeature(context.Request,
            ColorKernels.Host.Serve.DemoUpload.FormLimits(new Microsoft.AspNetCore.Http.Features.FormOptions(), Limit)));
        try
        {
            ColorKernels.Host.Serve.DemoUpload.Read(context, Limit).GetAwaiter().GetResult();
        }
        catch (ColorKernels.Host.Serve.DemoException e) when (e.Status is 400 or 413)
        {
        }
        catch (InvalidDataException e) when (ColorKernels.Host.Serve.DemoUpload.MultipartProblem(e.Message, Limit).Status is 400 or 413)
        {
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException e) when (e.StatusCode is 400 or 413)
        {
        }
    },
    // ffmpeg's input arguments for a file name (Ffmpeg.Input): whatever the name, only the file protocol, a
    // demuxer from the allow-list and the one file: URL of its full path; or a user error (no video extension).
    "ffmpeg-args" => bytes =>
    {
        string name = System.Text.Encoding.UTF8.GetString(bytes);
        // No file name holds NUL (argv and the file system cannot carry one), so no caller can pass one.
        if (name.Length == 0 || name.Contains('\0'))
            return;
        IReadOnlyList<string> a = ColorKernels.Engine.Video.Ffmpeg.Input(name);
        if (a.Count != 6 || a[0] != "-protocol_whitelist" || a[1] != "file" || a[2] != "-f" || !new[] { "mov", "matroska", "avi", "gif" }.Contains(a[3])
            || a[4] != "-i" || a[5] != "file:" + Path.GetFullPath(name))
            throw new InvalidOperationException($"ffmpeg arguments for '{name}': {string.Join(' ', a)}");
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
    _ => throw new ArgumentException("usage: ColorKernels.Fuzz image|model|multipart|ffmpeg-args|planted (under afl-fuzz; see tests/Fuzz/run.sh) | seed FOLDER"),
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
        InferenceNetwork.Validate(file, "fuzz-input");
}
