using System.CommandLine;
using ClusterBroker.LoadTests.Configuration;

namespace ClusterBroker.LoadTests.Cli;

/// <summary>The command-line options every scenario command takes, and their binding to RunSettings.</summary>
public sealed class RunOptions
{
    private readonly Option<string[]> _broker = new("--broker", "-b") { Description = "Broker HOST:PORT on loopback; repeat to spread clients round robin over a cluster's nodes", DefaultValueFactory = _ => ["127.0.0.1:1883"], AllowMultipleArgumentsPerToken = false };
    private readonly Option<bool?> _crossNode = new("--cross-node") { Description = "p2p: put each pair's publisher and subscriber on different --broker endpoints (default: on when more than one is given); false: both on the same one" };
    private readonly Option<string> _label = new("--label") { Description = "Name of the broker in reports", DefaultValueFactory = _ => "broker" };
    private readonly Option<string> _protocol = new("--protocol") { Description = "MQTT protocol version: 3.1.1 or 5.0", DefaultValueFactory = _ => "3.1.1" };
    private readonly Option<int> _qos = new("--qos", "-q") { Description = "QoS of publishes and subscriptions: 0, 1 or 2", DefaultValueFactory = _ => 1 };
    private readonly Option<int> _payload = new("--payload") { Description = "Payload size in bytes (at least 24: publisher id, sequence, timestamp)", DefaultValueFactory = _ => 64 };
    private readonly Option<int> _topicLength = new("--topic-length") { Description = "Pad topics to about this many characters (one level of 'x' under the run's prefix); 0 = as they are", DefaultValueFactory = _ => 0 };
    private readonly Option<int> _topicAliasMaximum = new("--topic-alias-maximum") { Description = "MQTT 5.0: Topic Alias Maximum every client announces (lets the broker send topic aliases); 0 = none", DefaultValueFactory = _ => 0 };
    private readonly Option<int> _keepAlive = new("--keep-alive") { Description = "Keep alive in seconds", DefaultValueFactory = _ => 60 };
    private readonly Option<bool> _cleanStart = new("--clean-start") { Description = "Clean start / clean session flag", DefaultValueFactory = _ => true };
    private readonly Option<string?> _username = new("--username") { Description = "User name for CONNECT" };
    private readonly Option<string?> _password = new("--password") { Description = "Password for CONNECT" };
    private readonly Option<int> _clients = new("--clients", "-n") { Description = "The scenario's N: connections (connect), subscribers (fan-out, retained), pairs (p2p), publishers (fan-in, shared)", DefaultValueFactory = _ => 100 };
    private readonly Option<int?> _publishers = new("--publishers") { Description = "Publishers (fan-out default 1; fan-in/shared default --clients)" };
    private readonly Option<int?> _subscribers = new("--subscribers") { Description = "Subscribers (fan-in default 1) or $share group members (shared default 4)" };
    private readonly Option<bool> _wildcard = new("--wildcard") { Description = "fan-in: per-publisher topics and a + subscription; fan-out: subscribers use #" };
    private readonly Option<int> _retained = new("--retained") { Description = "retained: number of retained messages", DefaultValueFactory = _ => 1000 };
    private readonly Option<int> _slow = new("--slow-subscriber-ms") { Description = "Delay each subscriber's handling of every message (simulates a slow consumer)", DefaultValueFactory = _ => 0 };
    private readonly Option<double> _rate = new("--rate", "-r") { Description = "Messages per second (per publisher, or total with --rate-scope total); 0 = as fast as flow control allows", DefaultValueFactory = _ => 0 };
    private readonly Option<string> _rateScope = new("--rate-scope") { Description = "per-publisher or total", DefaultValueFactory = _ => "per-publisher" };
    private readonly Option<double> _ramp = new("--ramp") { Description = "Seconds to ramp linearly from 0 to --rate", DefaultValueFactory = _ => 0 };
    private readonly Option<bool> _stagger = new("--stagger") { Description = "Fixed rate: publisher i of P starts i/P of a message interval late, so the publishers together send evenly spread (default: all at the same instants)" };
    private readonly Option<int> _inflight = new("--inflight") { Description = "Maximum outstanding publishes per publisher (flow control)", DefaultValueFactory = _ => 64 };
    private readonly Option<double> _warmup = new("--warmup") { Description = "Warm-up seconds, excluded from the figures", DefaultValueFactory = _ => 2 };
    private readonly Option<double> _duration = new("--duration", "-d") { Description = "Measured seconds (connect: hold time; retained: time bound)", DefaultValueFactory = _ => 10 };
    private readonly Option<long> _count = new("--count") { Description = "Maximum messages per publisher (0 = bounded by time only)", DefaultValueFactory = _ => 0 };
    private readonly Option<double> _drain = new("--drain") { Description = "Seconds to wait for outstanding deliveries after publishing stops", DefaultValueFactory = _ => 5 };
    private readonly Option<double> _routeWait = new("--route-wait") { Description = "Seconds to wait, before publishing, until each publisher's probe message reached all its receivers (cluster routes propagate asynchronously); 0 = no probes", DefaultValueFactory = _ => 30 };
    private readonly Option<double> _connectRate = new("--connect-rate") { Description = "New connections per second", DefaultValueFactory = _ => 1000 };
    private readonly Option<int> _connectConcurrency = new("--connect-concurrency") { Description = "Connection handshakes in flight at once", DefaultValueFactory = _ => 256 };
    private readonly Option<double> _connectTimeout = new("--connect-timeout") { Description = "Seconds before a CONNECT without CONNACK counts as failed", DefaultValueFactory = _ => 10 };
    private readonly Option<int> _clientsPerWorker = new("--clients-per-worker") { Description = "connect: above this many connections, spread over worker processes (a process may open at most 20,000 files)", DefaultValueFactory = _ => 15000 };
    private readonly Option<bool> _sourceAddresses = new("--source-addresses") { Description = "Spread client source addresses over 127.0.0.0/8 (avoids ephemeral port exhaustion)", DefaultValueFactory = _ => true };
    private readonly Option<int> _socketBuffer = new("--socket-buffer") { Description = "MQTTnet client socket buffer bytes (its 8 KiB default throttles throughput)", DefaultValueFactory = _ => 256 * 1024 };
    private readonly Option<int[]> _pid = new("--pid") { Description = "Broker process id (repeatable): CPU and resident memory sampled from /proc", DefaultValueFactory = _ => [] };
    private readonly Option<string?> _report = new("--report") { Description = "Directory for report.md, report.html and result.json" };
    private readonly Option<bool> _noLive = new("--no-live") { Description = "Plain progress lines instead of the live table" };
    private readonly Option<double> _maxTime = new("--max-time") { Description = "Hard bound on the whole run in seconds", DefaultValueFactory = _ => 600 };

