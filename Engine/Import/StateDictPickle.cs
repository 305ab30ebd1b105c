using System.Buffers.Binary;
using System.Text;

namespace ColorKernels.Engine.Import;

/// <summary>A tensor of a PyTorch state dict: where its values live in the archive, and their layout.</summary>
internal sealed record TorchTensorRef(string StorageKey, string StorageType, long Offset, int[] Shape, long[] Stride);

/// <summary>
/// A strict reader of the pickles PyTorch writes for state dicts (data.pkl inside a torch.save zip). It is
/// not a Python unpickler: it knows the opcodes state dicts use, and it "calls" only what rebuilding a
/// dict of tensors needs (collections.OrderedDict, torch._utils._rebuild_tensor_v2,
/// torch._utils._rebuild_parameter, the storage types); any other global, or any other opcode, is an
/// error before anything happens. Nothing is ever executed.
/// </summary>
internal static class StateDictPickle
{
    private sealed record Global(string Module, string Name)
    {
        public override string ToString() => $"{Module}.{Name}";
    }

    private sealed record StorageRef(string Key, string Type);

    private sealed class Mark
    {
        public static readonly Mark Instance = new();
    }

    private static readonly HashSet<string> AllowedGlobals = new(StringComparer.Ordinal)
    {
        "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter",
        "torch.FloatStorage", "torch.HalfStorage", "torch.DoubleStorage", "torch.LongStorage",
    };

