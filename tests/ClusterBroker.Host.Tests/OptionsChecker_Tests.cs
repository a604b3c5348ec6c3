using Microsoft.Extensions.Configuration;

namespace ClusterBroker.Host.Tests;

/// <summary>Unknown command-line options and configuration keys are refused, naming the closest valid one.</summary>
public class OptionsChecker_Tests
{
    private static readonly OptionsChecker s_checker = OptionsChecker.Default;

    [Fact]
    public void A_misspelt_switch_is_refused_naming_the_switch_it_meant()
    {
        IReadOnlyList<string> errors = s_checker.CheckArguments(["--prot", "1884"]);
        Assert.Equal(["unknown option '--prot'. Did you mean '--port'?"], errors);
    }

    [Fact]
    public void A_misspelt_setting_on_the_command_line_is_refused_naming_the_setting_it_meant()
    {
        IReadOnlyList<string> errors = s_checker.CheckArguments(["--Broker:MaxConectionz", "5"]);
        Assert.Equal(["unknown option '--Broker:MaxConectionz'. Did you mean '--Broker:MaxConnections'?"], errors);
    }

    [Fact]
    public void A_misspelt_section_on_the_command_line_is_refused_naming_the_setting_it_meant()
    {
        IReadOnlyList<string> errors = s_checker.CheckArguments(["--Brokr:MaxConnections=5"]);
        Assert.Equal(["unknown option '--Brokr:MaxConnections'. Did you mean '--Broker:MaxConnections'?"], errors);
    }

    [Fact]
    public void An_option_nothing_resembles_is_refused_without_a_suggestion()
    {
        Assert.Equal(["unknown option '--xyz'."], s_checker.CheckArguments(["--xyz", "1"]));
    }

    [Theory]
    [InlineData("1884")]
    [InlineData("-p")]
    [InlineData("-x=5")]
    [InlineData("/prot")]
    [InlineData("--Transport:Tls")]
    [InlineData("--Redis:Endpoint")]
    public void Arguments_the_broker_would_ignore_or_cannot_use_are_refused(string argument)
    {
        IReadOnlyList<string> errors = s_checker.CheckArguments([argument]);
        Assert.Single(errors);
        Assert.StartsWith($"unknown option '{argument.Split('=')[0]}'", errors[0]);
    }

    [Fact]
    public void A_switch_without_its_value_is_refused()
    {
        Assert.Equal(["option '--port' needs a value."], s_checker.CheckArguments(["--port"]));
        Assert.Equal(["option '--port' needs a value."], s_checker.CheckArguments(["--port", "--bind", "127.0.0.1"]));
    }

    [Fact]
    public void Free_form_logging_settings_are_accepted()
    {
        string[] args = ["--Logging:LogLevel:Foo", "Debug", "--log-level", "Warning"];
        Assert.Empty(s_checker.CheckArguments(args));
        Assert.Empty(s_checker.CheckSources(CommandLineConfiguration(args)));
    }

    [Theory]
    [InlineData("--Transport:Tls:Port", "8883")]
    [InlineData("--transport:tls:port", "8883")]
    [InlineData("--Transport:WebSocket:Path", "/mqtt")]
    [InlineData("--Cluster:StableAfter", "00:00:05")]
    [InlineData("--Host:CompactHeapAfterConnectionBursts", "false")]
    [InlineData("--PORT", "1884")]
    [InlineData("/port", "1884")]
    [InlineData("/Broker:MaxConnections", "5")]
    [InlineData("--tls-certificate", "/etc/broker/server.pfx")]
    [InlineData("--Broker:ServerKeepAlive", "-1")]
    public void Switches_and_settings_are_accepted_in_any_case_with_dashes_or_a_slash(string option, string value)
    {
        Assert.Empty(s_checker.CheckArguments([option, value]));
        Assert.Empty(s_checker.CheckArguments([option + "=" + value]));
    }

    [Fact]
    public void A_bare_section_key_with_a_value_is_accepted_as_the_command_line_provider_reads_it()
    {
        string[] args = ["Broker:MaxConnections=5"];
        Assert.Empty(s_checker.CheckArguments(args));
        Assert.Equal("5", CommandLineConfiguration(args)["Broker:MaxConnections"]);
    }

    [Fact]
    public void Every_accepted_form_sets_the_setting_it_names_in_the_configuration()
    {
        string[] args = ["--port", "1884", "/bind=127.0.0.1", "--Transport:Tls:Port=8883", "/Broker:MaxConnections", "5", "--seed-nodes=", "-h"];
        Assert.Empty(s_checker.CheckArguments(args));
        IConfigurationRoot configuration = CommandLineConfiguration(args);
        Assert.Empty(s_checker.CheckSources(configuration));
        Assert.Equal("1884", configuration["Transport:Port"]);
        Assert.Equal("127.0.0.1", configuration["Transport:BindAddress"]);
        Assert.Equal("8883", configuration["Transport:Tls:Port"]);
        Assert.Equal("5", configuration["Broker:MaxConnections"]);
        Assert.Equal("", configuration["Cluster:SeedNodes"]);
    }

