using ClusterBroker.Core.Channel;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;
using ClusterBroker.Topics;

namespace ClusterBroker.Core.Tests;

/// <summary>The CONNECT rules and the negotiated terms as pure functions (the channel tests cover them over a connection).</summary>
public class Connect_Rules_Tests
{
    private static readonly Func<string, bool> NoMethods = _ => false;

    private static ConnectPacket Connect(ProtocolVersion version = ProtocolVersion.V500, string clientId = "c", bool clean = true) =>
        new() { ProtocolVersion = version, ClientId = clientId, CleanSession = clean };

    private static ConnectRefusal? Check(ConnectPacket connect, BrokerOptions? options = null, Func<string, bool>? methods = null) =>
        ConnectRules.Check(connect, options ?? new BrokerOptions(), TopicLimits.Default, methods ?? NoMethods);

    [Fact]
    public void A_valid_CONNECT_breaks_no_rule()
    {
        Assert.Null(Check(Connect()));
        Assert.Null(Check(Connect(ProtocolVersion.V311, clientId: "", clean: true)));
        Assert.Null(Check(Connect(ProtocolVersion.V500, clientId: "", clean: false)));
    }

    [Theory]
    [InlineData(ProtocolVersion.V310, true, "MQTT-3.1-3.1.3.1")]
    [InlineData(ProtocolVersion.V311, false, "MQTT-3.1.3-8")]
    public void An_empty_ClientId_is_refused_where_the_version_forbids_it(ProtocolVersion version, bool clean, string rule)
    {
        ConnectRefusal refusal = Check(Connect(version, clientId: "", clean: clean))!.Value;
        Assert.Equal(ReasonCode.ClientIdentifierNotValid, refusal.ReasonCode);
        Assert.Equal(rule, refusal.Rule);
    }

    [Fact]
    public void Control_characters_are_refused_only_when_configured_and_the_first_offender_is_named()
    {
        var refusing = new BrokerOptions { RefuseControlCharacters = true };
        Assert.Null(Check(Connect(clientId: "a\u0001b")));

        ConnectRefusal inClientId = Check(Connect(clientId: "a\u0001b"), refusing)!.Value;
        Assert.Equal(ReasonCode.ClientIdentifierNotValid, inClientId.ReasonCode);
        Assert.Contains("U+0001", inClientId.Message, StringComparison.Ordinal);

        ConnectRefusal inUser = Check(Connect() with { Username = "u\u007Fser" }, refusing)!.Value;
        Assert.Equal(ReasonCode.BadUserNameOrPassword, inUser.ReasonCode);
        Assert.Contains("U+007F", inUser.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ProtocolVersion.V500, ReasonCode.TopicNameInvalid)]
    [InlineData(ProtocolVersion.V311, ReasonCode.UnspecifiedError)]
    public void A_Will_topic_with_a_wildcard_is_refused_with_the_versions_code(ProtocolVersion version, ReasonCode expected)
    {
        ConnectRefusal refusal = Check(Connect(version) with { Will = new WillMessage { Topic = "a/+" } })!.Value;
        Assert.Equal(expected, refusal.ReasonCode);
        Assert.Equal("MQTT-3.1.3-11", refusal.Rule);
    }

    [Fact]
    public void A_Will_beyond_the_servers_QoS_or_retain_support_is_refused()
    {
        ConnectPacket qos2 = Connect() with { Will = new WillMessage { Topic = "w", QoS = QualityOfService.ExactlyOnce } };
        Assert.Equal(ReasonCode.QoSNotSupported, Check(qos2, new BrokerOptions { MaximumQoS = QualityOfService.AtLeastOnce })!.Value.ReasonCode);
        Assert.Null(Check(qos2));

        ConnectPacket retained = Connect() with { Will = new WillMessage { Topic = "w", Retain = true } };
        Assert.Equal(ReasonCode.RetainNotSupported, Check(retained, new BrokerOptions { RetainAvailable = false })!.Value.ReasonCode);
        Assert.Null(Check(retained));
    }

    [Fact]
    public void An_authentication_method_the_broker_does_not_offer_is_refused_and_one_it_offers_is_not()
    {
        ConnectPacket scram = Connect() with { AuthenticationMethod = "SCRAM-SHA-256" };
        Assert.Equal(ReasonCode.BadAuthenticationMethod, Check(scram)!.Value.ReasonCode);
        Assert.Null(Check(scram, methods: m => m == "SCRAM-SHA-256"));
    }

    [Fact]
    public void The_client_identifier_rule_is_reported_before_a_bad_Will()
    {
        ConnectPacket both = Connect(ProtocolVersion.V310, clientId: "") with { Will = new WillMessage { Topic = "#" } };
        Assert.Equal("MQTT-3.1-3.1.3.1", Check(both)!.Value.Rule);
    }

    [Fact]
    public void Terms_of_a_5_0_client_are_its_requests_bounded_by_the_broker()
    {
        var options = new BrokerOptions { MaximumSessionExpiryInterval = 100, OutgoingTopicAliasMaximum = 10 };
        ConnectPacket connect = Connect() with { KeepAlive = 30, SessionExpiryInterval = 500, ReceiveMaximum = 7, TopicAliasMaximum = 20 };
        Assert.Equal(new ConnectTerms(30, 100, 7, 10), ConnectTerms.Negotiate(connect, options));
        Assert.Equal(new ConnectTerms(0, 0, ushort.MaxValue, 0), ConnectTerms.Negotiate(Connect(), options));
    }

    [Theory]
    [InlineData(true, 0u)]
    [InlineData(false, 100u)]
    public void A_3_1_1_session_lasts_with_Clean_Session_0_for_the_brokers_maximum(bool clean, uint expected)
    {
        var options = new BrokerOptions { MaximumSessionExpiryInterval = 100 };
        ConnectTerms terms = ConnectTerms.Negotiate(Connect(ProtocolVersion.V311, clean: clean) with { ReceiveMaximum = 5, TopicAliasMaximum = 5 }, options);
        Assert.Equal(new ConnectTerms(0, expected, ushort.MaxValue, 0), terms);
    }

    [Theory]
    [InlineData(0, 60)]    // no keep alive counts as above the maximum
    [InlineData(100, 60)]
    [InlineData(1, 5)]
    [InlineData(30, 30)]
    public void Keep_alive_is_bounded_by_the_brokers_minimum_and_maximum(int requested, int expected)
    {
        var options = new BrokerOptions { MinKeepAlive = 5, MaxKeepAlive = 60 };
        Assert.Equal((ushort)expected, ConnectTerms.Negotiate(Connect() with { KeepAlive = (ushort)requested }, options).KeepAlive);
    }

    [Fact]
    public void Server_Keep_Alive_overrides_a_5_0_client_but_not_a_3_1_1_one()
    {
        var options = new BrokerOptions { ServerKeepAlive = 20 };
        Assert.Equal((ushort)20, ConnectTerms.Negotiate(Connect() with { KeepAlive = 90 }, options).KeepAlive);
        Assert.Equal((ushort)90, ConnectTerms.Negotiate(Connect(ProtocolVersion.V311) with { KeepAlive = 90 }, options).KeepAlive);
    }
}