    /// <summary>Parses a state-dict pickle into name -> tensor reference; <paramref name="source"/> names it in messages.</summary>
    public static IReadOnlyDictionary<string, object?> Read(byte[] pickle, string source)
    {
        var stack = new List<object?>();
        var memo = new Dictionary<long, object?>();
        int pos = 0;

        UserErrorException Bad(string why) => new($"'{source}': {why} (at byte {pos} of the pickle)");
        byte U8() => pos < pickle.Length ? pickle[pos++] : throw Bad("the pickle ends early");
        ReadOnlySpan<byte> Take(long n)
        {
            if (n < 0 || pos + n > pickle.Length)
                throw Bad("the pickle ends early");
            var span = pickle.AsSpan(pos, (int)n);
            pos += (int)n;
            return span;
        }
        object? Pop()
        {
            if (stack.Count == 0)
                throw Bad("stack underflow (malformed pickle)");
            object? top = stack[^1];
            stack.RemoveAt(stack.Count - 1);
            return top;
        }
        List<object?> PopToMark()
        {
            int mark = stack.FindLastIndex(o => o is Mark);
            if (mark < 0)
                throw Bad("no MARK on the stack (malformed pickle)");
            var items = stack.GetRange(mark + 1, stack.Count - mark - 1);
            stack.RemoveRange(mark, stack.Count - mark);
            return items;
        }
        string Line()
        {
            int end = Array.IndexOf(pickle, (byte)'\n', pos);
            if (end < 0)
                throw Bad("the pickle ends early");
            string text = Encoding.ASCII.GetString(pickle, pos, end - pos);
            pos = end + 1;
            return text;
        }
        object? MakeGlobal(string module, string name)
        {
            var g = new Global(module, name);
            if (!AllowedGlobals.Contains(g.ToString()))
                throw Bad($"the pickle refers to {g}, which a state dict never needs; refusing to load it");
            return g;
        }

        while (true)
        {
            byte op = U8();
            switch (op)
            {
                case 0x80: U8(); break;                                                   // PROTO
                case 0x95: Take(8); break;                                                // FRAME
                case (byte)'.':                                                           // STOP
                    if (stack.Count != 1 || stack[0] is not Dictionary<object, object?> dict)
                        throw Bad("the pickle does not hold a dict of tensors");
                    return dict.ToDictionary(kv => kv.Key as string ?? throw Bad("a state-dict key is not a string"), kv => kv.Value);
                case (byte)'}': stack.Add(new Dictionary<object, object?>()); break;      // EMPTY_DICT
                case (byte)']': stack.Add(new List<object?>()); break;                    // EMPTY_LIST
                case (byte)')': stack.Add(Array.Empty<object?>()); break;                 // EMPTY_TUPLE
                case (byte)'(': stack.Add(Mark.Instance); break;                          // MARK
                case (byte)'N': stack.Add(null); break;                                   // NONE
                case 0x88: stack.Add(true); break;                                        // NEWTRUE
                case 0x89: stack.Add(false); break;                                       // NEWFALSE
                case (byte)'K': stack.Add((long)U8()); break;                             // BININT1
                case (byte)'M': stack.Add((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break;   // BININT2
                case (byte)'J': stack.Add((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break;    // BININT
                case 0x8a:                                                                // LONG1
                {
                    int n = U8();
                    if (n > 8)
                        throw Bad("integer too large");
                    ReadOnlySpan<byte> b = Take(n);
                    long v = 0;
                    for (int i = n - 1; i >= 0; i--)
                        v = (v << 8) | b[i];
                    if (n > 0 && n < 8 && (b[n - 1] & 0x80) != 0)
                        v -= 1L << (8 * n);
                    stack.Add(v);
                    break;
                }
                case (byte)'G': stack.Add(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break;           // BINFLOAT
                case (byte)'X': stack.Add(Encoding.UTF8.GetString(Take(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))))); break;   // BINUNICODE
                case 0x8c: stack.Add(Encoding.UTF8.GetString(Take(U8()))); break;        // SHORT_BINUNICODE
                case (byte)'q': memo[U8()] = stack.Count > 0 ? stack[^1] : throw Bad("BINPUT on an empty stack"); break;
                case (byte)'r': memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4))] = stack.Count > 0 ? stack[^1] : throw Bad("LONG_BINPUT on an empty stack"); break;
                case 0x94: memo[memo.Count] = stack.Count > 0 ? stack[^1] : throw Bad("MEMOIZE on an empty stack"); break;
                case (byte)'h': stack.Add(memo.TryGetValue(U8(), out object? m1) ? m1 : throw Bad("BINGET of an unknown memo")); break;
                case (byte)'j': stack.Add(memo.TryGetValue(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)), out object? m2) ? m2 : throw Bad("LONG_BINGET of an unknown memo")); break;
                case (byte)'c':                                                           // GLOBAL
                {
                    string module = Line(), name = Line();
                    stack.Add(MakeGlobal(module, name));
                    break;
                }
                case 0x93:                                                                // STACK_GLOBAL
                {
                    object? name = Pop(), module = Pop();
                    stack.Add(MakeGlobal(module as string ?? throw Bad("bad STACK_GLOBAL"), name as string ?? throw Bad("bad STACK_GLOBAL")));
                    break;
                }
                case (byte)'t': stack.Add(PopToMark().ToArray()); break;                  // TUPLE
                case 0x85: stack.Add(new[] { Pop() }); break;                             // TUPLE1
                case 0x86: { object? b = Pop(), a = Pop(); stack.Add(new[] { a, b }); break; }                        // TUPLE2
                case 0x87: { object? c = Pop(), b = Pop(), a = Pop(); stack.Add(new[] { a, b, c }); break; }           // TUPLE3
                case (byte)'a': { object? v = Pop(); (stack[^1] as List<object?> ?? throw Bad("APPEND to a non-list")).Add(v); break; }
                case (byte)'e': { var items = PopToMark(); (stack[^1] as List<object?> ?? throw Bad("APPENDS to a non-list")).AddRange(items); break; }
                case (byte)'s':                                                           // SETITEM
                {
                    object? value = Pop(), key = Pop();
                    (stack[^1] as Dictionary<object, object?> ?? throw Bad("SETITEM on a non-dict"))[key ?? throw Bad("None key")] = value;
                    break;
                }
                case (byte)'u':                                                           // SETITEMS
                {
                    var items = PopToMark();
                    var target = stack[^1] as Dictionary<object, object?> ?? throw Bad("SETITEMS on a non-dict");
                    if (items.Count % 2 != 0)
                        throw Bad("SETITEMS with an odd number of items");
                    for (int i = 0; i < items.Count; i += 2)
                        target[items[i] ?? throw Bad("None key")] = items[i + 1];
                    break;
                }
                case (byte)'b':                                                           // BUILD: only a dict's attributes (OrderedDict _metadata), ignored
                {
                    Pop();
                    if (stack.Count == 0 || stack[^1] is not Dictionary<object, object?>)
                        throw Bad("BUILD on something other than a dict");
                    break;
                }
                case (byte)'Q':                                                           // BINPERSID: a storage
                {
                    object?[] pid = Pop() as object?[] ?? throw Bad("persistent id is not a tuple");
                    if (pid.Length < 5 || pid[0] as string != "storage" || pid[1] is not Global type || pid[2] is not string key)
                        throw Bad("unexpected persistent id");
                    stack.Add(new StorageRef(key, type.Name));
                    break;
                }
                case (byte)'R':                                                           // REDUCE: only the allowed rebuilders
                {
                    object?[] args = Pop() as object?[] ?? throw Bad("REDUCE arguments are not a tuple");
                    Global callable = Pop() as Global ?? throw Bad("REDUCE of something not callable");
                    stack.Add(callable.ToString() switch
                    {
                        "collections.OrderedDict" when args.Length == 0 => new Dictionary<object, object?>(),
                        "torch._utils._rebuild_tensor_v2" when args.Length >= 4 && args[0] is StorageRef s && args[1] is long offset =>
                            new TorchTensorRef(s.Key, s.Type, offset, Ints(args[2]).Select(v => checked((int)v)).ToArray(), Ints(args[3])),
                        "torch._utils._rebuild_parameter" when args.Length >= 1 && args[0] is TorchTensorRef t => t,
                        _ => throw Bad($"unexpected call of {callable} with {args.Length} arguments"),
                    });
                    break;
                }
                default:
                    throw Bad($"pickle opcode 0x{op:x2} is not one a state dict uses; refusing to load it");
            }
        }

        long[] Ints(object? tuple) => (tuple as object?[] ?? throw Bad("tensor size or stride is not a tuple"))
            .Select(v => v is long l ? l : throw Bad("tensor size or stride holds a non-integer")).ToArray();
    }
}
