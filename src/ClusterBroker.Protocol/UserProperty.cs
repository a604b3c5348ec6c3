namespace ClusterBroker.Protocol;

/// <summary>An MQTT 5.0 User Property (a UTF-8 string pair); order and duplicates are preserved.</summary>
public readonly record struct UserProperty(string Name, string Value);
