using System.Reflection;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.SBR;
using Akka.Event;

namespace ClusterBroker.Cluster.Downing;

/// <summary>
/// Akka.NET's split-brain resolver (keep-majority, configured under akka.cluster.split-brain-resolver), made to look
/// at its decision ten times a second instead of once.
/// </summary>
/// <remarks>
/// The resolver decides once membership has been stable for stable-after, but it only checks on a timer of its own
/// that Akka.NET 1.5 fixes at one second (SplitBrainResolverBase.TickInterval, in an internal class). A crashed node
/// was therefore downed between 0 and 1 s after stable-after had passed, and its clients waited that much longer for
/// their sessions. This provider runs the very same resolver, with the same strategy and settings, as the child of a
/// small actor that also sends it its tick message every <see cref="TickInterval"/>. An extra tick only makes the
/// resolver look again: it decides nothing before stable-after, and downing a node twice is a no-op. If a future
/// Akka.NET renames the tick, the resolver runs on its own one-second tick and a warning says so.
/// </remarks>
public sealed class PromptSplitBrainResolverProvider : IDowningProvider
{
    /// <summary>How often the resolver checks whether it may decide.</summary>
    public static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(100);

    private readonly SplitBrainResolverProvider _resolver;

    public PromptSplitBrainResolverProvider(ActorSystem system, Akka.Cluster.Cluster cluster)
    {
        _resolver = new SplitBrainResolverProvider(system, cluster);
    }

    /// <summary>The resolver's tick message, or null if this Akka.NET version has none by that name.</summary>
    public static object? ResolverTick { get; } = typeof(SplitBrainResolverProvider).Assembly
        .GetType("Akka.Cluster.SBR.SplitBrainResolverBase+Tick")
        ?.GetField("Instance", BindingFlags.Public | BindingFlags.Static)
        ?.GetValue(null);

    public TimeSpan DownRemovalMargin => _resolver.DownRemovalMargin;

    public Props DowningActorProps
    {
        get
        {
            Props resolver = _resolver.DowningActorProps;
            return Props.Create(() => new ResolverTicker(resolver, ResolverTick, TickInterval));
        }
    }
}

/// <summary>Parent of the split-brain resolver: starts it and sends it its tick message at a set interval.</summary>
internal sealed class ResolverTicker : UntypedActor, IWithTimers
{
    private readonly Props _resolverProps;
    private readonly object? _tick;
    private readonly TimeSpan _interval;
    private IActorRef _resolver = ActorRefs.Nobody;

    public ResolverTicker(Props resolverProps, object? tick, TimeSpan interval)
    {
        _resolverProps = resolverProps;
        _tick = tick;
        _interval = interval;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        // The cluster daemon starts its downing actor on its own dispatcher; the resolver runs there too.
        Props props = _resolverProps.Dispatcher == Deploy.NoDispatcherGiven
            ? _resolverProps.WithDispatcher(Context.Props.Dispatcher)
            : _resolverProps;
        _resolver = Context.ActorOf(props, "resolver");
        if (_tick is null)
        {
            Context.GetLogger().Warning(
                "Split-brain resolver: this Akka.NET version has no tick message by the expected name; the resolver checks its decision once a second, which delays downing a crashed node by up to 1 s more");
            return;
        }

        Timers.StartPeriodicTimer("resolver-tick", _tick, _interval);
    }

    protected override void OnReceive(object message)
    {
        if (ReferenceEquals(message, _tick))
        {
            _resolver.Tell(message);
            return;
        }

        Unhandled(message);
    }
}
