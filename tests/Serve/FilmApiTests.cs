using System.Net;
using System.Text.Json;
using ColorKernels.Engine.Frames;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Video;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Serve;

/// <summary>
/// Films on the web demo's API (issue #40): a short film uploaded and kept, its frames in greyscale, and a
/// preview of frames steered by a keyframes document (the CLI's format) that matches the library's colouring
/// of the same frames with the same keyframes; bad requests are one-line errors.
/// </summary>
public class FilmApiTests
{
    private static async Task<string> Error(HttpResponseMessage response)
    {
        using JsonDocument json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        string message = json.RootElement.GetProperty("error").GetString()!;
        Assert.DoesNotContain("\n", message);
        return message;
    }

    private static async Task<JsonElement> Open(DemoHost host, string name = "clip.mp4")
    {
        var response = await host.Client.PostAsync($"/api/films?name={name}", new ByteArrayContent(File.ReadAllBytes(TestData.Fixture("clip.mp4"))));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    [Fact]
    public async Task A_film_is_kept_its_frames_served_and_a_preview_matches_the_librarys_steered_frames()
    {
        await using var host = DemoHost.InProcess();
        JsonElement film = await Open(host);
        Assert.Equal(12, film.GetProperty("frames").GetInt32());
        Assert.Equal(96, film.GetProperty("width").GetInt32());
        Assert.Equal("10/1", film.GetProperty("rate").GetString());
        string id = film.GetProperty("id").GetString()!;

        var frame = await host.Client.GetAsync($"/api/films/{id}/frames/4");
        Assert.Equal(HttpStatusCode.OK, frame.StatusCode);
        Assert.Equal(96, ImageIO.Decode("frame.png", await frame.Content.ReadAsByteArrayAsync()).Width);

        // Keyframes on frames 4 (by number) and 6 (by time); a preview of frames 4 to 9.
        const string keyframes = """{"keyframes": [{"frame": 4, "hints": [{"x": 48, "y": 32, "color": "#507040", "size": 9}]}, {"time": "00:00:00.600", "hints": [{"x": 20, "y": 20, "color": "#c03020", "size": 5}]}, {"frame": 1, "hints": [{"x": 5, "y": 5, "color": "#2040c0"}]}]}""";
        var preview = await host.Client.PostAsync($"/api/films/{id}/preview?frame=4&count=6", DemoHost.Json(keyframes));
        Assert.True(preview.StatusCode == HttpStatusCode.OK, await preview.Content.ReadAsStringAsync());
        using JsonDocument answer = JsonDocument.Parse(await preview.Content.ReadAsStringAsync());
        Assert.Equal(4, answer.RootElement.GetProperty("first").GetInt32());
        // Frame 1 is before the window but within FilmSegment.LeadFrames of it: carried in, the colouring starts there.
        Assert.Equal(3, answer.RootElement.GetProperty("keyframes").GetInt32());
        var frames = answer.RootElement.GetProperty("frames").EnumerateArray()
            .Select(f => ImageIO.Decode("preview.png", Convert.FromBase64String(f.GetString()!["data:image/png;base64,".Length..])).Rgb8!).ToList();
        Assert.Equal(6, frames.Count);

        // The library on the same decoded frames from frame 1, with the same keyframes moved there: the same pixels
        // from frame 4 on; and a preview the frame-1 keyframe did not reach would differ.
        var decoded = new List<ImageData>();
        using (var source = FrameJob.Video(TestData.Fixture("clip.mp4"), Path.Combine(Path.GetTempPath(), "unused.mp4")).OpenSource(CancellationToken.None))
            while (source.Next(CancellationToken.None) is { } f)
                decoded.Add(f.Image);
        var expected = new List<ImageData>();
        using IColorizer colorizer = Colorizer.Open(TestDevices.Get("cpu:0"), "default");
        new FramePipeline(colorizer).Run(FrameJob.Frames("clip.mp4", decoded.Skip(1).Take(9).ToList(), expected.Add).WithKeyframes(new[]
        {
            new FilmKeyframe { Frame = 0, Hints = new[] { ColorHint.FromColor(5, 5, "#2040c0") } },
            new FilmKeyframe { Frame = 3, Hints = new[] { ColorHint.FromColor(48, 32, "#507040", 9) } },
            new FilmKeyframe { Frame = 5, Hints = new[] { ColorHint.FromColor(20, 20, "#c03020", 5) } },
        }));
        for (int i = 0; i < 6; i++)
            Assert.Equal(expected[3 + i].Rgb8, frames[i]);
        var windowOnly = new List<ImageData>();
        new FramePipeline(colorizer).Run(FrameJob.Frames("clip.mp4", decoded.Skip(4).Take(6).ToList(), windowOnly.Add).WithKeyframes(new[]
        {
            new FilmKeyframe { Frame = 0, Hints = new[] { ColorHint.FromColor(48, 32, "#507040", 9) } },
            new FilmKeyframe { Frame = 2, Hints = new[] { ColorHint.FromColor(20, 20, "#c03020", 5) } },
        }));
        Assert.NotEqual(windowOnly[0].Rgb8, frames[0]);
    }

    [Fact]
    public async Task A_preview_takes_a_reference_photo_inline_and_colours_as_the_library_does()
    {
        await using var host = DemoHost.InProcess();
        string id = (await Open(host)).GetProperty("id").GetString()!;
        byte[] photo = File.ReadAllBytes(TestData.Fixture(Path.Combine("motion", "parrot.jpg")));
        string keyframes = "{\"keyframes\": [{\"frame\": 2, \"reference\": [\"data:image/jpeg;base64," + Convert.ToBase64String(photo) + "\"]}]}";
        var preview = await host.Client.PostAsync($"/api/films/{id}/preview?frame=2&count=3", DemoHost.Json(keyframes));
        Assert.True(preview.StatusCode == HttpStatusCode.OK, await preview.Content.ReadAsStringAsync());
        using JsonDocument answer = JsonDocument.Parse(await preview.Content.ReadAsStringAsync());
        var frames = answer.RootElement.GetProperty("frames").EnumerateArray()
            .Select(f => ImageIO.Decode("preview.png", Convert.FromBase64String(f.GetString()!["data:image/png;base64,".Length..])).Rgb8!).ToList();

        // The library: the same frames, the photo as a reference picture, fitted at a picture's steps and width as the page fits it.
        var decoded = new List<ImageData>();
        using (var source = FrameJob.Video(TestData.Fixture("clip.mp4"), Path.Combine(Path.GetTempPath(), "unused.mp4")).OpenSource(CancellationToken.None))
            while (source.Next(CancellationToken.None) is { } f)
                decoded.Add(f.Image);
        using IColorizer colorizer = Colorizer.Open(TestDevices.Get("cpu:0"), "default");
        var expected = new List<ImageData>();
        var automatic = new List<ImageData>();
        var options = new VideoOptions { ReferenceSteps = Engine.Som.ReferenceColorizer.DefaultSteps, ReferenceHidden = Engine.Som.ReferenceColorizer.DefaultHidden };
        new FramePipeline(colorizer).Run(FrameJob.Frames("clip.mp4", decoded.Skip(2).Take(3).ToList(), expected.Add, options)
            .WithKeyframes(new[] { new FilmKeyframe { Frame = 0, ReferencePictures = new[] { ImageIO.Decode("parrot.jpg", photo) } } }));
        new FramePipeline(colorizer).Run(FrameJob.Frames("clip.mp4", decoded.Skip(2).Take(3).ToList(), automatic.Add));
        for (int i = 0; i < 3; i++)
            Assert.Equal(expected[i].Rgb8, frames[i]);
        Assert.NotEqual(automatic[0].Rgb8, frames[0]);
    }

    [Fact]
    public async Task Bad_film_requests_are_one_line_errors()
    {
        await using var host = DemoHost.InProcess();
        var badName = await host.Client.PostAsync("/api/films?name=clip.txt", new ByteArrayContent(File.ReadAllBytes(TestData.Fixture("clip.mp4"))));
        Assert.Equal(HttpStatusCode.BadRequest, badName.StatusCode);
        Assert.Contains("a film's file name with its extension", await Error(badName));
        var notAFilm = await host.Client.PostAsync("/api/films?name=photo.mp4", DemoHost.Png(DemoHost.Photo()));
        Assert.Equal(HttpStatusCode.BadRequest, notAFilm.StatusCode);
        Assert.Contains("photo.mp4", await Error(notAFilm));
        Assert.DoesNotContain("ck-serve-film", await Error(await host.Client.PostAsync("/api/films?name=photo.mp4", DemoHost.Png(DemoHost.Photo()))));

        var unknown = await host.Client.GetAsync("/api/films/0123456789abcdef/frames/0");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        string id = (await Open(host)).GetProperty("id").GetString()!;
        var past = await host.Client.GetAsync($"/api/films/{id}/frames/12");
        Assert.Equal(HttpStatusCode.BadRequest, past.StatusCode);
        Assert.Equal("frame 12: the film has 12 frames, 0 to 11", await Error(past));
        foreach (var (json, message) in new[]
        {
            ("""{"keyframes": [{"frame": 12, "hints": [{"x": 1, "y": 1, "color": "#ff0000"}]}]}""", "keyframe 0 (frame 12): past the film's end"),
            ("""{"keyframes": [{"time": "00:00:00.450", "hints": [{"x": 1, "y": 1, "color": "#ff0000"}]}]}""", "falls between frames 4"),
            ("""{"keyframes": [{"frame": 0, "paletteFrom": "/etc/passwd"}]}""", "\"paletteFrom\" names a file, which only the command line reads"),
            ("""{"keyframes": [{"frame": 0, "reference": ["/etc/passwd"]}]}""", "\"reference\" names files, which only the command line reads"),
            ("""{"keyframes": [{"frame": 0, "hints": [{"x": 96, "y": 1, "color": "#ff0000"}]}]}""", "outside the 96x64 picture"),
        })
        {
            var r = await host.Client.PostAsync($"/api/films/{id}/preview?frame=0&count=2", DemoHost.Json(json));
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            Assert.Contains(message, await Error(r));
        }
        var tooMany = await host.Client.PostAsync($"/api/films/{id}/preview?frame=0&count=13", DemoHost.Json("""{"keyframes": []}"""));
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
    }
}
