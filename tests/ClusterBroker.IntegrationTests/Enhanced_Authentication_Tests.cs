using ClusterBroker.Host.Security;

namespace ClusterBroker.IntegrationTests;

/// <summary>
/// MQTT 5 enhanced authentication with the MQTTnet client: SCRAM-SHA-256 and SCRAM-SHA-512 against users the passwd
/// command gave SCRAM keys, re-authentication on a live connection, refusals, and the password of the same line.
/// </summary>
public sealed class Enhanced_Authentication_Tests : IAsyncLifetime
{
    private readonly SecurityFiles _files = new();
    private TestBroker? _broker;

    private int Port => _broker!.Port;

    public async Task InitializeAsync()
    {
        await _files.AddUserAsync("seed", "x"); // creates the file with a user mosquitto_passwd wrote (no SCRAM keys)
        await PasswdAsync("--scram", "-b", _files.PasswordFile, "scram-user", "correct horse");
        _broker = await TestBroker.StartAsync(security: new SecurityOptions { PasswordFile = _files.PasswordFile, FailureDelay = TimeSpan.Zero });
    }

    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
        await _files.DisposeAsync();
    }

    /// <summary>Runs the Host executable's passwd command (as an operator would) with the dotnet host.</summary>
    private static async Task PasswdAsync(params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "ClusterBroker.Host.dll");
        await using var passwd = ExternalProcess.Start("dotnet", [dll, "passwd", .. args]);
        int exitCode = await passwd.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, $"passwd exited with {exitCode}: {passwd.Describe()}");
    }

    private async Task<(TestClient Client, ScramHandler Handler)> ConnectAsync(string method, string user, string password)
    {
        var handler = new ScramHandler(new ScramClient(method, user, password));
        TestClient client = await TestClient.ConnectAsync(Port, configure: b => b
            .WithEnhancedAuthentication(method, handler.Scram.ClientFirst())
            .WithEnhancedAuthenticationHandler(handler));
        return (client, handler);
    }

    [Theory]
    [InlineData("SCRAM-SHA-256")]
    [InlineData("SCRAM-SHA-512")]
    public async Task MQTTnet_connects_with_SCRAM_and_checks_the_server_signature(string method)
    {
        (TestClient client, ScramHandler handler) = await ConnectAsync(method, "scram-user", "correct horse");
        await using (client)
        {
            Assert.Equal(MqttClientConnectResultCode.Success, client.ConnectResult.ResultCode);
            Assert.Equal(method, client.ConnectResult.AuthenticationMethod);
            Assert.True(handler.Scram.VerifyServerFinal(client.ConnectResult.AuthenticationData));
            await client.PingAsync();
        }
    }

    [Fact]
    public async Task A_wrong_SCRAM_password_is_refused_with_bad_user_name_or_password()
    {
        var handler = new ScramHandler(new ScramClient("SCRAM-SHA-256", "scram-user", "battery staple"));
        MqttClientConnectResultCode code = await TestClient.ConnectResultCodeAsync(Port, configure: b => b
            .WithEnhancedAuthentication("SCRAM-SHA-256", handler.Scram.ClientFirst())
            .WithEnhancedAuthenticationHandler(handler));
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, code);
    }

    [Fact]
    public async Task An_unsupported_authentication_method_is_refused_with_0x8C()
    {
        MqttClientConnectResultCode code = await TestClient.ConnectResultCodeAsync(Port, configure: b => b.WithEnhancedAuthentication("DIGEST-MD5", [1, 2, 3]));
        Assert.Equal(MqttClientConnectResultCode.BadAuthenticationMethod, code);
    }

    [Fact]
    public async Task The_same_user_logs_in_with_the_password_too_and_mosquitto_passwd_users_have_no_SCRAM()
    {
        Assert.Equal(MqttClientConnectResultCode.Success, await TestClient.ConnectResultCodeAsync(Port, configure: b => b.WithCredentials("scram-user", "correct horse")));
        Assert.Equal(MqttClientConnectResultCode.Success, await TestClient.ConnectResultCodeAsync(Port, configure: b => b.WithCredentials("seed", "x")));
        var handler = new ScramHandler(new ScramClient("SCRAM-SHA-256", "seed", "x"));
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await TestClient.ConnectResultCodeAsync(Port, configure: b => b
            .WithEnhancedAuthentication("SCRAM-SHA-256", handler.Scram.ClientFirst())
            .WithEnhancedAuthenticationHandler(handler)));
    }

    [Fact]
    public async Task MQTTnet_re_authenticates_on_the_live_connection()
    {
        (TestClient client, ScramHandler handler) = await ConnectAsync("SCRAM-SHA-256", "scram-user", "correct horse");
        await using (client)
        {
            handler.Scram = new ScramClient("SCRAM-SHA-256", "scram-user", "correct horse");
            await client.Client.SendEnhancedAuthenticationExchangeDataAsync(new MqttEnhancedAuthenticationExchangeData
            {
                ReasonCode = MqttAuthenticateReasonCode.ReAuthenticate,
                AuthenticationData = handler.Scram.ClientFirst(),
            });

            await Eventually.AssertAsync(() => handler.Completed, "the re-authentication completed with AUTH 0x00 and a valid server signature");
            await client.PingAsync();
            Assert.True(client.Client.IsConnected);
        }
    }

    /// <summary>Answers the server's AUTH packets: the challenge with the client-final-message, the success with a signature check.</summary>
    private sealed class ScramHandler(ScramClient scram) : IMqttEnhancedAuthenticationHandler
    {
        private volatile bool _completed;

        public ScramClient Scram { get; set; } = scram;

        public bool Completed => _completed;

        public async Task HandleEnhancedAuthenticationAsync(MqttEnhancedAuthenticationEventArgs e)
        {
            if (e.ReasonCode == MqttAuthenticateReasonCode.ContinueAuthentication)
            {
                await e.SendAsync(new SendMqttEnhancedAuthenticationDataOptions { Data = Scram.ClientFinal(e.AuthenticationData) }, e.CancellationToken);
            }
            else if (e.ReasonCode == MqttAuthenticateReasonCode.Success && Scram.VerifyServerFinal(e.AuthenticationData))
            {
                _completed = true;
            }
        }
    }
}
