using Akka.Actor;
using Akka.Cluster;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Cluster.Routing;
using ClusterBroker.Core.Routing;

namespace ClusterBroker.Cluster.Tests;

/// <summary>One origin's stream of route updates as a receiver follows it: deltas in order, gaps, snapshots in parts (pure code).</summary>
public class OriginRouteSequence_Tests
{
    private static readonly UniqueAddress Origin = new(new Address("akka.tcp", "cluster-broker", "127.0.0.1", 2552), 2552);

    private static RouteDelta Delta(long sequence) => new(Origin, sequence, [new RouteChange(true, new RouteKey("t/" + sequence))]);

    private static RouteSnapshotPart Part(long sequence, bool last, params string[] filters) =>
        new(Origin, sequence, last, [.. filters.Select(f => new RouteKey(f))]);

    /// <summary>Judges <paramref name="delta"/> and, when it is to be applied, records it as the replicator does.</summary>
    private static DeltaVerdict Receive(OriginRouteSequence sequence, RouteDelta delta)
    {
        DeltaVerdict verdict = sequence.Judge(delta);
        if (verdict == DeltaVerdict.Apply)
        {
            sequence.DeltaApplied(delta);
        }

        return verdict;
    }

    [Fact]
    public void Deltas_in_order_are_applied_from_the_first_one()
    {
        var sequence = new OriginRouteSequence();
        Assert.Equal(0, sequence.Current);
        Assert.False(sequence.Synced);
        for (long i = 1; i <= 3; i++)
        {
            Assert.Equal(DeltaVerdict.Apply, Receive(sequence, Delta(i)));
            Assert.Equal(i, sequence.Current);
        }

        Assert.False(sequence.AwaitingSnapshot);
        Assert.False(sequence.Synced);
    }

    [Fact]
    public void A_delta_judged_but_not_recorded_as_applied_does_not_move_the_sequence()
    {
        var sequence = new OriginRouteSequence();
        Assert.Equal(DeltaVerdict.Apply, sequence.Judge(Delta(1)));
        Assert.Equal(0, sequence.Current);
        Assert.Equal(DeltaVerdict.Apply, sequence.Judge(Delta(1)));
    }

    [Fact]
    public void Duplicate_and_older_deltas_are_ignored_without_asking_for_a_snapshot()
    {
        var sequence = new OriginRouteSequence();
        Receive(sequence, Delta(1));
        Receive(sequence, Delta(2));

        Assert.Equal(DeltaVerdict.Ignore, sequence.Judge(Delta(2)));
        Assert.Equal(DeltaVerdict.Ignore, sequence.Judge(Delta(1)));
        Assert.Equal(DeltaVerdict.Ignore, sequence.Judge(Delta(0)));
        Assert.Equal(2, sequence.Current);
        Assert.False(sequence.AwaitingSnapshot);
        Assert.Equal(DeltaVerdict.Apply, sequence.Judge(Delta(3)));
    }

    [Fact]
    public void A_gap_asks_for_a_snapshot_once_and_deltas_are_ignored_until_its_last_part()
    {
        var sequence = new OriginRouteSequence();
        Receive(sequence, Delta(1));

        Assert.Equal(DeltaVerdict.Gap, sequence.Judge(Delta(3)));
        Assert.True(sequence.AwaitingSnapshot);
        Assert.Equal(1, sequence.Current);

        // Neither the missing delta, nor later ones, nor another gap: the snapshot covers them all.
        Assert.Equal(DeltaVerdict.Ignore, sequence.Judge(Delta(2)));
        Assert.Equal(DeltaVerdict.Ignore, sequence.Judge(Delta(4)));
        Assert.Equal(DeltaVerdict.Ignore, sequence.Judge(Delta(9)));

        Assert.False(sequence.AddSnapshotPart(Part(4, false, "a"), out _));
        Assert.True(sequence.AwaitingSnapshot);
        Assert.Equal(DeltaVerdict.Ignore, sequence.Judge(Delta(5)));

        Assert.True(sequence.AddSnapshotPart(Part(4, true, "b"), out _));
        Assert.False(sequence.AwaitingSnapshot);
        Assert.Equal(4, sequence.Current);
        Assert.Equal(DeltaVerdict.Apply, sequence.Judge(Delta(5)));
    }

