namespace ClusterBroker.Core.Connections;

/// <summary>
/// Something that writes what was given to it during a <see cref="ReadTurn"/> once the turn ends.
/// </summary>
public interface ITurnFlush
{
    /// <summary>Writes what waits (on the thread whose turn ended).</summary>
    void FlushTurn();
}

/// <summary>
/// A read turn of the current thread: the packets one socket read brought, handled one after another. A write that
/// may wait for the turn's end (a forward to another node) joins it instead of going out at once, so that a turn's
/// forwards to one node leave in one write instead of one write each: one system call on this node and one wake-up
/// and read on the other for a whole read of PUBLISH packets.
/// </summary>
/// <remarks>
/// The transport opens a turn when a read's first packet is handled and ends it when the read is complete. When the
/// first write joins a turn, the turn calls the backstop the transport gave it, which queues the end as a task of its
/// own behind the read on the same event loop: a turn ends even if the read's completion is never signalled (a
/// connection that fails half way), and a read that forwards nothing costs no task. Nothing else opens turns: on any
/// other thread (actors, timers) writes go out at once. Thread-static, so it costs no lock.
/// </remarks>
public static class ReadTurn
{
    [ThreadStatic]
    private static bool t_open;

    [ThreadStatic]
    private static List<ITurnFlush>? t_flushes;

    [ThreadStatic]
    private static Action? t_backstop;

    /// <summary>Whether the current thread is in a read turn (a write may join it).</summary>
    public static bool IsOpen => t_open;

    /// <summary>Opens a turn on the current thread; false when one is open already (its opener ends it).</summary>
    /// <param name="backstop">Called when the first write joins the turn: makes sure <see cref="End"/> is called on this thread soon even if its opener fails to.</param>
    public static bool Begin(Action backstop)
    {
        if (t_open)
        {
            return false;
        }

        t_open = true;
        t_backstop = backstop;
        return true;
    }

    /// <summary>Has <paramref name="flush"/> write at the end of the current turn (once, however often it joins).</summary>
    public static void Join(ITurnFlush flush)
    {
        if (t_backstop is { } backstop)
        {
            t_backstop = null;
            backstop();
        }

        List<ITurnFlush> flushes = t_flushes ??= new List<ITurnFlush>();

        // A turn meets a handful of flushes at most (one per destination node): a scan is cheaper than a set.
        if (!flushes.Contains(flush))
        {
            flushes.Add(flush);
        }
    }

    /// <summary>Ends the current thread's turn, if one is open: everything that joined it writes now, in the order it joined.</summary>
    public static void End()
    {
        if (!t_open)
        {
            return;
        }

        t_open = false;
        t_backstop = null;
        if (t_flushes is not { Count: > 0 } flushes)
        {
            return;
        }

        // A flush may run code that opens and ends a turn of its own; this list is taken out of the way first.
        t_flushes = null;
        foreach (ITurnFlush flush in flushes)
        {
            flush.FlushTurn();
        }

        flushes.Clear();
        t_flushes ??= flushes;
    }
}
