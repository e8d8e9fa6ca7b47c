using System;

namespace NetGen
{
    /// <summary>The loss functions a network can declare with <see cref="LossAttribute"/>, with PyTorch's meaning.</summary>
    public enum LossFunction
    {
        /// <summary><c>cross_entropy</c>: class indices against raw logits (it applies log-softmax itself).</summary>
        CrossEntropy,

        /// <summary><c>nll_loss</c>: class indices against log-probabilities (after <c>[LogSoftmax]</c>).</summary>
        NegativeLogLikelihood,

        /// <summary><c>mse_loss</c>: mean squared error.</summary>
        MeanSquaredError,

        /// <summary><c>l1_loss</c>: mean absolute error.</summary>
        L1,

        /// <summary><c>huber_loss</c> with delta 1: squared near zero, absolute far from it.</summary>
        Huber,

        /// <summary><c>binary_cross_entropy_with_logits</c>: 0/1 targets against raw logits.</summary>
        BinaryCrossEntropyWithLogits,

        /// <summary><c>binary_cross_entropy</c>: 0/1 targets against probabilities (after <c>[Sigmoid]</c>).</summary>
        BinaryCrossEntropy,
    }

    /// <summary>
    /// Declares the network's loss function. The generated module gets a public <c>Loss(output, target)</c> method
    /// that computes it (mean over the batch), and NetGen's analyzers can check that the output layer suits it
    /// (for example, no <c>[Softmax]</c> before a loss that expects logits).
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class LossAttribute : Attribute
    {
        /// <summary>Declares the loss function.</summary>
        /// <param name="function">The loss function.</param>
        public LossAttribute(LossFunction function)
        {
            Function = function;
        }

        /// <summary>The loss function.</summary>
        public LossFunction Function { get; }
    }
}