    [Fact]
    public void Every_switch_sets_a_setting_the_broker_has()
    {
        foreach ((string option, string key) in HostConfiguration.Switches)
            Assert.True(s_checker.Keys.TakesValue(key), $"{option} sets {key}, which is no setting of {string.Join(", ", HostConfiguration.Sections.Select(s => s.Name))}");
    }

    [Fact]
    public void Settings_are_found_in_nested_option_objects()
    {
        Assert.Contains("Transport:Tls:Port", s_checker.Keys.Settings);
        Assert.Contains("Transport:WebSocket:Path", s_checker.Keys.Settings);
        Assert.Contains("Broker:MaxConnections", s_checker.Keys.Settings);
        Assert.Contains("Cluster:SeedNodes", s_checker.Keys.Settings);
        Assert.Contains("Host:CompactHeapAfterConnectionBursts", s_checker.Keys.Settings);
        Assert.DoesNotContain("Transport:Tls", s_checker.Keys.Settings);
    }

    [Fact]
    public void A_new_section_and_new_options_are_accepted_without_listing_their_keys()
    {
        var checker = new OptionsChecker(HostConfiguration.Switches, [("Redis", typeof(ExampleOptions))], HostConfiguration.EnvironmentPrefix);
        Assert.Empty(checker.CheckArguments(["--Redis:Endpoint", "localhost:6379", "--Redis:Replicas:0", "a", "--Redis:Pool:Size", "4"]));
        Assert.Equal(["unknown option '--Redis:Endpont'. Did you mean '--Redis:Endpoint'?"], checker.CheckArguments(["--Redis:Endpont", "x"]));
    }

    [Fact]
    public void An_unknown_environment_variable_under_the_broker_section_is_refused_naming_the_variable()
    {
        // A prefix of this test's own: a variable under the real ClusterBroker__Broker__ would reach the broker
        // processes other tests start meanwhile. Under the real prefix this one is "<id>:Broker:...", a foreign section.
        string prefix = $"ClusterBroker__T{Guid.NewGuid():N}__";
        string variable = prefix + "Broker__MaxConectionz";
        Environment.SetEnvironmentVariable(variable, "5");
        try
        {
            var checker = new OptionsChecker(HostConfiguration.Switches, HostConfiguration.Sections, prefix);
            IConfigurationRoot configuration = new ConfigurationBuilder().AddEnvironmentVariables(prefix).Build();
            Assert.Equal(
                [$"unknown setting 'Broker:MaxConectionz' (environment variable {variable}). Did you mean '{prefix}Broker__MaxConnections'?"],
                checker.CheckSources(configuration));
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public void Unknown_keys_in_appsettings_are_refused_and_other_sections_left_alone()
    {
        string directory = Directory.CreateTempSubdirectory("options-checker-").FullName;
        try
        {
            string file = Path.Combine(directory, "appsettings.json");
            File.WriteAllText(file, """
                {
                  "Logging": { "LogLevel": { "Default": "Information", "My.Category": "Debug" } },
                  "Transport": { "Port": 1883, "Tls": {}, "WebSocket": { "Prot": 8083 } },
                  "broker": { "maxconnections": 5 },
                  "Cluster": { "SeedNodes": [ "a:1" ] },
                  "SomeoneElse": { "Anything": 1 }
                }
                """);
            IConfigurationRoot configuration = new ConfigurationBuilder().AddJsonFile(file).Build();
            Assert.Equal(
                [
                    "unknown setting 'Cluster:SeedNodes:0' (appsettings.json). Did you mean 'Cluster:SeedNodes'?",
                    "unknown setting 'Transport:WebSocket:Prot' (appsettings.json). Did you mean 'Transport:WebSocket:Port'?",
                ],
                s_checker.CheckSources(configuration));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static IConfigurationRoot CommandLineConfiguration(string[] args) =>
        new ConfigurationBuilder().AddCommandLine(args, new Dictionary<string, string>(HostConfiguration.Switches, StringComparer.OrdinalIgnoreCase)).Build();

    private sealed class ExampleOptions
    {
        public string Endpoint { get; set; } = "";

        public List<string> Replicas { get; set; } = [];

        public PoolOptions Pool { get; set; } = new();
    }

    private sealed class PoolOptions
    {
        public int Size { get; set; }
    }
}
