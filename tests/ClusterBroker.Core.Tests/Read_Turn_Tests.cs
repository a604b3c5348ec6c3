using ClusterBroker.Core.Connections;

namespace ClusterBroker.Core.Tests;

/// <summary>
/// The read turn of a thread: writes that join it run once each, in the order they joined, when it ends; the backstop
/// is asked for once, when the first write joins; outside a turn nothing waits.
/// </summary>
public class Read_Turn_Tests
{
    [Fact]
    public void A_turn_is_open_from_begin_to_end_and_a_second_begin_does_not_open_another()
    {
        Assert.False(ReadTurn.IsOpen);
        Assert.True(ReadTurn.Begin(() => { }));
        Assert.True(ReadTurn.IsOpen);
        Assert.False(ReadTurn.Begin(() => { }));
        ReadTurn.End();
        Assert.False(ReadTurn.IsOpen);
        ReadTurn.End(); // no turn: nothing happens
        Assert.False(ReadTurn.IsOpen);
    }

    [Fact]
    public void What_joined_a_turn_flushes_once_at_its_end_in_the_order_it_joined()
    {
        var flushed = new List<string>();
        var first = new RecordingFlush("first", flushed);
        var second = new RecordingFlush("second", flushed);
        ReadTurn.Begin(() => { });
        ReadTurn.Join(first);
        ReadTurn.Join(second);
        ReadTurn.Join(first);
        Assert.Empty(flushed);

        ReadTurn.End();

        Assert.Equal(["first", "second"], flushed);
        // The next turn starts empty.
        ReadTurn.Begin(() => { });
        ReadTurn.End();
        Assert.Equal(["first", "second"], flushed);
    }

    [Fact]
    public void The_backstop_is_called_once_when_the_first_write_joins_and_not_for_a_turn_nothing_joined()
    {
        int backstops = 0;
        ReadTurn.Begin(() => backstops++);
        ReadTurn.End();
        Assert.Equal(0, backstops);

        ReadTurn.Begin(() => backstops++);
        ReadTurn.Join(new RecordingFlush("a", []));
        ReadTurn.Join(new RecordingFlush("b", []));
        Assert.Equal(1, backstops);
        ReadTurn.End();
        Assert.Equal(1, backstops);
    }

    [Fact]
    public void A_flush_may_run_a_turn_of_its_own()
    {
        var flushed = new List<string>();
        var inner = new RecordingFlush("inner", flushed);
        var outer = new RecordingFlush("outer", flushed, () =>
        {
            Assert.False(ReadTurn.IsOpen);
            ReadTurn.Begin(() => { });
            ReadTurn.Join(inner);
            ReadTurn.End();
        });
        ReadTurn.Begin(() => { });
        ReadTurn.Join(outer);
        ReadTurn.End();

        Assert.Equal(["outer", "inner"], flushed);
        Assert.False(ReadTurn.IsOpen);
    }

    [Fact]
    public void A_turn_belongs_to_its_thread()
    {
        ReadTurn.Begin(() => { });
        try
        {
            // A thread of its own: a thread-pool item could run on this very thread.
            bool openElsewhere = true;
            var other = new Thread(() => openElsewhere = ReadTurn.IsOpen);
            other.Start();
            Assert.True(other.Join(TimeSpan.FromSeconds(10)));
            Assert.False(openElsewhere);
            Assert.True(ReadTurn.IsOpen);
        }
        finally
        {
            ReadTurn.End();
        }
    }

    private sealed class RecordingFlush(string name, List<string> flushed, Action? onFlush = null) : ITurnFlush
    {
        public void FlushTurn()
        {
            flushed.Add(name);
            onFlush?.Invoke();
        }
    }
}
