using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Runtime.CompilerServices;
using Razorvine.Pickle;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace NetGen;

/// <summary>
/// Reads a <c>torch.save</c> state dict keeping the order of its entries, which PyTorch stores (an <c>OrderedDict</c>)
/// and TorchSharp.PyBridge drops (it returns a <see cref="Hashtable"/>). Matching a checkpoint by position needs it.
/// </summary>
/// <remarks>
/// Python pickles a dict's items in batches (SETITEMS, 1000 items each); Razorvine's unpickler pops a batch off its
/// stack and inserts it last item first. Each entry's tensor is rebuilt with an empty <c>OrderedDict</c> of backward
/// hooks, so this reader counts the OrderedDicts it constructs: the insertions made with no construction in between
/// are one batch, and reversing each batch restores the file's order.
/// </remarks>
internal static class OrderedPickle
{
    /// <summary>OrderedDicts constructed on this thread; the unpickler runs on the caller's thread.</summary>
    [ThreadStatic]
    private static long s_constructed;

    static OrderedPickle()
    {
        // PyBridge registers its own OrderedDict constructor in its static constructor: run that first, then replace
        // it with one that builds the same Hashtable but remembers the insertion order.
        RuntimeHelpers.RunClassConstructor(typeof(PyTorchUnpickler).TypeHandle);
        Unpickler.registerConstructor("collections", "OrderedDict", new Constructor());
    }

    /// <summary>The state dict's tensors under their keys, in the file's order.</summary>
    public static List<(string Key, Tensor Tensor)> Read(Stream stream)
    {
        var table = PyTorchUnpickler.UnpickleStateDict(stream, leaveOpen: true);
        if (table is not OrderedTable ordered)
        {
            throw new InvalidDataException("the file's top-level object is not an OrderedDict of tensors");
        }

        var result = new List<(string Key, Tensor Tensor)>(ordered.Order.Count);
        foreach (var key in ordered.InFileOrder())
        {
            if (key is not string name || ordered[key] is not Tensor tensor)
            {
                throw new InvalidDataException($"entry {key} holds a {ordered[key]?.GetType().Name ?? "null"}, not a tensor");
            }

            result.Add((name, tensor));
        }

        return result;
    }

    /// <summary>A Hashtable (what PyBridge and <see cref="ModuleWeights"/> expect) that records the order keys arrive in.</summary>
    private sealed class OrderedTable : Hashtable
    {
        /// <summary>Each key as inserted, with the construction count at its insertion (its batch).</summary>
        public List<(object Key, long Batch)> Order { get; } = new();

        public override object? this[object key]
        {
            get => base[key];
            set
            {
                if (!ContainsKey(key))
                {
                    Order.Add((key, s_constructed));
                }

                base[key] = value;
            }
        }

        public override void Add(object key, object? value)
        {
            base.Add(key, value);
            Order.Add((key, s_constructed));
        }

        /// <summary>The keys in the file's order: batches in insertion order, each batch's keys reversed.</summary>
        public IEnumerable<object> InFileOrder()
        {
            for (var start = 0; start < Order.Count;)
            {
                var end = start;
                while (end + 1 < Order.Count && Order[end + 1].Batch == Order[start].Batch)
                {
                    end++;
                }

                for (var i = end; i >= start; i--)
                {
                    yield return Order[i].Key;
                }

                start = end + 1;
            }
        }

        /// <summary>Called by the unpickler with the OrderedDict's attributes (<c>_metadata</c>); keeps tensors only, as PyBridge does.</summary>
        public void __setstate__(Hashtable state)
        {
            foreach (DictionaryEntry entry in state)
            {
                if (entry.Value is Tensor)
                {
                    this[entry.Key] = entry.Value;
                }
            }
        }
    }

    private sealed class Constructor : IObjectConstructor
    {
        public object construct(object[] args)
        {
            s_constructed++;
            return new OrderedTable();
        }
    }
}
