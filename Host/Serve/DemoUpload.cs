using ColorKernels.Engine;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace ColorKernels.Host.Serve;

/// <summary>
/// Reading the picture a request uploads (the raw body, or the multipart field "image"), under the upload
/// limit, and the multipart reader's limits and complaints as the demo's one-line 400 and 413 answers.
/// </summary>
internal static class DemoUpload
{
    /// <summary>
    /// The uploaded picture's bytes, or null when the request has none; 413 past <paramref name="limit"/>.
    /// Also the fuzz target's way in (tests/Fuzz), which feeds it requests with no server around them.
    /// </summary>
    internal static async Task<byte[]?> Read(HttpContext context, long limit)
    {
        HttpRequest request = context.Request;
        if (request.ContentLength > limit)
            throw TooLarge(limit);
        // Only a multipart form is read as a form: curl --data-binary @photo.png labels the raw bytes
        // application/x-www-form-urlencoded, and they are the picture all the same.
        if (request.HasFormContentType && request.ContentType!.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase))
        {
            IFormCollection form;
            try
            {
                form = await request.ReadFormAsync(context.RequestAborted);
            }
            catch (IOException) when (!context.RequestAborted.IsCancellationRequested)
            {
                // The reader found the body's end before the boundary it looks for: cut short, or another boundary than the header's.
                throw new DemoException(400, "the multipart form ends before its closing boundary: the body is cut short, or its boundary is not the one in Content-Type");
            }
            IFormFile? file = form.Files["image"] ?? form.Files.FirstOrDefault();
            if (file is null)
                throw new DemoException(400, "the form has no file: send the picture as the field 'image', or send its bytes as the body");
            if (file.Length > limit)
                throw TooLarge(limit);
            using var buffer = new MemoryStream();
            await file.CopyToAsync(buffer, context.RequestAborted);
            return buffer.ToArray();
        }
        byte[] body = await Engine.Files.StreamBytes.ReadAtMostAsync(request.Body, limit, () => TooLarge(limit), context.RequestAborted);
        return body.Length == 0 ? null : body;
    }

    /// <summary>The multipart reader's limits for uploads of at most <paramref name="maxUploadBytes"/>.</summary>
    internal static FormOptions FormLimits(FormOptions o, long maxUploadBytes)
    {
        o.MultipartBodyLengthLimit = maxUploadBytes + 1;
        // A multipart file is buffered in memory up to the upload limit, never in a temporary file (the
        // default spills past 64 KiB to ASPNETCORE_TEMP): nothing of an upload reaches the disk.
        o.MemoryBufferThreshold = (int)Math.Min(int.MaxValue, maxUploadBytes + 1);
        o.ValueCountLimit = FormParts;
        return o;
    }

    /// <summary>Parts (files and fields) a multipart form may have: the page sends one.</summary>
    internal const int FormParts = 64;

    /// <summary>The status and plain message for the multipart reader's complaint: which limit, or what is malformed.</summary>
    internal static (int Status, string Message) MultipartProblem(string reason, long maxUploadBytes)
    {
        if (reason.Contains("body length limit", StringComparison.OrdinalIgnoreCase))
            return (413, TooLarge(maxUploadBytes).Message);
        if (reason.Contains("boundary length limit", StringComparison.OrdinalIgnoreCase))
            return (400, "the multipart boundary is longer than 70 characters (RFC 2046's limit)");
        if (reason.Contains("count limit", StringComparison.OrdinalIgnoreCase) && reason.Contains("value", StringComparison.OrdinalIgnoreCase))
            return (413, $"the multipart form has more than {FormParts} parts: send the picture as one part named 'image'");
        if (reason.Contains("header", StringComparison.OrdinalIgnoreCase) && reason.Contains("limit", StringComparison.OrdinalIgnoreCase))
            return (413, "a multipart part's headers are over the limit (16 headers, 16 KiB in all)");
        return (400, $"the multipart form could not be read: {Cli.OneLine(reason)}");
    }

    /// <summary>The 413 for an upload over <paramref name="limit"/> bytes.</summary>
    internal static DemoException TooLarge(long limit) => new(413, $"the upload is over the limit of {limit / (1024.0 * 1024):0.#} MiB (--max-upload-mb)");
}
