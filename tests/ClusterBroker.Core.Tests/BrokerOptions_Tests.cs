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
    public void Clone_copies_every_value()
    {
        var options = new BrokerOptions { MaxConnections = 7, SysInterval = TimeSpan.FromSeconds(3) };
        BrokerOptions copy = options.Clone();
        options.MaxConnections = 8;
        Assert.Equal(7, copy.MaxConnections);
        Assert.Equal(TimeSpan.FromSeconds(3), copy.SysInterval);
    }
}
