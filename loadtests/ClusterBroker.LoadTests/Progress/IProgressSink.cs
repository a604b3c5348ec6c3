namespace ClusterBroker.LoadTests.Progress;

public interface IProgressSink
{
    void Report(ProgressSnapshot snapshot);
}
