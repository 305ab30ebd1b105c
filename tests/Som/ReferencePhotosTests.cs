using ColorKernels.Engine;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Som;
using ColorKernels.Engine.Video;
using Xunit;

namespace ColorKernels.Tests.Som;

/// <summary>Reference photos read once (<see cref="ReferencePhotos"/>): the fit's three reads and a film's lining up share them.</summary>
public class ReferencePhotosTests
{
    [Fact]
    public void The_first_photos_are_read_once_the_rest_each_time_and_the_films_list_reads_nothing_until_asked()
    {
        string folder = Directory.CreateTempSubdirectory("ck-refphotos").FullName;
        try
        {
            int count = VideoOptions.MaxReferencePictures + 3;
            var paths = new List<string>();
            for (int i = 0; i < count; i++)
            {
                string path = Path.Combine(folder, $"{i:00}.png");
                if (i == 1)
                    File.WriteAllText(path, "not a picture");   // unreadable: skipped by the film's list
                else
                    ImageIO.Save(path, ImageData.FromRgb8(3 + i, 2, Enumerable.Range(0, 3 * (3 + i) * 2).Select(v => (byte)(v * 7 + i)).ToArray()));
                paths.Add(path);
            }
            var photos = new ReferencePhotos(paths, ImageIO.DefaultMaxPixels);
            IReadOnlyList<ImageData> pictures = photos.Pictures;
            // Nothing read yet: the files can still change under it (a run of pictures alone never reads them for lining up).
            File.Delete(paths[^1]);
            ImageData first = photos.Load(paths[0]);
            Assert.Same(first, photos.Load(paths[0]));
            Assert.Throws<UserErrorException>(() => photos.Load(paths[1]));
            Assert.Equal(VideoOptions.MaxReferencePictures, pictures.Count);
            // The first MaxReferencePictures readable photos, in order, the same objects the fit's reads get.
            var readable = paths.Where((_, i) => i != 1).Take(VideoOptions.MaxReferencePictures).ToList();
            for (int i = 0; i < readable.Count; i++)
            {
                Assert.Same(photos.Load(readable[i]), pictures[i]);
                Assert.Equal(ImageIO.Load(readable[i]).Rgb8, pictures[i].Rgb8);
            }
            // Past them: read anew each time (a folder of many large photos is not held in memory).
            string further = paths[^2];
            Assert.NotSame(photos.Load(further), photos.Load(further));
            // Not kept at all for a run with no film to line up with them.
            var unkept = new ReferencePhotos(paths, ImageIO.DefaultMaxPixels) { Keep = false };
            Assert.NotSame(unkept.Load(paths[0]), unkept.Load(paths[0]));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
