using ClusterBroker.Core.Security;
using ClusterBroker.Core.Tests.Infrastructure;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Core.Tests;

public class Authentication_Throttle_Tests
{
    private static readonly PasswordFile Users = PasswordFile.Parse("alice:" + PasswordHash.Create("right"u8));

    private static (TestBroker Broker, FailedAttemptTracker Tracker) Broker(int maxFailures = 3)
    {
        var time = new FakeTimeProvider();
        var tracker = new FailedAttemptTracker(maxFailures, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), time);
        var logs = new ListLoggerProvider();
        var authenticator = new ThrottlingAuthenticator(new PasswordFileAuthenticator(Users, allowAnonymous: false), tracker, TimeSpan.Zero, time, logs.CreateLogger("auth"));
        var broker = new TestBroker(authenticator: authenticator);
        return (broker, tracker);
    }

    private static ConnAckPacket Attempt(TestBroker broker, string password, string address = "192.0.2.7:40000", ProtocolVersion version = ProtocolVersion.V500, string user = "alice")
    {
        var connection = new FakeConnection { RemoteEndPoint = address };
        var channel = (Channel.MqttChannel)broker.Factory.Create(connection)!;
        var client = new TestClient(broker, connection, channel);
        client.Send(new ConnectPacket { ProtocolVersion = version, ClientId = "c-" + Guid.NewGuid().ToString("N"), CleanSession = true, Username = user, Password = System.Text.Encoding.UTF8.GetBytes(password) });
        return connection.Last<ConnAckPacket>();
    }

    [Fact]
    public void Bad_credentials_get_0x86_and_are_logged_with_address_and_user_name_but_never_the_password()
    {
        (TestBroker broker, _) = Broker();
        Assert.Equal(ReasonCode.BadUserNameOrPassword, Attempt(broker, "guess-123").ReasonCode);

        var line = Assert.Single(broker.Logs.AtLeast(LogLevel.Warning), e => e.Message.Contains("Authentication failed", StringComparison.Ordinal));
        Assert.Contains("192.0.2.7:40000", line.Message);
        Assert.Contains("alice", line.Message);
        Assert.DoesNotContain(broker.Logs.Entries, e => e.Message.Contains("guess-123", StringComparison.Ordinal));
        Assert.Equal(1, broker.Context.Metrics.AuthenticationFailures);
    }

    [Fact]
    public void After_N_failures_the_address_is_banned_and_even_the_right_password_gets_0x8A()
    {
        (TestBroker broker, _) = Broker(maxFailures: 3);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(ReasonCode.BadUserNameOrPassword, Attempt(broker, "wrong").ReasonCode);
        }

        Assert.Equal(ReasonCode.Banned, Attempt(broker, "right").ReasonCode);
        Assert.Equal(ReasonCode.Success, Attempt(broker, "right", address: "198.51.100.1:1").ReasonCode); // another address is not affected
    }

    [Fact]
    public void A_ban_ends_after_its_duration()
    {
        var time = new FakeTimeProvider();
        var tracker = new FailedAttemptTracker(2, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), time);
        tracker.RecordFailure("192.0.2.7");
        Assert.True(tracker.RecordFailure("192.0.2.7").BanStarted);
        Assert.True(tracker.IsBanned("192.0.2.7", out TimeSpan remaining));
        Assert.Equal(TimeSpan.FromMinutes(5), remaining);

        time.Advance(TimeSpan.FromMinutes(5));
        Assert.False(tracker.IsBanned("192.0.2.7", out _));
    }

    [Fact]
    public void Failures_older_than_the_window_do_not_count()
    {
        var time = new FakeTimeProvider();
        var tracker = new FailedAttemptTracker(2, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), time);
        tracker.RecordFailure("192.0.2.7");
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.False(tracker.RecordFailure("192.0.2.7").BanStarted);
    }

    [Fact]
    public void A_banned_3_1_1_client_gets_return_code_5_not_authorized()
    {
        (TestBroker broker, _) = Broker(maxFailures: 1);
        Assert.Equal(ReasonCode.BadUserNameOrPassword, Attempt(broker, "wrong", version: ProtocolVersion.V311).ReasonCode);
        Assert.Equal(ReasonCode.Banned, Attempt(broker, "right", version: ProtocolVersion.V311).ReasonCode); // the encoder writes 5 for 3.1.1
    }

    [Fact]
    public void A_huge_user_name_is_refused_with_0x86_and_logged_shortened()
    {
        (TestBroker broker, _) = Broker();
        string huge = new('u', 65_535);
        Assert.Equal(ReasonCode.BadUserNameOrPassword, Attempt(broker, "x", user: huge).ReasonCode);
        var line = Assert.Single(broker.Logs.AtLeast(LogLevel.Warning), e => e.Message.Contains("Authentication failed", StringComparison.Ordinal));
        Assert.True(line.Message.Length < 1_000, "the log line quotes a shortened user name");
    }

    [Theory]
    [InlineData("192.0.2.1:5000", "192.0.2.1")]
    [InlineData("[::1]:5000", "::1")]
    [InlineData("unknown", "unknown")]
    public void The_tracked_address_is_the_remote_address_without_the_port(string endPoint, string address)
    {
        Assert.Equal(address, FailedAttemptTracker.AddressOf(endPoint));
    }
}
