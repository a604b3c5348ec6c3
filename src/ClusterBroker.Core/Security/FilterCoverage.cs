namespace ClusterBroker.Core.Security;

/// <summary>
/// Whether one topic filter covers another: every topic name the inner filter can match is matched by the outer
/// one. This decides SUBSCRIBE: a rule allows (or denies) a subscription only when it covers the whole filter;
/// a rule that covers part of it (deny "a/secret" under a granted "a/#") acts on each delivery instead.
/// </summary>
/// <remarks>
/// Level by level: '#' in the outer filter covers whatever is left (including nothing: "a/#" covers "a");
/// '+' covers any single level of the inner filter except '#'; a literal level covers only the same literal
/// (not '+' or '#'). As in matching, an outer filter starting with a wildcard does not cover an inner one
/// starting with '$' ([MQTT-4.7.2-1]). No allocation.
/// </remarks>
public static class FilterCoverage
{
    public static bool Covers(ReadOnlySpan<char> outer, ReadOnlySpan<char> inner)
    {
        if (inner.Length > 0 && inner[0] == '$' && outer.Length > 0 && (outer[0] == '+' || outer[0] == '#'))
        {
            return false;
        }

        // o and i index the start of the current level; a position past the end means "no more levels".
        int o = 0;
        int i = 0;
        while (true)
        {
            if (o > outer.Length)
            {
                return i > inner.Length;
            }

            ReadOnlySpan<char> outerLevel = NextLevel(outer, ref o);
            if (outerLevel is "#")
            {
                return true;
            }

            if (i > inner.Length)
            {
                return false;
            }

            ReadOnlySpan<char> innerLevel = NextLevel(inner, ref i);
            if (outerLevel is "+")
            {
                if (innerLevel is "#")
                {
                    return false;
                }

                continue;
            }

            if (innerLevel is "+" or "#" || !outerLevel.SequenceEqual(innerLevel))
            {
                return false;
            }
        }
    }

    private static ReadOnlySpan<char> NextLevel(ReadOnlySpan<char> filter, ref int position)
    {
        int slash = filter[position..].IndexOf('/');
        if (slash < 0)
        {
            ReadOnlySpan<char> last = filter[position..];
            position = filter.Length + 1;
            return last;
        }

        ReadOnlySpan<char> level = filter.Slice(position, slash);
        position += slash + 1;
        return level;
    }
}
