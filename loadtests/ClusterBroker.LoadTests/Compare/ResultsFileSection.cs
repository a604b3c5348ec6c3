namespace ClusterBroker.LoadTests.Compare;

/// <summary>
/// Replaces one "## Heading" section of a Markdown file (up to the next "## " heading) and leaves every
/// other section as it is; others edit those concurrently, so the file is re-read right before writing.
/// </summary>
public static class ResultsFileSection
{
    public static void Replace(string path, string heading, string body)
    {
        var section = $"{heading}\n\n{body.TrimEnd()}\n";
        var text = File.Exists(path) ? File.ReadAllText(path) : "# Load test results\n";
        File.WriteAllText(path, Splice(text, heading, section));
    }

    public static string Splice(string text, string heading, string section)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n').ToList();
        var start = lines.FindIndex(l => l.TrimEnd() == heading);
        if (start < 0)
        {
            return text.TrimEnd() + "\n\n" + section;
        }

        var end = lines.FindIndex(start + 1, l => l.StartsWith("## ", StringComparison.Ordinal));
        var before = string.Join('\n', lines.Take(start)).TrimEnd();
        var after = end < 0 ? string.Empty : string.Join('\n', lines.Skip(end));
        var result = (before.Length > 0 ? before + "\n\n" : string.Empty) + section;
        return after.Length > 0 ? result + "\n" + after : result;
    }
}
