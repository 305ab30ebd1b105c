using System.CommandLine;
using ColorKernels.Engine;
using ColorKernels.Engine.Import;
using ColorKernels.Engine.Models;

namespace ColorKernels.Host.Commands;

/// <summary><c>colorkernels import FILE -o MODEL</c>: the paper's released weights (PyTorch port) into a model file.</summary>
public static class ImportCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("file") { Description = "The paper's released weights: the PyTorch port's state dict (.pth, torch.save zip format) or the Caffe model (.caffemodel)" };
        var output = new Option<string>("--output", "-o") { Description = "Model file to write (.ckm)", Required = true };
        var half = new Option<bool>("--float16") { Description = "Store the tensors as float16 (half the size)" };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace the output file if it exists" };
        var command = new Command("import", "Import the paper's released ECCV16 weights (PyTorch .pth read by a strict pickle reader that executes nothing, or Caffe .caffemodel) into a model file.")
        {
            input, output, half, overwrite,
        };
        command.SetAction(result => Cli.Guard(() =>
        {
            string source = result.GetValue(input)!, target = result.GetValue(output)!;
            if (File.Exists(target) && !result.GetValue(overwrite))
                throw new UserErrorException($"'{target}' exists; add --overwrite to replace it");
            bool caffe = source.EndsWith(".caffemodel", StringComparison.OrdinalIgnoreCase);
            ModelFile model = caffe ? CaffeImport.Import(source) : TorchImport.Import(source);
            if (result.GetValue(half))
                model = new ModelFile(model.Header, model.Tensors.Select(t => t with { Storage = TensorStorage.Float16 }).ToList());
            model.Write(target);
            Console.Out.WriteLine($"imported {source}: eccv16 width {model.Header["width"]}, {model.Tensors.Count} tensors, temperature {model.Header["temperature"]}; wrote {target} " +
                                  (caffe ? "(decodes as the Caffe deploy network: logits x 2.606 before the softmax)"
                                         : "(decodes at temperature 1 as the authors' PyTorch demo; --temperature 0.38 gives the paper's annealed mean)"));
            return 0;
        }));
        return command;
    }
}
