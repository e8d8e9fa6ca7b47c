using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.Autograd;

/// <summary>
/// Deterministic release of the tensors TorchSharp 0.107 creates for NetGen's custom autograd functions
/// (<see cref="Layers.MaxPoolFunction"/>, <see cref="Monitoring.GradientProbe"/>, <see cref="Training.LowRankLinearFunction"/>). TorchSharp leaves them to the finalizer,
/// which keeps their memory until a garbage collection that the small managed heap of a training loop seldom triggers
/// (measured for the max-pooling gradient: 2,000 page faults and 20 ms per call for 3 MB):
/// <list type="bullet">
/// <item>at <c>apply</c>: the wrapper of a tensor <c>forward</c> created and returned, and the output cache TorchSharp keeps
/// per call (autograd keeps what it needs); <see cref="Apply"/> disposes them before returning;</item>
/// <item>in <c>backward</c>: the incoming gradient and the gradient returned, whose native reference libtorch copies when
/// <c>backward</c> returns; a function <see cref="Hold"/>s them and they are released by the next <see cref="Apply"/> or
/// custom backward on the thread, by <see cref="Training.TrainingStep"/> right after <c>backward()</c>, and by
/// <see cref="Monitoring.GradientMonitor.AfterBackward"/> and the monitor's next forward pass.</item>
/// </list>
/// Per thread: another thread's release could otherwise dispose a gradient before libtorch has copied it (CPU backward runs
/// on the thread that called <c>backward()</c>).
/// </summary>
internal static class CustomFunctionTensors
{
    [ThreadStatic]
    private static List<Tensor>? held;

    /// <summary>Runs a custom function's <c>apply</c> and disposes the tensors TorchSharp made for the call but the result.</summary>
    public static Tensor Apply(Func<Tensor> apply)
    {
        Release();
        using var scope = torch.NewDisposeScope();
        return apply().MoveToOuterDisposeScope();
    }

    /// <summary>Keeps a gradient a custom <c>backward</c> received or returns until the next release on this thread.</summary>
    public static void Hold(Tensor? gradient)
    {
        if (gradient is not null)
        {
            (held ??= new List<Tensor>()).Add(gradient);
        }
    }

    /// <summary>Disposes the gradients held on this thread; call it only where no backward of this thread is running.</summary>
    public static void Release()
    {
        if (held is not { Count: > 0 } gradients)
        {
            return;
        }

        foreach (var gradient in gradients)
        {
            gradient.Dispose();
        }

        gradients.Clear();
    }
}