    public IEnumerable<Option> All =>
    [
        _broker, _crossNode, _label, _protocol, _qos, _payload, _topicLength, _topicAliasMaximum, _keepAlive, _cleanStart, _username, _password,
        _clients, _publishers, _subscribers, _wildcard, _retained, _slow,
        _rate, _rateScope, _ramp, _stagger, _inflight, _warmup, _duration, _count, _drain, _routeWait,
        _connectRate, _connectConcurrency, _connectTimeout, _clientsPerWorker, _sourceAddresses, _socketBuffer,
        _pid, _report, _noLive, _maxTime,
    ];

    public RunSettings Bind(ParseResult parse)
    {
        var qos = parse.GetValue(_qos);
        if (qos is < 0 or > 2)
        {
            throw new ArgumentException("--qos must be 0, 1 or 2");
        }

        var topicAliasMaximum = parse.GetValue(_topicAliasMaximum);
        if (topicAliasMaximum is < 0 or > ushort.MaxValue)
        {
            throw new ArgumentException("--topic-alias-maximum must be between 0 and 65535");
        }

        var protocol = parse.GetValue(_protocol) switch
        {
            "3.1.1" or "4" => MqttProtocol.V311,
            "5.0" or "5" => MqttProtocol.V500,
            var other => throw new ArgumentException($"--protocol {other}: use 3.1.1 or 5.0"),
        };
        if (topicAliasMaximum > 0 && protocol != MqttProtocol.V500)
        {
            throw new ArgumentException("--topic-alias-maximum needs --protocol 5.0 (topic aliases are MQTT 5)");
        }

        return new RunSettings
        {
            Brokers = [.. (parse.GetValue(_broker) ?? []).Select(BrokerEndpoint.Parse)],
            CrossNode = parse.GetValue(_crossNode),
            Label = parse.GetValue(_label) ?? "broker",
            Protocol = protocol,
            TopicLength = Math.Max(0, parse.GetValue(_topicLength)),
            TopicAliasMaximum = (ushort)topicAliasMaximum,
            Qos = qos,
            PayloadBytes = parse.GetValue(_payload),
            KeepAliveSeconds = parse.GetValue(_keepAlive),
            CleanStart = parse.GetValue(_cleanStart),
            Username = parse.GetValue(_username),
            Password = parse.GetValue(_password),
            Clients = Positive(parse.GetValue(_clients), "--clients"),
            Publishers = parse.GetValue(_publishers),
            Subscribers = parse.GetValue(_subscribers),
            Wildcard = parse.GetValue(_wildcard),
            RetainedMessages = Positive(parse.GetValue(_retained), "--retained"),
            SlowSubscriberDelayMs = parse.GetValue(_slow),
            Rate = parse.GetValue(_rate),
            RateScope = parse.GetValue(_rateScope) switch
            {
                "per-publisher" => RateScope.PerPublisher,
                "total" => RateScope.Total,
                var other => throw new ArgumentException($"--rate-scope {other}: use per-publisher or total"),
            },
            RampSeconds = parse.GetValue(_ramp),
            Stagger = parse.GetValue(_stagger),
            Inflight = Positive(parse.GetValue(_inflight), "--inflight"),
            WarmupSeconds = parse.GetValue(_warmup),
            DurationSeconds = parse.GetValue(_duration),
            MaxMessagesPerPublisher = parse.GetValue(_count),
            DrainSeconds = parse.GetValue(_drain),
            RouteWaitSeconds = parse.GetValue(_routeWait),
            ConnectRate = parse.GetValue(_connectRate),
            ConnectConcurrency = Positive(parse.GetValue(_connectConcurrency), "--connect-concurrency"),
            ConnectTimeoutSeconds = parse.GetValue(_connectTimeout),
            ClientsPerWorker = Positive(parse.GetValue(_clientsPerWorker), "--clients-per-worker"),
            SpreadSourceAddresses = parse.GetValue(_sourceAddresses),
            SocketBufferBytes = parse.GetValue(_socketBuffer),
            BrokerPids = parse.GetValue(_pid) ?? [],
            ReportDirectory = parse.GetValue(_report),
            Live = !parse.GetValue(_noLive) && !Console.IsOutputRedirected,
            MaxRunSeconds = parse.GetValue(_maxTime),
        };
    }

    private static int Positive(int value, string name) => value > 0 ? value : throw new ArgumentException($"{name} must be positive");
}
