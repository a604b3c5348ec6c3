using ClusterBroker.Host;
using ClusterBroker.Host.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging;

// Before anything opens a socket: the runtime reads this once.
SocketCompletionMode.UseInlineCompletionsUnlessConfigured();

// "passwd --redis ..." / "acl --redis ...": manage the cluster's users and ACL in Redis, then exit.
if (args.Length > 0 && args[0] is "passwd" or "acl" && args.Contains("--redis"))
    return await RedisSecurityCommand.RunAsync(args[0], args[1..]);

// "passwd FILE USER ...": manage a password file, then exit without starting a broker.
if (args.Length > 0 && args[0] == "passwd")
    return PasswdCommand.Run(args[1..]);

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(HostConfiguration.Usage);
    return 0;
}

// Unknown options and settings stop the start (OptionsChecker says why), before anything binds or listens.
if (OptionsChecker.Default.CheckArguments(args) is { Count: > 0 } argumentErrors)
    return Refuse(argumentErrors);

HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory,
});
HostConfiguration.AddSources(builder.Configuration, args);
if (OptionsChecker.Default.CheckSources(builder.Configuration) is { Count: > 0 } settingErrors)
    return Refuse(settingErrors);

BrokerHostSettings settings;
try
{
    settings = HostConfiguration.Bind(builder.Configuration);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine("ClusterBroker: invalid configuration:");
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine();
    Console.Error.WriteLine(HostConfiguration.Usage);
    return 2;
}

builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
if (HostConfiguration.JsonLogs(builder.Configuration))
{
    // One JSON object per line (timestamp, level, category, message, and the structured values of the message).
    builder.Logging.AddJsonConsole(o =>
    {
        o.UseUtcTimestamp = true;
        o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
        o.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
    });
}
else
{
    builder.Logging.AddSimpleConsole(o =>
    {
        o.SingleLine = true;
        o.UseUtcTimestamp = true;
        o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
    });
}
builder.Services.AddSingleton(settings);
builder.Services.AddHostedService<BrokerHostedService>();
builder.Services.AddSingleton<IHostLifetime, ConsoleLifetime>();
builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
// A stop drains (spread over Drain:Period), then leaves the cluster (bounded at about 40 s by BrokerNode.StopAsync).
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = settings.Drain.Period + TimeSpan.FromSeconds(45));

using IHost host = builder.Build();
ILogger logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ClusterBroker.Host");
try
{
    await host.RunAsync();
    return Environment.ExitCode; // 0, or 1 when the cluster removed this node (BrokerHostedService)
}
catch (Exception ex)
{
    logger.LogCritical("ClusterBroker failed: {Message}", ex.Message);
    return 1;
}

static int Refuse(IReadOnlyList<string> errors)
{
    foreach (string error in errors)
        Console.Error.WriteLine("ClusterBroker: " + error);
    Console.Error.WriteLine();
    Console.Error.WriteLine(HostConfiguration.Usage);
    return 2;
}
