using System.Collections;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Video;

namespace ColorKernels.Engine.Som;

/// <summary>
/// Reference photos read once. A reference fit reads each photo three times (its colours for the map, its patches
/// for the MLP, its colours again for the map's report), and a film lines its shots up with the first
/// <see cref="VideoOptions.MaxReferencePictures"/> that can be read (<see cref="MotionStabilizer"/>): those are kept
/// in memory after their first read and served from there; any further photos are read each time, as before (a
/// folder of many large photos is not held). <see cref="Pictures"/> reads nothing until a film first asks for it, so
/// a run of pictures alone decodes its references for the fit only.
/// </summary>
internal sealed class ReferencePhotos(IReadOnlyList<string> paths, long maxPixels)
{
    private readonly object gate = new();
    private readonly Dictionary<string, ImageData> kept = new(StringComparer.Ordinal);
    private List<ImageData>? pictures;

    public IReadOnlyList<string> Paths { get; } = paths;

    /// <summary>Whether the first photos read are kept (a film will line up with them); false: every read is a new one, nothing held (a run of pictures alone).</summary>
    public bool Keep { get; set; } = true;

    /// <summary>Reads <paramref name="path"/> (at most maxPixels; a user error if it cannot be read), from memory if it is one of the kept.</summary>
    public ImageData Load(string path)
    {
        lock (gate)
        {
            if (kept.TryGetValue(path, out ImageData? image))
                return image;
            image = ImageIO.Load(path, maxPixels);
            if (Keep && kept.Count < VideoOptions.MaxReferencePictures)
                kept[path] = image;
            return image;
        }
    }

    /// <summary>The first <see cref="VideoOptions.MaxReferencePictures"/> photos that can be read, in order (one that cannot is skipped here; the fit names it), read on first use.</summary>
    public IReadOnlyList<ImageData> Pictures => new Deferred(this);

    private List<ImageData> Read()
    {
        lock (gate)
        {
            if (pictures is null)
            {
                var read = new List<ImageData>();
                foreach (string path in Paths)
                {
                    if (read.Count == VideoOptions.MaxReferencePictures)
                        break;
                    try
                    {
                        read.Add(Load(path));
                    }
                    catch (UserErrorException)
                    {
                    }
                }
                pictures = read;
            }
            return pictures;
        }
    }

    /// <summary>The pictures as a list that reads them when first counted or walked.</summary>
    private sealed class Deferred(ReferencePhotos photos) : IReadOnlyList<ImageData>
    {
        public ImageData this[int index] => photos.Read()[index];

        public int Count => photos.Read().Count;

        public IEnumerator<ImageData> GetEnumerator() => photos.Read().GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
