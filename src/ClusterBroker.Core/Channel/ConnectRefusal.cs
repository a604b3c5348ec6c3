using ClusterBroker.Protocol;

namespace ClusterBroker.Core.Channel;

/// <summary>Why a CONNECT is refused: the CONNACK reason code, the rule it breaks (logged and sent as reason string), and a sentence for the client.</summary>
internal readonly record struct ConnectRefusal(ReasonCode ReasonCode, string Rule, string Message);
