namespace ClusterBroker.Host;

/// <summary>
/// How many single-character edits (insert, delete, replace, or swap two neighbours) turn one option name
/// into another, ignoring case: the optimal string alignment distance. It picks the option a typo most
/// likely meant; a swap counts as one edit because "--prot" for "--port" is the commonest kind of typo.
/// </summary>
internal static class EditDistance
{
    public static int Between(string a, string b)
    {
        // d[i, j] = distance between the first i characters of a and the first j characters of b.
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
            d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++)
            d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int replace = Same(a[i - 1], b[j - 1]) ? 0 : 1;
                int best = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + replace);
                if (i > 1 && j > 1 && Same(a[i - 1], b[j - 2]) && Same(a[i - 2], b[j - 1]))
                    best = Math.Min(best, d[i - 2, j - 2] + 1);
                d[i, j] = best;
            }
        }
        return d[a.Length, b.Length];
    }

    /// <summary>
    /// The candidate nearest to <paramref name="typed"/>, or null when none is reasonably close: at most
    /// two edits, or a third of the typed length for long names. The first candidate wins a tie.
    /// </summary>
    public static string? Closest(string typed, IEnumerable<string> candidates)
    {
        if (typed.Length == 0)
            return null;
        int limit = Math.Max(2, typed.Length / 3);
        string? closest = null;
        int closestDistance = int.MaxValue;
        foreach (string candidate in candidates)
        {
            int distance = Between(typed, candidate);
            if (distance <= limit && distance < closestDistance)
            {
                closest = candidate;
                closestDistance = distance;
            }
        }
        return closest;
    }

    private static bool Same(char x, char y) => char.ToUpperInvariant(x) == char.ToUpperInvariant(y);
}
