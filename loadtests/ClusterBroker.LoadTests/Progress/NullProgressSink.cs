namespace ClusterBroker.LoadTests.Progress;

public sealed class NullProgressSink : IProgressSink
{
    public static NullProgressSink Instance { get; } = new();

    public void Report(ProgressSnapshot snapshot)
    {
    }
}
