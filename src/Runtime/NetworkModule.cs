using System;
using NetGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen
{
    /// <summary>
    /// The base class of every network NetGen generates for TorchSharp: the members that are the same for all of them
    /// (<see cref="Trainer"/> and the <c>TrainStep</c> overloads taking a loss), written once here instead of once per
    /// generated class. The generated class adds the layer fields, the constructor that registers them, <c>forward</c>
    /// (unless the class writes its own), the static <c>Summary</c> and whatever its attributes declare
    /// (<c>ClipGradients</c>, <c>Loss</c>, <c>Monitor</c>).
    /// </summary>
    public abstract class NetworkModule : nn.Module<Tensor, Tensor>
    {
        /// <summary>Creates the module; generated constructors pass the class's name and the declared training options.</summary>
        /// <param name="name">The module's name (the generated class's name).</param>
        /// <param name="trainStepOptions">The clipping declared on the class, or <c>null</c> for none; the generated
        /// constructor adds the gradient monitor once it exists.</param>
        protected NetworkModule(string name, TrainStepOptions? trainStepOptions = null)
            : base(name)
        {
            Trainer = new TrainingStep(this, trainStepOptions);
        }

        /// <summary>The training step behind <c>TrainStep</c>: finiteness check, clipping as declared, monitoring, flat memory.</summary>
        public TrainingStep Trainer { get; }

        /// <summary>One training step: zero-grad, forward, loss, backward, monitoring, a NaN/infinity check that skips the optimiser and leaves the weights untouched, clipping as declared, and the optimiser step.</summary>
        /// <param name="optimizer">The optimiser; its parameters should be the network's.</param>
        /// <param name="lossFn">The loss, returning a one-element tensor.</param>
        /// <param name="input">A batch of inputs.</param>
        /// <param name="target">The batch's targets.</param>
        public TrainStepResult TrainStep(optim.Optimizer optimizer, Func<Tensor, Tensor, Tensor> lossFn, Tensor input, Tensor target) =>
            Trainer.Run(optimizer, lossFn, input, target);

        /// <summary>One training step: zero-grad, forward, loss, backward, monitoring, a NaN/infinity check that skips the optimiser and leaves the weights untouched, clipping as declared, and the optimiser step.</summary>
        /// <param name="optimizer">The optimiser; its parameters should be the network's.</param>
        /// <param name="lossFn">The loss module (<c>torch.nn.MSELoss()</c>, <c>torch.nn.CrossEntropyLoss()</c>, ...).</param>
        /// <param name="input">A batch of inputs.</param>
        /// <param name="target">The batch's targets.</param>
        public TrainStepResult TrainStep(optim.Optimizer optimizer, nn.Module<Tensor, Tensor, Tensor> lossFn, Tensor input, Tensor target) =>
            Trainer.Run(optimizer, lossFn, input, target);

        /// <summary>
        /// Called by the generated <c>forward</c> after each layer: passes the layer's output to the observer, if there is
        /// one, and returns it. One call per layer instead of a conditional call written out in every generated class.
        /// </summary>
        /// <param name="output">The layer's output.</param>
        /// <param name="layer">The layer's name.</param>
        /// <param name="observeLayer">The observer given to <c>forward</c>, or <c>null</c>.</param>
        protected static Tensor LayerOutput(Tensor output, string layer, Action<string, Tensor>? observeLayer)
        {
            observeLayer?.Invoke(layer, output);
            return output;
        }

        /// <summary>
        /// Called by the generated <c>forward</c> after each layer but the first: disposes the layer's input (the previous
        /// layer's output, which nothing reads any more), passes the output to the observer, if there is one, and returns it.
        /// </summary>
        /// <param name="output">The layer's output.</param>
        /// <param name="consumed">The layer's input, an intermediate result of <c>forward</c>.</param>
        /// <param name="layer">The layer's name.</param>
        /// <param name="observeLayer">The observer given to <c>forward</c>, or <c>null</c>.</param>
        protected static Tensor LayerOutput(Tensor output, Tensor consumed, string layer, Action<string, Tensor>? observeLayer)
        {
            consumed.Dispose();
            observeLayer?.Invoke(layer, output);
            return output;
        }
    }
}
