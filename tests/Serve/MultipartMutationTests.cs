using System.Net;
using System.Text;
using ColorKernels.Tests.Support;
using CsCheck;
using Xunit;

namespace ColorKernels.Tests.Serve;

/// <summary>
/// The demo's multipart reading under random mutation (#27): a valid multipart upload of a colour photo,
/// flipped, overwritten, lengthened, shortened or cut anywhere (boundary, headers, body, closing line),
/// always answers 200, 400 or 413 with a JSON error, never 500. It posts to /api/palette, which reads the
/// upload as /api/colorize does but costs a histogram, not a network run.
/// </summary>
public class MultipartMutationTests
{
    private static byte[] Valid()
    {
        byte[] photo = DemoHost.Photo(12, 9);
        return Encoding.ASCII.GetBytes("--frontier\r\nContent-Disposition: form-data; name=\"image\"; filename=\"p.png\"\r\nContent-Type: image/png\r\n\r\n")
            .Concat(photo).Concat(Encoding.ASCII.GetBytes("\r\n--frontier--\r\n")).ToArray();
    }

    [Fact]
    public async Task Random_mutations_of_a_multipart_upload_are_never_a_server_error()
    {
        await using var host = DemoHost.InProcess();
        byte[] source = Valid();
        var statuses = new System.Collections.Concurrent.ConcurrentBag<HttpStatusCode>();
        ByteMutation.Any(1 << 16, 24).Sample(m =>
        {
            var content = new ByteArrayContent(m.Apply(source));
            content.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=frontier");
            HttpResponseMessage response = host.Client.PostAsync("/api/palette", content).GetAwaiter().GetResult();
            statuses.Add(response.StatusCode);
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge,
                $"{(int)response.StatusCode}: {response.Content.ReadAsStringAsync().GetAwaiter().GetResult()}");
        }, iter: 300, threads: 1, seed: "0N0XIzNsQ0O2");
        // Both answers occur: the mutations reach past the parser, and some break it.
        Assert.Contains(HttpStatusCode.OK, statuses);
        Assert.Contains(HttpStatusCode.BadRequest, statuses);
    }
}
