using Spectre.Console;

namespace ColorKernels.Host.Commands;

/// <summary>Items per second for a progress bar: images/s, or frames/s for a task whose state says it counts frames.</summary>
internal sealed class RateColumn : ProgressColumn
{
    public const string Frames = "frames";

    public override Spectre.Console.Rendering.IRenderable Render(Spectre.Console.Rendering.RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
        new Text(task.Speed is { } speed ? $"{speed:0.0} {(task.State.Get<bool>(Frames) ? "frames/s" : "images/s")}" : "", new Style(Color.Grey));
}
