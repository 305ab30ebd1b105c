using System.Runtime.InteropServices;

namespace ColorKernels.Engine.Files;

/// <summary>What a path is, as the file system says (following links).</summary>
internal enum FileKind { Missing, Regular, Directory, Fifo, Socket, CharacterDevice, BlockDevice, Other }

/// <summary>
/// A path's kind and identity (device and inode), which .NET does not expose: File.Exists is true for a
/// FIFO, and opening one blocks until a writer comes; a folder reached through two links has two paths but
/// one identity. On Linux this asks statx(2), whose struct layout is the same on every architecture;
/// elsewhere it falls back to .NET's view (regular file or folder, identity by full path).
/// </summary>
internal readonly record struct FileStatus(FileKind Kind, ulong Device, ulong Inode, string Path)
{
    /// <summary>An identity that is equal for two paths to the same file or folder.</summary>
    public (ulong Device, ulong Inode, string? Path) Identity => OperatingSystem.IsLinux() ? (Device, Inode, null) : (0, 0, Path);

    /// <summary>"a FIFO", "a socket" ...: for messages.</summary>
    public string KindName => Kind switch
    {
        FileKind.Fifo => "a FIFO (named pipe)",
        FileKind.Socket => "a socket",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Directory => "a folder",
        FileKind.Missing => "missing",
        _ => "not a regular file",
    };

    public static FileStatus Of(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        if (OperatingSystem.IsLinux())
        {
            try
            {
                return Statx(full);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                // A libc without statx (before glibc 2.28): .NET's view below.
            }
        }
        if (Directory.Exists(full))
            return new FileStatus(FileKind.Directory, 0, 0, full);
        return new FileStatus(File.Exists(full) ? FileKind.Regular : FileKind.Missing, 0, 0, full);
    }

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern unsafe int NativeStatx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte* buffer);

    private static unsafe FileStatus Statx(string path)
    {
        const int AtFdCwd = -100;
        const uint StatxType = 0x1, StatxIno = 0x100;
        byte* buffer = stackalloc byte[256];
        if (NativeStatx(AtFdCwd, path, 0, StatxType | StatxIno, buffer) != 0)
            return new FileStatus(FileKind.Missing, 0, 0, path);
        // struct statx: stx_mode (u16) at 28, stx_ino (u64) at 32, stx_dev_major/minor (u32) at 136/140.
        ushort mode = *(ushort*)(buffer + 28);
        ulong inode = *(ulong*)(buffer + 32);
        ulong device = ((ulong)*(uint*)(buffer + 136) << 32) | *(uint*)(buffer + 140);
        FileKind kind = (mode & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0x1000 => FileKind.Fifo,
            0xC000 => FileKind.Socket,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            _ => FileKind.Other,
        };
        return new FileStatus(kind, device, inode, path);
    }
}
