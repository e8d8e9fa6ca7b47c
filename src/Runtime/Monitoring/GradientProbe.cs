using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.Monitoring
{
    /// <summary>
    /// TorchSharp has no backward hooks (no <c>register_hook</c>, no <c>register_full_backward_hook</c>, TorchSharp issue
    /// #1483), but it has custom autograd functions. This one is the identity: placed on a layer's output, autograd calls its
    /// <c>backward</c> with dLoss/d(output), the gradient flowing back into that layer, which it hands to the monitor and
    /// passes on unchanged. Only sampled passes go through it.
    /// </summary>
    internal sealed class GradientProbe : torch.autograd.SingleTensorFunction<GradientProbe>
    {
        private const string MonitorKey = "monitor";
        private const string LayerKey = "layer";
        private const string PassKey = "pass";

        public override string Name => "NetGenGradientProbe";

        /// <summary>vars: the tensor, the monitor, the layer index, the pass number.</summary>
        public override Tensor forward(torch.autograd.AutogradContext ctx, params object[] vars)
        {
            ctx.save_data(MonitorKey, vars[1]);
            ctx.save_data(LayerKey, vars[2]);
            ctx.save_data(PassKey, vars[3]);

            // Without materialised gradients TorchSharp never reads the empty_like cache it keeps per output.
            ctx.set_materialize_grads(false);

            // Returning the input itself is PyTorch's identity idiom: autograd makes the output a fresh alias of it whose
            // gradient edge points at this node.
            return (Tensor)vars[0];
        }

        public override List<Tensor> backward(torch.autograd.AutogradContext ctx, Tensor grad_output)
        {
            Autograd.CustomFunctionTensors.Release();
            var monitor = (GradientMonitor)ctx.get_data(MonitorKey);
            monitor.OnOutputGradient((int)ctx.get_data(LayerKey), (long)ctx.get_data(PassKey), grad_output);

            // TorchSharp leaves this wrapper to the finalizer; it is held until libtorch has copied the returned reference.
            // forward returns its input, which GradientMonitor.Probe disposes, so apply leaves no other tensor behind.
            Autograd.CustomFunctionTensors.Hold(grad_output);

            // One gradient per forward input: the tensor's passes through, the three non-tensor inputs get none.
            return new List<Tensor> { grad_output, null!, null!, null! };
        }
    }
}
