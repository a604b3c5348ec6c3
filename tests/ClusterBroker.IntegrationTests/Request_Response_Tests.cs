using ClusterBroker.Core;

namespace ClusterBroker.IntegrationTests;

/// <summary>
/// MQTT 5 request/response (section 4.10) across client libraries: Response Topic and Correlation Data go from the
/// requester to the responder and back unchanged, between an MQTTnet client and paho, in both directions.
/// </summary>
public sealed class Request_Response_Tests : IAsyncLifetime
{
    private TestBroker _broker = null!;

    private int Port => _broker.Port;

    public async Task InitializeAsync() => _broker = await TestBroker.StartAsync(new BrokerOptions { ResponseInformation = "reply/{clientid}/" });

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    [Fact]
    public async Task An_MQTTnet_requester_gets_the_answer_of_a_paho_responder_with_its_correlation_data()
    {
        var requests = Unique.Topic("svc") + "/requests";
        await using var responder = PahoRequestResponse.Responder(Port, requests);
        await responder.WaitForLineAsync(line => line == "READY", "paho's SUBACK");

        // the response topic is built on the Response Information the broker gives the requester
        var requesterId = Unique.ClientId();
        await using var requester = await TestClient.ConnectAsync(Port, requesterId, configure: b => b.WithRequestResponseInformation(true));
        var responseTopic = requester.ConnectResult.ResponseInformation + "answers";
        Assert.Equal($"reply/{requesterId}/answers", responseTopic);
        await requester.SubscribeAsync(responseTopic, Q.Q1);
        byte[] correlation = [0x00, 0x01, 0xFE, 0xFF, 0x42];

        await requester.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(requests).WithPayload("what-time")
            .WithResponseTopic(responseTopic).WithCorrelationData(correlation)
            .WithQualityOfServiceLevel(Q.Q1).Build());

        var answer = await requester.Messages.WaitForAsync(m => m.Topic == responseTopic, "the answer");
        Assert.Equal("reply:what-time", answer.Payload);
        Assert.Equal(correlation, answer.Message.CorrelationData);
        await responder.WaitForLineAsync(line => line == $"ANSWERED|{responseTopic}|0001feff42", "paho's answer");
    }

    [Fact]
    public async Task A_paho_requester_gets_the_answer_of_an_MQTTnet_responder_with_its_correlation_data()
    {
        var requests = Unique.Topic("svc") + "/requests";
        var responseTopic = Unique.Topic("reply") + "/paho";
        await using var responder = await TestClient.ConnectAsync(Port);
        await responder.SubscribeAsync(requests, Q.Q1);
        byte[] correlation = "req-7"u8.ToArray();

        await using var requester = PahoRequestResponse.Requester(Port, requests, responseTopic, correlation, "ping");
        var request = await responder.Messages.WaitForAsync(m => m.Topic == requests, "paho's request");
        Assert.Equal(responseTopic, request.Message.ResponseTopic);
        Assert.Equal(correlation, request.Message.CorrelationData);
        await responder.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(request.Message.ResponseTopic).WithPayload("reply:" + request.Payload)
            .WithCorrelationData(request.Message.CorrelationData).WithQualityOfServiceLevel(Q.Q1).Build());

        await requester.WaitForLineAsync(line => line == $"RESPONSE|{responseTopic}|reply:ping|{Convert.ToHexString(correlation).ToLowerInvariant()}", "the answer at paho");
        Assert.Equal(0, await requester.WaitForExitAsync());
    }
}
