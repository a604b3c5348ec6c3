using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Sessions;
using ClusterBroker.Protocol;

namespace ClusterBroker.Core.Tests.Infrastructure;

/// <summary>
/// The session owner without actors, for Core tests: one <see cref="SessionState"/> per client id,
/// the same rules the session actor applies (takeover closes the previous connection first, offline
/// messages are queued, Will delay and expiry checked when the test calls <see cref="RunTimers"/>).
/// </summary>
public sealed class InProcessSessionRegistry(BrokerOptions options, FakeTimeProvider time) : ISessionRegistry
{
    private readonly Dictionary<string, SessionState> _sessions = new();

    public BrokerContext Context { get; set; } = null!;

    public List<SessionDetachRequest> Detaches { get; } = new();

    public SessionState? Find(string clientId) => _sessions.GetValueOrDefault(clientId);

    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    public Task<SessionAttachResult> AttachAsync(SessionAttachRequest request, CancellationToken cancellationToken)
    {
        SessionState state = Get(request.ClientId);
        if (state.AttachedConnectionId is long current && current != request.ConnectionId)
        {
            // The fake executor runs the old connection's close inline, which detaches it.
            Context.Connections.Disconnect(current, ReasonCode.SessionTakenOver);
        }

        SessionAttachResult result = state.Attach(request, Now, out PendingWill? will);
        if (will is not null)
        {
            Context.Publish(will.Message);
        }

        if (request.IsEphemeral)
        {
            _sessions.Remove(request.ClientId); // as the session actor passivates
        }

        return Task.FromResult(result);
    }

    public void Detach(SessionDetachRequest request)
    {
        Detaches.Add(request);
        SessionState state = Get(request.ClientId);
        if (!state.Detach(request, Now) && state.AttachedConnectionId is null)
        {
            _sessions.Remove(request.ClientId);
        }
    }

    public void EnqueueOffline(string clientId, QueuedMessage message)
    {
        if (!_sessions.TryGetValue(clientId, out SessionState? state) || !state.Exists)
        {
            return;
        }

        if (state.AttachedConnectionId is long connection && Context.Connections.Deliver(connection, message))
        {
            return;
        }

        state.Enqueue(message, Now);
    }

    /// <summary>Publishes due Wills and ends expired sessions, as the actor's timers would.</summary>
    public void RunTimers()
    {
        foreach (SessionState state in _sessions.Values.ToArray())
        {
            if (state.TakeDueWill(Now) is { } will)
            {
                Context.Publish(will.Message);
            }

            if (state.IsExpired(Now))
            {
                state.End();
                _sessions.Remove(state.ClientId);
                if (Context.Router.TryGetEndpoint(state.ClientId, out var endpoint) && !endpoint.IsOnline)
                {
                    Context.Router.RemoveEndpoint(endpoint);
                }
            }
        }
    }

    private SessionState Get(string clientId)
    {
        if (!_sessions.TryGetValue(clientId, out SessionState? state))
        {
            state = new SessionState(clientId, options, Context.SessionLogger, Context.Metrics);
            _sessions.Add(clientId, state);
        }

        return state;
    }
}
