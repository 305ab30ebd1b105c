namespace ColorKernels.Engine;

/// <summary>
/// A failure caused by the user's input (arguments, files, model data) or by the machine (no such device,
/// out of device memory). The CLI prints <see cref="Exception.Message"/> as one line and exits non-zero;
/// the message must therefore say everything: what, where, and what was expected.
/// </summary>
public class UserErrorException : Exception
{
    /// <summary>A user error with its complete one-line message.</summary>
    public UserErrorException(string message) : base(message) { }

    /// <summary>A user error with its message and the exception that revealed it.</summary>
    public UserErrorException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>
/// The device asked for is not on this machine or cannot be used there: the machine's failure, not the
/// command line's, although the message names the <c>--device</c> option that asked for it.
/// </summary>
internal sealed class DeviceUnavailableException : UserErrorException
{
    public DeviceUnavailableException(string message) : base(message) { }
}
