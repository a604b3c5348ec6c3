using ClusterBroker.LoadTests.Measurement;

namespace ClusterBroker.LoadTests.Scenarios;

/// <summary>
/// Which (receiver, publisher) streams have seen a probe message yet. In a cluster a subscription reaches
/// the other nodes' route tables asynchronously: until it has, a message published on another node finds
/// no route and is dropped, which the ledger would count as lost. Publishers probe until every stream the
/// topology expects has had one; only then does publishing (and the warm-up) start. Thread-safe.
/// </summary>
public sealed class RouteProbe
{
    private readonly ReceiverExpectation[] _receivers;
    private readonly int[][] _seen;
    private readonly int[] _pendingPerPublisher;
    private int _pending;

    public RouteProbe(IReadOnlyList<ReceiverExpectation> receivers, int publisherCount)
    {
        _receivers = [.. receivers];
        _seen = new int[_receivers.Length][];
        _pendingPerPublisher = new int[publisherCount];
        for (var r = 0; r < _receivers.Length; r++)
        {
            if (_receivers[r].OnlyPublisher is { } only)
            {
                _seen[r] = new int[1];
                _pendingPerPublisher[only]++;
                _pending++;
            }
            else
            {
                _seen[r] = new int[publisherCount];
                for (var p = 0; p < publisherCount; p++)
                {
                    _pendingPerPublisher[p]++;
                }

                _pending += publisherCount;
            }
        }

        Streams = _pending;
    }

    /// <summary>Streams that have not seen a probe yet.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Streams in all.</summary>
    public int Streams { get; }

    /// <summary>Whether some receiver of <paramref name="publisher"/> still waits for its probe.</summary>
    public bool IsPending(int publisher) => Volatile.Read(ref _pendingPerPublisher[publisher]) > 0;

    /// <summary>Records that <paramref name="receiver"/> got a probe of <paramref name="publisher"/>.</summary>
    public void Observe(int receiver, int publisher)
    {
        if ((uint)receiver >= (uint)_receivers.Length || (uint)publisher >= (uint)_pendingPerPublisher.Length || !_receivers[receiver].Expects(publisher))
        {
            return;
        }

        var slot = _receivers[receiver].OnlyPublisher is null ? publisher : 0;
        if (Interlocked.Exchange(ref _seen[receiver][slot], 1) == 0)
        {
            Interlocked.Decrement(ref _pendingPerPublisher[publisher]);
            Interlocked.Decrement(ref _pending);
        }
    }
}
