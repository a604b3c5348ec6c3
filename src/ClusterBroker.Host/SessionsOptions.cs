namespace ClusterBroker.Host;

/// <summary>Where persistent sessions are kept (configuration section "Sessions"; switch --session-durability).</summary>
public sealed class SessionsOptions
{
    public const string SectionName = "Sessions";

    /// <summary>
    /// Redis: every persistent session (subscriptions, expiry, queued and unacknowledged messages) is written to
    /// Redis, so it continues on another node when its node dies. Memory: sessions live only in their entity and
    /// connection (faster; a node crash loses the sessions it held). Auto (default): Redis when Redis is configured.
    /// </summary>
    public SessionDurability Durability { get; set; } = SessionDurability.Auto;

    public IReadOnlyList<string> GetValidationErrors(bool redisConfigured)
    {
        var errors = new List<string>();
        if (!Enum.IsDefined(Durability))
            errors.Add($"Sessions:Durability must be Auto, Memory or Redis (was {Durability}).");
        else if (Durability == SessionDurability.Redis && !redisConfigured)
            errors.Add("Sessions:Durability is Redis but no Redis is configured: give --redis HOST:PORT, or choose Memory.");
        return errors;
    }

    /// <summary>True when sessions go to Redis.</summary>
    public bool UsesRedis(bool redisConfigured) => Durability == SessionDurability.Redis || (Durability == SessionDurability.Auto && redisConfigured);
}

public enum SessionDurability
{
    Auto,
    Memory,
    Redis,
}
