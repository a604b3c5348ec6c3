using ClusterBroker.Cluster;
using ClusterBroker.Storage.Redis;

namespace ClusterBroker.Host.Tests;

/// <summary>Which stores a node uses: in memory alone, Redis, or refused (exit code 2) when it joins others without Redis.</summary>
public class Store_Mode_Tests
{
    private static BrokerHostSettings Settings(string seeds, string redis = "", bool inMemory = false) => new()
    {
        Cluster = new ClusterOptions { Port = 25520, SeedNodes = seeds, InMemoryStores = inMemory },
        Redis = new RedisOptions { Configuration = redis },
    };

    [Fact]
    public void A_node_without_seed_nodes_or_redis_is_the_embedded_single_node()
    {
        Assert.Empty(new BrokerHostSettings().GetValidationErrors());
        Assert.Empty(Settings("127.0.0.1:25520").GetValidationErrors());
    }

    [Fact]
    public void Seed_nodes_naming_other_nodes_without_redis_are_refused_saying_why_and_what_to_do()
    {
        string error = Assert.Single(Settings("127.0.0.1:25520,127.0.0.1:25521").GetValidationErrors());

        Assert.Contains("names other nodes, but no Redis is configured", error, StringComparison.Ordinal);
        Assert.Contains("--redis", error, StringComparison.Ordinal);
        Assert.Contains("--Cluster:InMemoryStores true", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Seed_nodes_with_redis_or_with_in_memory_stores_chosen_explicitly_are_accepted()
    {
        Assert.Empty(Settings("127.0.0.1:25521", redis: "127.0.0.1:6379").GetValidationErrors());
        Assert.Empty(Settings("127.0.0.1:25521", inMemory: true).GetValidationErrors());
    }

    [Fact]
    public void Redis_and_in_memory_stores_together_are_refused()
    {
        string error = Assert.Single(Settings("", redis: "127.0.0.1:6379", inMemory: true).GetValidationErrors());
        Assert.Contains("choose one", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_redis_configuration_that_names_no_endpoint_is_refused()
    {
        Assert.Contains(Settings("", redis: "password=secret").GetValidationErrors(), e => e.Contains("Redis:Configuration names no endpoint", StringComparison.Ordinal) && !e.Contains("secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_executable_started_with_other_seed_nodes_and_no_redis_exits_with_code_2_saying_why()
    {
        using HostProcess host = HostProcess.Start("--port", "0", "--cluster-port", HostProcess.FreePort().ToString(), "--seed-nodes", "127.0.0.1:1,127.0.0.1:2");

        Assert.Equal(2, await host.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("no Redis is configured", host.Output, StringComparison.Ordinal);
    }
}
