using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.Configuration.EnvironmentVariables;

namespace ClusterBroker.Host;

/// <summary>
/// Refuses options and settings this broker does not know. The configuration system ignores what it does
/// not recognise: "--prot 1884" used to start a broker on 1883 without a word, and a setting of a newer
/// version (or a misspelt one) was dropped, which in a cluster means a node that silently forms a cluster
/// of its own. Here every command-line argument must be a switch of <see cref="HostConfiguration.Switches"/>,
/// --help/-h, or a "Section:Key" naming a setting (<see cref="SettingKeys"/>); and every key under a checked
/// section of <see cref="HostConfiguration.Sections"/>, from any source, must name a setting. Each error
/// names the closest valid option, so the fix is obvious.
/// </summary>
internal sealed class OptionsChecker
{
    private readonly IReadOnlyDictionary<string, string> _switches;
    private readonly SettingKeys _keys;
    private readonly string _environmentPrefix;

    public OptionsChecker(IReadOnlyDictionary<string, string> switches, IEnumerable<(string Name, Type? Options)> sections, string environmentPrefix)
    {
        _switches = switches;
        _keys = new SettingKeys(sections);
        _environmentPrefix = environmentPrefix;
    }

    /// <summary>The checker of this executable's switches and sections.</summary>
    public static OptionsChecker Default { get; } = new(HostConfiguration.Switches, HostConfiguration.Sections, HostConfiguration.EnvironmentPrefix);

    public SettingKeys Keys => _keys;

    /// <summary>
    /// Every problem of the command line, one sentence each; empty when all arguments are valid. Reads the
    /// arguments as Microsoft.Extensions.Configuration.CommandLine does: "--key value", "--key=value",
    /// "/key value", "/key=value" and "key=value", where key is a switch or a "Section:Key" path; a
    /// single "-" is only valid for a switch. One difference: a value may not start with "--" (write
    /// "--key=--value" for that), so that "--port --bind ..." is a missing value, not a port named "--bind".
    /// </summary>
    public IReadOnlyList<string> CheckArguments(IReadOnlyList<string> args)
    {
        var errors = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg is "--help" or "-h")
                continue;
            int separator = arg.IndexOf('=', StringComparison.Ordinal);
            string name = separator < 0 ? arg : arg[..separator];
            bool isOption = name.StartsWith('-') || name.StartsWith('/');
            string? key = KeyOf(name, hasInlineValue: separator >= 0);
            bool known = key is not null && _keys.TakesValue(key);
            if (!known)
                errors.Add(UnknownOption(name));
            if (separator >= 0 || !isOption)
                continue;
            if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                i++;
            else if (known)
                errors.Add($"option '{name}' needs a value.");
        }
        return errors;
    }

    /// <summary>
    /// Every key under a checked section that names no setting, from every source (appsettings.json,
    /// environment variables, command line), one sentence each naming its source; empty when all are valid.
    /// Sections not in the table belong to someone else and are not looked at.
    /// </summary>
    public IReadOnlyList<string> CheckSources(IConfigurationRoot configuration)
    {
        var errors = new List<string>();
        foreach (IConfigurationProvider provider in configuration.Providers)
        {
            foreach (string section in ChildKeys(provider, null))
            {
                if (_keys.Classify(section) is not (SettingKeys.KeyKind.Foreign or SettingKeys.KeyKind.FreeForm))
                    CheckKeysBelow(provider, section, errors);
            }
        }
        return errors;
    }

    /// <summary>The setting a command-line name sets, as the command-line provider maps it; null when the provider would not read it as a key.</summary>
    private string? KeyOf(string name, bool hasInlineValue)
    {
        if (name.StartsWith("--", StringComparison.Ordinal))
            return _switches.TryGetValue(name, out string? mapped) ? mapped : name[2..];
        if (name.StartsWith('-'))
            return _switches.TryGetValue(name, out string? mapped) ? mapped : null;
        if (name.StartsWith('/'))
            return _switches.TryGetValue("--" + name[1..], out string? mapped) ? mapped : name[1..];
        return hasInlineValue ? name : null;
    }

    private string UnknownOption(string name)
    {
        string typed = name.TrimStart('-', '/');
        IEnumerable<string> candidates = _switches.Keys.Select(s => s[2..]).Concat(_keys.Settings);
        string? closest = EditDistance.Closest(typed, candidates);
        return closest is null
            ? $"unknown option '{name}'."
            : $"unknown option '{name}'. Did you mean '--{closest}'?";
    }

    private void CheckKeysBelow(IConfigurationProvider provider, string path, List<string> errors)
    {
        List<string> children = ChildKeys(provider, path);
        if (children.Count == 0)
        {
            if (_keys.Classify(path) == SettingKeys.KeyKind.Unknown)
                errors.Add(UnknownSetting(provider, path));
            return;
        }
        if (_keys.Classify(path) == SettingKeys.KeyKind.Collection)
            return;
        foreach (string child in children)
            CheckKeysBelow(provider, path + ":" + child, errors);
    }

    private string UnknownSetting(IConfigurationProvider provider, string key)
    {
        string? closest = EditDistance.Closest(key, _keys.Settings);
        if (provider is EnvironmentVariablesConfigurationProvider)
        {
            string suggestion = closest is null ? "" : $" Did you mean '{EnvironmentName(closest)}'?";
            return $"unknown setting '{key}' (environment variable {EnvironmentName(key)}).{suggestion}";
        }
        string source = provider switch
        {
            CommandLineConfigurationProvider => "command line",
            FileConfigurationProvider file => file.Source.Path ?? file.ToString(),
            _ => provider.ToString() ?? provider.GetType().Name,
        };
        return closest is null
            ? $"unknown setting '{key}' ({source})."
            : $"unknown setting '{key}' ({source}). Did you mean '{closest}'?";
    }

    private string EnvironmentName(string key) => _environmentPrefix + key.Replace(":", "__", StringComparison.Ordinal);

    private static List<string> ChildKeys(IConfigurationProvider provider, string? parentPath) =>
        provider.GetChildKeys([], parentPath).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
}
