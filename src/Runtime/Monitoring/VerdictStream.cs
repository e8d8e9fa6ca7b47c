using System;
using System.Collections.Generic;

namespace NetGen.Monitoring
{
    /// <summary>The minimal <see cref="IObservable{T}"/> behind <see cref="GradientMonitor.Verdicts"/>: no Rx dependency, works with Rx.</summary>
    internal sealed class VerdictStream : IObservable<GradientVerdict>
    {
        private readonly List<IObserver<GradientVerdict>> observers = new();

        public IDisposable Subscribe(IObserver<GradientVerdict> observer)
        {
            ArgumentNullException.ThrowIfNull(observer);
            observers.Add(observer);
            return new Subscription(this, observer);
        }

        public void Publish(GradientVerdict verdict)
        {
            // A copy, so an observer may unsubscribe while being notified.
            foreach (var observer in observers.ToArray())
            {
                observer.OnNext(verdict);
            }
        }

        private sealed class Subscription : IDisposable
        {
            private readonly VerdictStream stream;
            private IObserver<GradientVerdict>? observer;

            public Subscription(VerdictStream stream, IObserver<GradientVerdict> observer)
            {
                this.stream = stream;
                this.observer = observer;
            }

            public void Dispose()
            {
                if (observer is not null)
                {
                    stream.observers.Remove(observer);
                    observer = null;
                }
            }
        }
    }
}
