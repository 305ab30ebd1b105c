using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Host.Serve;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Serve;

/// <summary>
/// The web demo's JSON API in process (TestServer, the CPU accelerator): answers checked against the
/// library (the same picture coloured through <see cref="Colorizer"/>) and a double-precision annealed
/// mean; bad uploads, limits, the key, a full queue, timeouts and many clients at once.
/// </summary>
public class ServeApiTests
{
    private static async Task<string> Error(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using JsonDocument json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        string message = json.RootElement.GetProperty("error").GetString()!;
        Assert.DoesNotContain("\n", message);
        Assert.DoesNotContain("   at ", message);
        return message;
    }

    /// <summary>What the library makes of the picture with the built-in model (the CLI's path).</summary>
    private static byte[] LibraryColours(byte[] png)
    {
        using IColorizer colorizer = Colorizer.Open(TestDevices.Get("cpu:0"), "default");
        return colorizer.Colorize(new[] { ImageIO.Decode("photo.png", png) })[0].Rgb8!;
    }

    private static byte[] Pixels(byte[] png) => ImageIO.Decode("response.png", png).Rgb8!;

    [Fact]
    public async Task Health_and_models_describe_the_device_and_the_built_in_model()
    {
        await using var host = DemoHost.InProcess();
        var health = await host.Client.GetAsync("/api/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        using JsonDocument h = JsonDocument.Parse(await health.Content.ReadAsStringAsync());
        Assert.Equal("ok", h.RootElement.GetProperty("status").GetString());
        Assert.StartsWith("cpu:0", h.RootElement.GetProperty("device").GetString());
        Assert.True(health.Headers.Contains("X-Elapsed-Ms"));
        using JsonDocument m = JsonDocument.Parse(await host.Client.GetStringAsync("/api/models"));
        JsonElement model = m.RootElement.EnumerateArray().Single();
        Assert.Equal("default", model.GetProperty("id").GetString());
        Assert.Equal("eccv16", model.GetProperty("method").GetString());
        Assert.True(model.GetProperty("distribution").GetBoolean());
        string page = await host.Client.GetStringAsync("/");
        Assert.Contains("<canvas id=\"plot\"", page);
        Assert.DoesNotContain("http://", page.Replace("http://www.w3.org", ""));   // nothing from a CDN
    }

    [Fact]
    public async Task Colorize_gives_the_librarys_colours_and_a_new_temperature_reuses_the_network()
    {
        await using var host = DemoHost.InProcess();
        byte[] photo = DemoHost.Photo();
        var first = await host.Client.PostAsync("/api/colorize", DemoHost.Png(photo));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("image/png", first.Content.Headers.ContentType?.MediaType);
        Assert.Equal("ran", first.Headers.GetValues("X-Network").Single());
        Assert.Equal("true", first.Headers.GetValues("X-Colour-Original").Single());
        // The built-in model's own temperature, as the CLI colours: the same pixels.
        Assert.Equal(LibraryColours(photo), Pixels(await first.Content.ReadAsByteArrayAsync()));

        string picture = first.Headers.GetValues("X-Picture").Single();
        var cold = await host.Client.PostAsync($"/api/colorize?picture={picture}&temperature=0.1", null);
        Assert.Equal(HttpStatusCode.OK, cold.StatusCode);
        Assert.Equal("reused", cold.Headers.GetValues("X-Network").Single());
        Assert.Equal("0.1", cold.Headers.GetValues("X-Temperature").Single());
        byte[] reDecoded = Pixels(await cold.Content.ReadAsByteArrayAsync());
        Assert.NotEqual(LibraryColours(photo), reDecoded);
        // Re-decoding equals colouring afresh at that temperature.
        var fresh = await host.Client.PostAsync("/api/colorize?temperature=0.1", DemoHost.Png(photo));
        Assert.Equal(reDecoded, Pixels(await fresh.Content.ReadAsByteArrayAsync()));

        var jpeg = await host.Client.PostAsync($"/api/colorize?picture={picture}&format=jpeg", null);
        Assert.Equal("image/jpeg", jpeg.Content.Headers.ContentType?.MediaType);
        var grey = await host.Client.GetAsync($"/api/pictures/{picture}/grey");
        byte[] g = Pixels(await grey.Content.ReadAsByteArrayAsync());
        Assert.True(Enumerable.Range(0, g.Length / 3).All(p => Math.Abs(g[3 * p] - g[3 * p + 2]) <= 1), "the grey picture has colour");
    }

    [Fact]
    public async Task A_multipart_upload_works_like_a_raw_one()
    {
        await using var host = DemoHost.InProcess();
        byte[] photo = DemoHost.Photo(24, 16);
        using var form = new MultipartFormDataContent { { DemoHost.Png(photo), "image", "photo.png" } };
        var response = await host.Client.PostAsync("/api/colorize", form);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(LibraryColours(photo), Pixels(await response.Content.ReadAsByteArrayAsync()));
    }

    [Fact]
    public async Task The_distribution_is_the_pixels_313_bins_with_the_annealed_mean_and_the_true_colour()
    {
        await using var host = DemoHost.InProcess();
        var upload = await host.Client.PostAsync("/api/colorize", DemoHost.Png(DemoHost.Photo(33, 31)));
        string picture = upload.Headers.GetValues("X-Picture").Single();
        foreach (float t in new[] { 0.38f, 1f })
        {
            var response = await host.Client.PostAsync($"/api/distribution?picture={picture}&x=32&y=0&temperature={t}", null);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using JsonDocument json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            JsonElement root = json.RootElement;
            var bins = root.GetProperty("bins").EnumerateArray().Select(b => (A: b.GetProperty("a").GetDouble(), B: b.GetProperty("b").GetDouble(), P: b.GetProperty("p").GetDouble())).ToList();
            Assert.Equal(313, bins.Count);
            Assert.Equal(1.0, bins.Sum(b => b.P), 4);   // a softmax in float: 313 terms
            Assert.False(root.GetProperty("networkRan").GetBoolean());
            // Reference: the annealed mean in double from the temperature-1 probabilities (softmax(log p / T)).
            double[] w = bins.Select(b => Math.Pow(b.P, 1 / t)).ToArray();
            double total = w.Sum();
            double a = bins.Select((b, i) => b.A * w[i]).Sum() / total, bb = bins.Select((b, i) => b.B * w[i]).Sum() / total;
            // Tolerance: the device's softmax runs in float on the logits; 1e-6 relative error on weights times ab up to 110.
            Assert.Equal(a, root.GetProperty("mean").GetProperty("a").GetDouble(), 2);
            Assert.Equal(bb, root.GetProperty("mean").GetProperty("b").GetDouble(), 2);
            JsonElement truth = root.GetProperty("truth");
            Assert.Equal(JsonValueKind.Object, truth.ValueKind);
            Assert.Equal(27, root.GetProperty("cell").GetProperty("x").GetInt32());   // pixel 32 of 33 -> cell 27 of 28
        }
        // The photo's top-right pixel is (242, 200, 0): orange-yellow, so its true b is well above zero.
        var again = await host.Client.PostAsync($"/api/distribution?picture={picture}&x=32&y=0", null);
        using JsonDocument j = JsonDocument.Parse(await again.Content.ReadAsStringAsync());
        Assert.True(j.RootElement.GetProperty("truth").GetProperty("b").GetDouble() > 40);

        var grey = await host.Client.PostAsync("/api/distribution?x=1&y=1", DemoHost.Png(DemoHost.GreyPhoto()));
        using JsonDocument g = JsonDocument.Parse(await grey.Content.ReadAsStringAsync());
        Assert.Equal(JsonValueKind.Null, g.RootElement.GetProperty("truth").ValueKind);
        Assert.True(g.RootElement.GetProperty("networkRan").GetBoolean());

        var outside = await host.Client.PostAsync($"/api/distribution?picture={picture}&x=33&y=0", null);
        Assert.Equal(HttpStatusCode.BadRequest, outside.StatusCode);
        Assert.Contains("outside the 33x31 picture", await Error(outside));
    }

    [Fact]
    public async Task The_som_view_fits_maps_of_each_size_to_a_colour_photo_and_refuses_a_grey_one()
    {
        await using var host = DemoHost.InProcess();
        var response = await host.Client.PostAsync("/api/som?grids=2x2,3x3", DemoHost.Png(DemoHost.Photo()));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using JsonDocument json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var maps = json.RootElement.GetProperty("maps").EnumerateArray().ToList();
        Assert.Equal(new[] { 4, 9 }, maps.Select(m => m.GetProperty("codewords").GetArrayLength()));
        // More codewords keep more of the photo's colour.
        Assert.True(maps[1].GetProperty("quantizationError").GetDouble() < maps[0].GetProperty("quantizationError").GetDouble());
        string image = maps[0].GetProperty("image").GetString()!;
        Assert.StartsWith("data:image/png;base64,", image);
        ImageData quantised = ImageIO.Decode("som.png", Convert.FromBase64String(image["data:image/png;base64,".Length..]));
        Assert.Equal((40, 30), (quantised.Width, quantised.Height));

        var grey = await host.Client.PostAsync("/api/som", DemoHost.Png(DemoHost.GreyPhoto()));
        Assert.Equal(HttpStatusCode.BadRequest, grey.StatusCode);
        Assert.Contains("needs a colour photo", await Error(grey));
        var bad = await host.Client.PostAsync("/api/som?grids=2x9", DemoHost.Png(DemoHost.Photo()));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task A_json_body_steers_a_kept_picture_with_the_librarys_hints_and_palette_without_the_network()
    {
        await using var host = DemoHost.InProcess();
        byte[] photo = DemoHost.Photo(33, 31);
        var first = await host.Client.PostAsync("/api/colorize", DemoHost.Png(photo));
        string picture = first.Headers.GetValues("X-Picture").Single();
        var steered = await host.Client.PostAsync($"/api/colorize?picture={picture}",
            DemoHost.Json("""{"hints": [{"x": 5, "y": 6, "color": "#507040", "size": 3}], "palette": "#3060c0", "paletteStrength": 2}"""));
        Assert.Equal(HttpStatusCode.OK, steered.StatusCode);
        Assert.Equal("reused", steered.Headers.GetValues("X-Network").Single());
        using IColorizer colorizer = Colorizer.Open(TestDevices.Get("cpu:0"), "default");
        using Prediction prediction = colorizer.Predict(ImageIO.Decode("photo.png", photo));
        byte[] expected = colorizer.Decode(prediction, null, new[] { ColorHint.FromColor(5, 6, "#507040", 3) }, ColorPalette.Parse("#3060c0") with { Strength = 2 }).Rgb8!;
        Assert.Equal(expected, Pixels(await steered.Content.ReadAsByteArrayAsync()));

        // A palette from a photo: its colours heaviest first, usable as the palette of a steering body.
        var palette = await host.Client.PostAsync("/api/palette", DemoHost.Png(photo));
        Assert.Equal(HttpStatusCode.OK, palette.StatusCode);
        using JsonDocument colours = JsonDocument.Parse(await palette.Content.ReadAsStringAsync());
        JsonElement list = colours.RootElement.GetProperty("colors");
        Assert.True(list.GetArrayLength() > 0);
        Assert.Equal(1.0, list.EnumerateArray().Sum(c => c.GetProperty("weight").GetDouble()), 6);
        Assert.StartsWith("#", list[0].GetProperty("rgb").GetString());
        var fromPhoto = await host.Client.PostAsync($"/api/colorize?picture={picture}", DemoHost.Json($$"""{"palette": {{list.GetRawText()}}}"""));
        Assert.Equal(HttpStatusCode.OK, fromPhoto.StatusCode);

        async Task Expect(string fragment, Task<HttpResponseMessage> call)
        {
            HttpResponseMessage response = await call;
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains(fragment, await Error(response));
        }
        await Expect("not valid JSON", host.Client.PostAsync($"/api/colorize?picture={picture}", DemoHost.Json("{\"hints\": [")));
        await Expect("hints: hint 0: hint at (33, 0): outside the 33x31 picture", host.Client.PostAsync($"/api/colorize?picture={picture}", DemoHost.Json("""{"hints": [{"x": 33, "y": 0, "color": "#ff0000"}]}""")));
        await Expect("hint 0: colour 'red'", host.Client.PostAsync($"/api/colorize?picture={picture}", DemoHost.Json("""{"hints": [{"x": 1, "y": 0, "color": "red"}]}""")));
        await Expect("palette colour 0", host.Client.PostAsync($"/api/colorize?picture={picture}", DemoHost.Json("""{"palette": [{"a": "x"}]}""")));
        await Expect("paletteStrength 11: expected 0 to 10", host.Client.PostAsync($"/api/colorize?picture={picture}", DemoHost.Json("""{"palette": "#aa3322", "paletteStrength": 11}""")));
        await Expect("a JSON body steers a kept picture", host.Client.PostAsync($"/api/colorize?picture={picture}", DemoHost.Json("")));
        await Expect("has no colour to take", host.Client.PostAsync("/api/palette", DemoHost.Png(DemoHost.GreyPhoto())));
        await Expect("no photo", host.Client.PostAsync("/api/palette", null));
    }

    /// <summary>A multipart body as a client wrote it, with <paramref name="headerBoundary"/> in Content-Type whatever the body uses.</summary>
    private static ByteArrayContent Multipart(string headerBoundary, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.TryAddWithoutValidation("Content-Type", $"multipart/form-data; boundary={headerBoundary}");
        return content;
    }

    private static byte[] Part(string boundary, byte[] file, string extraHeaders = "", bool close = true) =>
        System.Text.Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"p.png\"\r\n{extraHeaders}Content-Type: image/png\r\n\r\n")
            .Concat(file).Concat(System.Text.Encoding.ASCII.GetBytes(close ? $"\r\n--{boundary}--\r\n" : "\r\n")).ToArray();

    [Fact]
    public async Task Malformed_and_oversized_multipart_forms_are_400_or_413_with_their_own_reasons()
    {
        await using var host = DemoHost.InProcess();
        byte[] photo = DemoHost.Photo();
        async Task Expect(HttpStatusCode status, string fragment, HttpContent content)
        {
            HttpResponseMessage response = await host.Client.PostAsync("/api/colorize", content);
            Assert.Equal(status, response.StatusCode);
            Assert.Contains(fragment, await Error(response));
        }
        // Well formed, for contrast.
        Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsync("/api/colorize", Multipart("abc", Part("abc", photo)))).StatusCode);
        await Expect(HttpStatusCode.BadRequest, "ends before its closing boundary", Multipart("abc", Part("xyz", photo)));
        await Expect(HttpStatusCode.BadRequest, "ends before its closing boundary", Multipart("abc", Part("abc", photo, close: false)));
        string longBoundary = new('b', 500);
        await Expect(HttpStatusCode.BadRequest, "boundary is longer than 70 characters", Multipart(longBoundary, Part(longBoundary, photo)));
        string hugeHeader = "X-Padding: " + new string('h', 200_000) + "\r\n";
        await Expect(HttpStatusCode.RequestEntityTooLarge, "part's headers are over the limit", Multipart("abc", Part("abc", photo, hugeHeader)));
        var many = new List<byte>();
        for (int i = 0; i < 10_000; i++)
            many.AddRange(System.Text.Encoding.ASCII.GetBytes($"--abc\r\nContent-Disposition: form-data; name=\"f{i}\"\r\n\r\nx\r\n"));
        many.AddRange(System.Text.Encoding.ASCII.GetBytes("--abc--\r\n"));
        await Expect(HttpStatusCode.RequestEntityTooLarge, "more than 64 parts", Multipart("abc", many.ToArray()));
        // An upload is never spilled to a temporary file: the form reader buffers in memory up to the upload limit.
        var form = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Features.FormOptions>>(host.App.Services).Value;
        Assert.True(form.MemoryBufferThreshold >= new ServeOptions().MaxUploadBytes, $"form buffer threshold {form.MemoryBufferThreshold}");
    }

    [Fact]
    public async Task The_server_refuses_a_picture_over_16_megapixels_by_default_before_decoding_it()
    {
        Assert.Equal(16_000_000, new ServeOptions().MaxPixels);
        // A 5000 x 5000 1-bit PNG: a few KB that decode to 25 MP.
        byte[] bomb;
        using (var image = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.L8>(5000, 5000))
        using (var stream = new MemoryStream())
        {
            image.Save(stream, new SixLabors.ImageSharp.Formats.Png.PngEncoder { BitDepth = SixLabors.ImageSharp.Formats.Png.PngBitDepth.Bit1, ColorType = SixLabors.ImageSharp.Formats.Png.PngColorType.Grayscale });
            bomb = stream.ToArray();
        }
        Assert.True(bomb.Length < 100_000, $"{bomb.Length} bytes");
        await using var host = DemoHost.InProcess();
        var response = await host.Client.PostAsync("/api/colorize", DemoHost.Png(bomb));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("pixels, above", await Error(response));
    }

    [Fact]
    public async Task A_picture_posted_as_curl_data_binary_sends_it_is_coloured()
    {
        await using var host = DemoHost.InProcess();
        // curl --data-binary @photo.png labels the bytes application/x-www-form-urlencoded.
        var content = new ByteArrayContent(DemoHost.Photo());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
        var response = await host.Client.PostAsync("/api/colorize", content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Bad_requests_are_json_errors_with_the_right_status()
    {
        await using var host = DemoHost.InProcess(new ServeOptions { MaxUploadBytes = 20_000, MaxPixels = 2_000 });
        async Task Expect(HttpStatusCode status, string fragment, Task<HttpResponseMessage> call)
        {
            HttpResponseMessage response = await call;
            Assert.Equal(status, response.StatusCode);
            Assert.Contains(fragment, await Error(response));
        }
        await Expect(HttpStatusCode.BadRequest, "upload", host.Client.PostAsync("/api/colorize", new ByteArrayContent("not a picture"u8.ToArray())));
        await Expect(HttpStatusCode.BadRequest, "no picture", host.Client.PostAsync("/api/colorize", null));
        await Expect(HttpStatusCode.RequestEntityTooLarge, "over the limit of", host.Client.PostAsync("/api/colorize", new ByteArrayContent(new byte[30_000])));
        using (var form = new MultipartFormDataContent { { new ByteArrayContent(new byte[30_000]), "image", "big.png" } })
            await Expect(HttpStatusCode.RequestEntityTooLarge, "over the limit of", host.Client.PostAsync("/api/colorize", form));
        await Expect(HttpStatusCode.BadRequest, "pixels, above", host.Client.PostAsync("/api/colorize", DemoHost.Png(DemoHost.Photo(50, 50))));
        await Expect(HttpStatusCode.BadRequest, "temperature 'hot'", host.Client.PostAsync("/api/colorize?temperature=hot", DemoHost.Png(DemoHost.Photo())));
        // The engine's one temperature rule: 0 (the most likely colour) or 0.01 to 100.
        await Expect(HttpStatusCode.BadRequest, "temperature '0.001'", host.Client.PostAsync("/api/colorize?temperature=0.001", DemoHost.Png(DemoHost.Photo())));
        await Expect(HttpStatusCode.BadRequest, "temperature '101'", host.Client.PostAsync("/api/colorize?temperature=101", DemoHost.Png(DemoHost.Photo())));
        Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsync("/api/colorize?temperature=0", DemoHost.Png(DemoHost.Photo()))).StatusCode);
        await Expect(HttpStatusCode.BadRequest, "size 12", host.Client.PostAsync("/api/colorize?size=12", DemoHost.Png(DemoHost.Photo())));
        await Expect(HttpStatusCode.BadRequest, "format 'gif'", host.Client.PostAsync("/api/colorize?format=gif", DemoHost.Png(DemoHost.Photo())));
        await Expect(HttpStatusCode.NotFound, "model 'nope'", host.Client.PostAsync("/api/colorize?model=nope", DemoHost.Png(DemoHost.Photo())));
        await Expect(HttpStatusCode.NotFound, "picture 'abc'", host.Client.PostAsync("/api/colorize?picture=abc", null));
        // Pictures are named by random ids kept in memory: a path is just an id that is not there.
        await Expect(HttpStatusCode.NotFound, "not kept here", host.Client.GetAsync("/api/pictures/..%2F..%2Fetc%2Fpasswd/grey"));
        await Expect(HttpStatusCode.NotFound, "no such API route", host.Client.GetAsync("/api/colourise"));
        var wrongMethod = await host.Client.GetAsync("/api/colorize");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        Assert.Equal("POST", wrongMethod.Content.Headers.Allow.Single());
        Assert.Contains("use POST", await Error(wrongMethod));
        await Expect(HttpStatusCode.BadRequest, "x:", host.Client.PostAsync("/api/distribution", DemoHost.Png(DemoHost.Photo())));
        // A picture of another size than the model's works: size=64 opens a second colourizer.
        var sized = await host.Client.PostAsync("/api/colorize?size=64", DemoHost.Png(DemoHost.Photo()));
        Assert.Equal(HttpStatusCode.OK, sized.StatusCode);
    }

    [Fact]
    public async Task A_som_mlp_model_colours_like_the_library_and_shows_its_classes_for_a_pixel()
    {
        string path = TestData.RepositoryFile("docs", "som-mlp", "general.ckm");
        await using var host = DemoHost.InProcess(new ServeOptions { Models = new[] { path } });
        using JsonDocument models = JsonDocument.Parse(await host.Client.GetStringAsync("/api/models"));
        JsonElement som = models.RootElement.EnumerateArray().Single(m => m.GetProperty("id").GetString() == "general");
        Assert.Equal("som-mlp", som.GetProperty("method").GetString());
        Assert.True(som.GetProperty("distribution").GetBoolean());
        int classes = som.GetProperty("classes").GetInt32();
        Assert.InRange(classes, 2, 100);
        float modelTemperature = som.GetProperty("temperature").GetSingle();

        byte[] photo = DemoHost.Photo(48, 32);
        var response = await host.Client.PostAsync("/api/colorize?model=general", DemoHost.Png(photo));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(modelTemperature.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Headers.GetValues("X-Temperature").Single());
        using (IColorizer library = Colorizer.Open(TestDevices.Get("cpu:0"), path))
            Assert.Equal(library.Colorize(new[] { ImageIO.Decode("photo.png", photo) })[0].Rgb8!, Pixels(await response.Content.ReadAsByteArrayAsync()));
        string picture = response.Headers.GetValues("X-Picture").Single();
        // The temperature changes a SOM + MLP model's colours too (its annealed mean over codewords).
        var cold = await host.Client.PostAsync($"/api/colorize?model=general&picture={picture}&temperature=0.05", null);
        Assert.NotEqual(Pixels(await (await host.Client.PostAsync($"/api/colorize?model=general&picture={picture}", null)).Content.ReadAsByteArrayAsync()),
            Pixels(await cold.Content.ReadAsByteArrayAsync()));

        var distribution = await host.Client.PostAsync($"/api/distribution?model=general&picture={picture}&x=30&y=20&temperature=0.5", null);
        Assert.Equal(HttpStatusCode.OK, distribution.StatusCode);
        using JsonDocument json = JsonDocument.Parse(await distribution.Content.ReadAsStringAsync());
        JsonElement root = json.RootElement;
        Assert.Equal("som-mlp", root.GetProperty("method").GetString());
        var bins = root.GetProperty("bins").EnumerateArray().Select(b => (A: b.GetProperty("a").GetDouble(), B: b.GetProperty("b").GetDouble(), P: b.GetProperty("p").GetDouble())).ToList();
        Assert.Equal(classes, bins.Count);
        Assert.Equal(1.0, bins.Sum(b => b.P), 4);
        // Reference: the annealed mean over the codewords in double, softmax(log p / T) from the temperature-1 probabilities.
        double[] w = bins.Select(b => Math.Pow(b.P, 1 / 0.5)).ToArray();
        Assert.Equal(bins.Select((b, i) => b.A * w[i]).Sum() / w.Sum(), root.GetProperty("mean").GetProperty("a").GetDouble(), 2);
        Assert.Equal(bins.Select((b, i) => b.B * w[i]).Sum() / w.Sum(), root.GetProperty("mean").GetProperty("b").GetDouble(), 2);
        Assert.Equal(JsonValueKind.Object, root.GetProperty("truth").ValueKind);
        // The same kept picture through the ECCV16 model: its network runs now.
        var eccv16 = await host.Client.PostAsync($"/api/colorize?picture={picture}", null);
        Assert.Equal("ran", eccv16.Headers.GetValues("X-Network").Single());
    }

    [Fact]
    public async Task Kept_pictures_are_bounded_oldest_first()
    {
        await using var host = DemoHost.InProcess(new ServeOptions { KeptPictures = 2 });
        var ids = new List<string>();
        for (int i = 0; i < 3; i++)
            ids.Add((await host.Client.PostAsync("/api/colorize", DemoHost.Png(DemoHost.Photo(16, 16, seed: i)))).Headers.GetValues("X-Picture").Single());
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.PostAsync($"/api/colorize?picture={ids[0]}", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsync($"/api/colorize?picture={ids[2]}", null)).StatusCode);
    }

    [Fact]
    public async Task With_an_api_key_requests_without_it_are_refused()
    {
        await using var host = DemoHost.InProcess(new ServeOptions { ApiKey = "s3cret" });
        var refused = await host.Client.GetAsync("/api/health");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("X-Api-Key", await Error(refused));
        var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/health") { Headers = { { "X-Api-Key", "guess" } } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Client.SendAsync(wrong)).StatusCode);
        var right = new HttpRequestMessage(HttpMethod.Get, "/api/health") { Headers = { { "X-Api-Key", "s3cret" } } };
        Assert.Equal(HttpStatusCode.OK, (await host.Client.SendAsync(right)).StatusCode);
        var bearer = new HttpRequestMessage(HttpMethod.Get, "/api/models") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "s3cret") } };
        Assert.Equal(HttpStatusCode.OK, (await host.Client.SendAsync(bearer)).StatusCode);
        // The page itself carries no data and loads without the key (it asks for it).
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/")).StatusCode);
    }

    /// <summary>Holds the device with a job that waits for <paramref name="release"/>; returns once it is running.</summary>
    private static async Task<Task<int>> Occupy(DemoService service, ManualResetEventSlim release)
    {
        Task<int> job = service.Queue.Run(() => { release.Wait(); return 0; }, CancellationToken.None);
        while (service.Queue.Pending == 0)
            await Task.Delay(5);
        return job;
    }

    [Fact]
    public async Task A_full_queue_answers_503_with_retry_after_and_a_long_wait_504()
    {
        await using (var host = DemoHost.InProcess(new ServeOptions { QueueCapacity = 0 }))
        {
            using var release = new ManualResetEventSlim();
            Task<int> busy = await Occupy(host.Service, release);
            var response = await host.Client.PostAsync("/api/colorize", DemoHost.Png(DemoHost.Photo()));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.True(response.Headers.RetryAfter?.Delta?.TotalSeconds >= 1, "no Retry-After");
            Assert.Contains("busy", await Error(response));
            release.Set();
            await busy;
            Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsync("/api/colorize", DemoHost.Png(DemoHost.Photo()))).StatusCode);
        }
        await using (var host = DemoHost.InProcess(new ServeOptions { QueueCapacity = 2, RequestTimeout = TimeSpan.FromMilliseconds(300) }))
        {
            using var release = new ManualResetEventSlim();
            Task<int> busy = await Occupy(host.Service, release);
            var response = await host.Client.PostAsync("/api/colorize", DemoHost.Png(DemoHost.Photo()));
            Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
            Assert.Contains("gave up", await Error(response));
            release.Set();
            await busy;
            Assert.Equal(0, host.Service.Queue.Pending);
        }
    }

    [Fact]
    public async Task Many_clients_at_once_each_get_their_own_picture_coloured()
    {
        await using var host = DemoHost.InProcess();
        byte[][] photos = Enumerable.Range(0, 8).Select(i => DemoHost.Photo(20 + 3 * i, 17 + i, seed: i)).ToArray();
        byte[][] expected = photos.Select(LibraryColours).ToArray();
        HttpResponseMessage[] responses = await Task.WhenAll(photos.Select(p => host.Client.PostAsync("/api/colorize", DemoHost.Png(p))));
        for (int i = 0; i < photos.Length; i++)
        {
            Assert.Equal(HttpStatusCode.OK, responses[i].StatusCode);
            Assert.Equal(expected[i], Pixels(await responses[i].Content.ReadAsByteArrayAsync()));
        }
        Assert.Equal(8, responses.Select(r => r.Headers.GetValues("X-Picture").Single()).Distinct().Count());
        Assert.Equal(0, host.Service.Queue.Pending);
    }
}
