using System.CommandLine;
using ColorKernels.Engine;
using ColorKernels.Engine.Devices;

namespace ColorKernels.Host;

/// <summary>A command line that parses but asks for what cannot be (an option's value out of range, options that exclude each other): exit 2, as a parse error.</summary>
public sealed class UsageException : UserErrorException
{
    public UsageException(string message) : base(message)
    {
    }

    /// <summary>Runs <paramref name="check"/>, turning its user error into a usage error (an option's value refused by the engine's own rule).</summary>
    public static T Of<T>(Func<T> check)
    {
        try
        {
            return check();
        }
        catch (UserErrorException e) when (e is not UsageException)
        {
            throw new UsageException(e.Message);
        }
    }
}
