using ClusterBroker.Protocol;

namespace ClusterBroker.Core.Channel;

/// <summary>
/// Keep alive: a client silent for one and a half times its Keep Alive is disconnected ([MQTT-3.1.2-24]).
/// One timer at a time per connection: every packet only records the time; the timer, when it fires,
/// re-arms itself for the remaining time or closes the connection (0x8D where 5.0; the Will is published).
/// </summary>
public sealed partial class MqttChannel
{
    private ushort _keepAlive;
    private long _lastActivityUnixMs;
    private IDisposable? _timer;

    private void StartKeepAlive()
    {
        if (_keepAlive == 0)
        {
            return;
        }

        ArmKeepAlive(KeepAliveTimeoutMs);
    }

    private long KeepAliveTimeoutMs => _keepAlive * 1500L;

    private void ArmKeepAlive(long delayMs)
    {
        _timer?.Dispose();
        _timer = _connection.Schedule(TimeSpan.FromMilliseconds(Math.Max(1, delayMs)), OnKeepAliveTimer);
    }

    private void OnKeepAliveTimer()
    {
        if (_state != ChannelState.Connected)
        {
            return;
        }

        long silent = _context.NowUnixMs() - _lastActivityUnixMs;
        long timeout = KeepAliveTimeoutMs;
        if (silent < timeout)
        {
            ArmKeepAlive(timeout - silent);
            return;
        }

        Fail(ReasonCode.KeepAliveTimeout, "MQTT-3.1.2-24", $"No packet for {silent / 1000.0:0.#} s, more than 1.5 x the Keep Alive of {_keepAlive} s.");
    }
}