    [Fact]
    public void A_snapshot_in_several_parts_is_handed_over_whole_on_its_last_part_and_syncs_the_origin()
    {
        var sequence = new OriginRouteSequence();
        Assert.False(sequence.AddSnapshotPart(Part(7, false, "a/#", "b"), out List<RouteKey>? routes));
        Assert.Null(routes);
        Assert.False(sequence.AddSnapshotPart(Part(7, false, "c"), out routes));
        Assert.Null(routes);
        Assert.False(sequence.Synced);
        Assert.Equal(0, sequence.Current);

        Assert.True(sequence.AddSnapshotPart(Part(7, true, "d/+"), out routes));
        Assert.Equal([new RouteKey("a/#"), new RouteKey("b"), new RouteKey("c"), new RouteKey("d/+")], routes);
        Assert.True(sequence.Synced);
        Assert.Equal(7, sequence.Current);
    }

    [Fact]
    public void A_snapshot_of_one_empty_last_part_means_no_routes()
    {
        var sequence = new OriginRouteSequence();
        Assert.True(sequence.AddSnapshotPart(Part(0, true), out List<RouteKey>? routes));
        Assert.Empty(routes);
        Assert.True(sequence.Synced);
        Assert.Equal(DeltaVerdict.Apply, sequence.Judge(Delta(1)));
    }

    [Fact]
    public void A_part_of_another_snapshot_starts_the_assembly_again()
    {
        var sequence = new OriginRouteSequence();
        Assert.False(sequence.AddSnapshotPart(Part(3, false, "old/1"), out _));
        Assert.False(sequence.AddSnapshotPart(Part(5, false, "new/1"), out _));
        Assert.True(sequence.AddSnapshotPart(Part(5, true, "new/2"), out List<RouteKey>? routes));
        Assert.Equal([new RouteKey("new/1"), new RouteKey("new/2")], routes);
        Assert.Equal(5, sequence.Current);
    }

    [Fact]
    public void Each_snapshot_is_assembled_from_its_own_parts_only()
    {
        var sequence = new OriginRouteSequence();
        Assert.True(sequence.AddSnapshotPart(Part(2, true, "first"), out _));
        Assert.False(sequence.AddSnapshotPart(Part(2, false, "again/1"), out _));
        Assert.True(sequence.AddSnapshotPart(Part(2, true, "again/2"), out List<RouteKey>? routes));
        Assert.Equal([new RouteKey("again/1"), new RouteKey("again/2")], routes);
    }

    [Fact]
    public void Deltas_continue_from_the_snapshots_sequence()
    {
        var sequence = new OriginRouteSequence();
        Assert.True(sequence.AddSnapshotPart(Part(10, true, "a"), out _));

        Assert.Equal(DeltaVerdict.Ignore, sequence.Judge(Delta(10)));
        Assert.Equal(DeltaVerdict.Ignore, sequence.Judge(Delta(3)));
        Assert.Equal(DeltaVerdict.Apply, Receive(sequence, Delta(11)));
        Assert.Equal(DeltaVerdict.Apply, Receive(sequence, Delta(12)));
        Assert.Equal(12, sequence.Current);
        Assert.Equal(DeltaVerdict.Gap, sequence.Judge(Delta(14)));
        Assert.True(sequence.Synced);
    }

    [Fact]
    public void The_last_part_of_a_snapshot_sets_the_sequence_even_when_deltas_were_further()
    {
        // A snapshot is the origin's whole route set as of its sequence (the table is replaced with it), so the deltas
        // after that sequence are the ones to apply next, even those applied before it came.
        var sequence = new OriginRouteSequence();
        Receive(sequence, Delta(1));
        Receive(sequence, Delta(2));
        Receive(sequence, Delta(3));

        Assert.True(sequence.AddSnapshotPart(Part(1, true, "a"), out _));
        Assert.Equal(1, sequence.Current);
        Assert.Equal(DeltaVerdict.Apply, sequence.Judge(Delta(2)));
    }
}
