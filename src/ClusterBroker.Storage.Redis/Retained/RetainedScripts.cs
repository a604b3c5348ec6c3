namespace ClusterBroker.Storage.Redis.Retained;

/// <summary>
/// The Lua scripts of the retained store. Every change (set, delete, expiry) runs as one script, so the message
/// hash, the version counter, the change log and the notification always agree: the version is bumped, the topic
/// is recorded in the change log with that version as its score, and "version:body" is published, atomically.
/// Keys (all in one hash slot through the "{retained}" tag): KEYS[1] messages (hash topic -> encoded message),
/// KEYS[2] version (counter), KEYS[3] changes (sorted set topic -> version of its last change), KEYS[4] epoch
/// (created once per data set: a Redis that lost its data gets a new one), KEYS[5] floor (changes at or below it
/// were trimmed from the change log).
/// </summary>
internal static class RetainedScripts
{
    /// <summary>Changes kept in the change log; a node further behind rebuilds its index by scanning.</summary>
    public const int ChangeLogWindow = 100_000;

    private const string Record = """
        local function ensure_epoch()
          if redis.call('EXISTS', KEYS[4]) == 0 then
            local t = redis.call('TIME')
            redis.call('SET', KEYS[4], t[1] .. '.' .. t[2])
          end
        end
        local function record(topic, channel, body, window)
          ensure_epoch()
          local v = redis.call('INCR', KEYS[2])
          redis.call('ZADD', KEYS[3], v, topic)
          if v % 1024 == 0 and v > window then
            redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', v - window)
            redis.call('SET', KEYS[5], v - window)
          end
          redis.call('PUBLISH', channel, v .. ':' .. body)
          return v
        end

        """;

    /// <summary>
    /// ARGV: topic, encoded message ('' = delete), channel, notification body, change-log window. A body of just "S"
    /// means 'S' + the encoded message (so a small message crosses the network once). Returns the version, or 0
    /// when a delete found nothing.
    /// </summary>
    public const string Write = Record + """
        if ARGV[2] == '' then
          if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
        else
          redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        end
        local body = ARGV[4]
        if body == 'S' then body = 'S' .. ARGV[2] end
        return record(ARGV[1], ARGV[3], body, tonumber(ARGV[5]))
        """;

    /// <summary>
    /// ARGV: channel, change-log window, then pairs (topic, first 9 bytes of the value found expired). Deletes each
    /// topic whose value still starts with those bytes (format and the same past expiry, so still expired);
    /// returns how many it deleted.
    /// </summary>
    public const string DeleteExpired = Record + """
        local deleted = 0
        local window = tonumber(ARGV[2])
        for i = 3, #ARGV, 2 do
          local value = redis.call('HGET', KEYS[1], ARGV[i])
          if value and string.sub(value, 1, 9) == ARGV[i + 1] then
            redis.call('HDEL', KEYS[1], ARGV[i])
            record(ARGV[i], ARGV[1], 'D' .. ARGV[i], window)
            deleted = deleted + 1
          end
        end
        return deleted
        """;

    /// <summary>
    /// ARGV: since (a version, or -1 for the state alone), most changes to return. Returns epoch, version, floor,
    /// then (topic, version, value or nil) for each topic changed after "since", oldest first; only the state
    /// when "since" is below the floor or above the version (the caller must rebuild).
    /// </summary>
    public const string ChangesSince = """
        if redis.call('EXISTS', KEYS[4]) == 0 then
          local t = redis.call('TIME')
          redis.call('SET', KEYS[4], t[1] .. '.' .. t[2])
        end
        local version = tonumber(redis.call('GET', KEYS[2]) or '0')
        local floor = tonumber(redis.call('GET', KEYS[5]) or '0')
        local since = tonumber(ARGV[1])
        local result = {redis.call('GET', KEYS[4]), version, floor}
        if since < floor or since > version then return result end
        local changed = redis.call('ZRANGEBYSCORE', KEYS[3], '(' .. since, '+inf', 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
        for i = 1, #changed, 2 do
          result[#result + 1] = changed[i]
          result[#result + 1] = tonumber(changed[i + 1])
          result[#result + 1] = redis.call('HGET', KEYS[1], changed[i])
        end
        return result
        """;
}
