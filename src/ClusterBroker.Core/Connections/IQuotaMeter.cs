namespace ClusterBroker.Core.Connections;

/// <summary>Counts what the listeners' quotas did (for $SYS and /metrics). Called from every I/O thread: thread-safe.</summary>
public interface IQuotaMeter
{
    void Count(QuotaEvent quotaEvent);
}
