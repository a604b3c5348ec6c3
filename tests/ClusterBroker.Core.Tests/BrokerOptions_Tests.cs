namespace ClusterBroker.Core.Tests;

public class BrokerOptions_Tests
{
    [Fact]
    public void The_defaults_are_valid()
    {
        Assert.Empty(new BrokerOptions().GetValidationErrors());
        new BrokerOptions().Validate();
    }

    [Fact]
    public void Every_broken_rule_is_named_in_the_message()
    {
        var options = new BrokerOptions { MaxConnections = 0, ReceiveMaximum = 0, MaxTopicLength = 70_000, ServerKeepAlive = 0, MaximumPacketSize = 2 };
        var error = Assert.Throws<ArgumentException>(options.Validate);
        foreach (string name in new[] { "MaxConnections", "ReceiveMaximum", "MaxTopicLength", "ServerKeepAlive", "MaximumPacketSize" })
        {
            Assert.Contains(name, error.Message);
        }
    }

    [Fact]
    public void Topics_may_have_200_levels_by_default_as_in_Mosquitto()
    {
        Assert.Equal(200, new BrokerOptions().MaxTopicLevels);
        var broker = new Infrastructure.TestBroker();
        Infrastructure.TestClient client = broker.Connect("deep");
        string deep = string.Join('/', Enumerable.Range(0, 200).Select(i => i.ToString()));
        client.Subscribe(deep + "/#"); // 201 levels: refused
        client.Subscribe(deep);
        broker.Connect("pub").Publish(deep, "x");
        Assert.Single(client.Received);
        Assert.Equal(Protocol.ReasonCode.TopicFilterInvalid, client.Connection.SentOf<Protocol.Packets.SubAckPacket>()[0].ReasonCodes[0]);
    }

    [Fact]
    public void The_new_protocol_options_default_to_off_and_are_validated()
    {
        var defaults = new BrokerOptions();
        Assert.False(defaults.QueueQoS0Messages);
        Assert.False(defaults.RefuseControlCharacters);
        Assert.Null(defaults.MaxKeepAlive);
        Assert.Null(defaults.ResponseInformation);
        Assert.Equal((ushort)64, defaults.OutgoingTopicAliasMaximum);

        var options = new BrokerOptions { MaxKeepAlive = 10, MinKeepAlive = 20, ResponseInformation = string.Empty };
        string error = Assert.Throws<ArgumentException>(options.Validate).Message;
        Assert.Contains("MinKeepAlive (20) must not be above MaxKeepAlive (10)", error);
        Assert.Contains("ResponseInformation", error);
        Assert.Contains("MaxKeepAlive, when set", Assert.Throws<ArgumentException>(new BrokerOptions { MaxKeepAlive = 0 }.Validate).Message);
    }

    [Fact]
    public void Clone_copies_every_value()
    {
        var options = new BrokerOptions { MaxConnections = 7, SysInterval = TimeSpan.FromSeconds(3) };
        BrokerOptions copy = options.Clone();
        options.MaxConnections = 8;
        Assert.Equal(7, copy.MaxConnections);
        Assert.Equal(TimeSpan.FromSeconds(3), copy.SysInterval);
    }
}
