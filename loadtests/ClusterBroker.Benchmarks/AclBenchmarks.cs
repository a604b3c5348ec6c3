using System.Text;
using BenchmarkDotNet.Attributes;
using ClusterBroker.Core;
using ClusterBroker.Core.Security;

namespace ClusterBroker.Benchmarks;

/// <summary>
/// The ACL's cost per message with the 1,000-line ACL of loadtests/generate-acl.sh (same shape, built here):
/// the per-connection cached decision a PUBLISH and a delivery pay (one dictionary lookup after the first
/// message of a topic), the uncached policy check a cache miss pays, a SUBSCRIBE check, and the built-in
/// '$' check that is all a broker without an ACL does.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class AclBenchmarks
{
    private const string Topic = "cblt/0a1b2c3d/p2p/7";

    private ConnectionAccess _access = null!;
    private IAccessPolicy _policy = null!;

    [GlobalSetup]
    public void Setup()
    {
        var authorizer = new AclAuthorizer(AclFile.Parse(Generate(1000)));
        var subject = new AccessSubject("cblt-0a1b2c3d-p7", null, "127.0.0.1:50000");
        _access = new ConnectionAccess(authorizer, subject);
        _policy = authorizer.GetPolicy(subject);
        if (!_access.MayPublish(Topic) || !_access.MayRead(Topic))
            throw new InvalidOperationException("the generated ACL must allow the load-test topic");
    }

    [Benchmark(Baseline = true)]
    public bool NoAcl_PublishCheck() => !ConnectionAccess.IsReservedForTheBroker(Topic);

    [Benchmark]
    public bool Cached_PublishCheck() => _access.MayPublish(Topic);

    [Benchmark]
    public bool Cached_DeliveryCheck() => _access.MayRead(Topic);

    [Benchmark]
    public AccessDecision Uncached_PolicyCheck() => _policy.Check(AccessKind.Publish, Topic);

    [Benchmark]
    public bool SubscribeCheck() => _access.MaySubscribe("cblt/0a1b2c3d/p2p/+");

    /// <summary>The ACL loadtests/generate-acl.sh writes.</summary>
    private static string Generate(int lines)
    {
        var text = new StringBuilder("# generated\n");
        for (int i = 1; i <= 10; i++)
            text.Append("topic deny cblt/forbidden/").Append(i).Append("/#\n");
        for (int i = 1; i <= 49; i++)
            text.Append("topic read sensors/").Append(i).Append("/#\n");
        text.Append("topic readwrite cblt/#\n");
        for (int i = 1; i <= 25; i++)
            text.Append("pattern readwrite devices/%c/").Append(i).Append("/#\npattern deny private/%u/").Append(i).Append("/#\n");
        for (int i = 1; i <= (lines - 111 + 2) / 3; i++)
            text.Append("user user").Append(i).Append("\ntopic readwrite tenants/").Append(i).Append("/#\ntopic deny tenants/").Append(i).Append("/admin/#\n");
        return text.ToString();
    }
}
