using System.CommandLine;
using ColorKernels.Engine;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;

namespace ColorKernels.Host.Commands;

/// <summary><c>colorkernels export-onnx MODEL -o FILE.onnx</c>: a model as a standard ONNX graph.</summary>
public static class ExportOnnxCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("model") { Description = "Model file (.ckm), or 'default' for the built-in model" };
        var output = new Option<string>("--output", "-o") { Description = "ONNX file to write", Required = true };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace the output file if it exists" };
        var command = new Command("export-onnx", "Write a model as an ONNX graph (opset 13): eccv16 (input L [N,1,H,W], outputs logits and ab at H/4 x W/4) or som-mlp (input patches, outputs class logits and ab).")
        {
            input, output, overwrite,
        };
        command.SetAction(result => Cli.Guard(() =>
        {
            string source = result.GetValue(input)!, target = result.GetValue(output)!;
            if (File.Exists(target) && !result.GetValue(overwrite))
                throw new UserErrorException($"'{target}' exists; add --overwrite to replace it");
            ModelFile model = ModelFile.Open(source);
            byte[] onnx = Colorizer.ExportOnnx(model, source);
            bool somMlp = Colorizer.MethodOf(model, source) == ColorizationMethod.SomMlp;
            AtomicFile.Write(target, s => s.Write(onnx));
            Console.Out.WriteLine($"wrote {target}: {onnx.Length:N0} bytes, ONNX opset 13 " +
                                  (somMlp ? "(input patches [N, K*K], outputs logits and ab)" : "(input L, outputs logits and ab)"));
            return 0;
        }));
        return command;
    }
}
