using ClusterBroker.Host.Security;

namespace ClusterBroker.IntegrationTests.Infrastructure;

/// <summary>A broker with an ACL file (<see cref="Rules"/>) and a password file of three users (password "pw"), shared by a test class.</summary>
public sealed class AclBrokerFixture : IAsyncLifetime
{
    public const string Rules = """
        # anonymous clients
        topic read public/#
        topic write public/in/#
        topic readwrite test/#
        topic deny test/nosubscribe

        user reader
        topic read data/#

        user writer
        topic write data/#

        user both
        topic readwrite data/#
        topic deny data/secret/#

        pattern readwrite clients/%c/#
        pattern read inbox/%u/#
        """;

    private TestBroker? _broker;

    public SecurityFiles Files { get; } = new();

    public TestBroker Broker => _broker ?? throw new InvalidOperationException("broker not started");

    public int Port => Broker.Port;

    public async Task InitializeAsync()
    {
        foreach (string user in new[] { "reader", "writer", "both" })
        {
            await Files.AddUserAsync(user, "pw");
        }
        Files.WriteAcl(Rules);
        _broker = await TestBroker.StartAsync(security: new SecurityOptions
        {
            PasswordFile = Files.PasswordFile,
            AclFile = Files.AclFile,
            AllowAnonymous = true,
            FailureDelay = TimeSpan.Zero,
        });
    }

    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
        await Files.DisposeAsync();
    }
}
