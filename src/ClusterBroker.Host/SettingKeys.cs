using System.Collections;
using System.ComponentModel;
using System.Reflection;

namespace ClusterBroker.Host;

/// <summary>
/// Every configuration key the broker reads, derived by reflection from the option classes of
/// <see cref="HostConfiguration.Sections"/>: each public instance property with a public setter is a
/// setting "Section:Property"; a property whose type is itself an option object (a class that is not a
/// string, collection or convertible from a string) adds its own properties beneath it
/// ("Transport:Tls:Port"). An option added to a class is therefore a valid key without editing a list.
/// Keys compare without regard to case, as the configuration system compares them.
/// </summary>
internal sealed class SettingKeys
{
    private readonly Dictionary<string, KeyKind> _kinds = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _settings = [];

    public SettingKeys(IEnumerable<(string Name, Type? Options)> sections)
    {
        foreach ((string name, Type? options) in sections)
        {
            if (options is null)
            {
                _kinds[name] = KeyKind.FreeForm;
                continue;
            }
            _kinds[name] = KeyKind.Object;
            AddProperties(name, options, [options]);
        }
    }

    /// <summary>What a key can name.</summary>
    public enum KeyKind
    {
        /// <summary>Not under any section of the table: someone else's key, not checked here.</summary>
        Foreign,

        /// <summary>Under a checked section but naming no setting: a typo or an option this version lacks.</summary>
        Unknown,

        /// <summary>A setting that takes a value (or an element of a collection setting).</summary>
        Setting,

        /// <summary>A section or option object: holds settings, takes no value of its own.</summary>
        Object,

        /// <summary>A setting holding a collection: any key beneath it is an element.</summary>
        Collection,

        /// <summary>Under a section whose keys are free-form (Logging), so accepted as they are.</summary>
        FreeForm,
    }

    /// <summary>Every setting as "Section:Key" in its declared spelling, in declaration order: the suggestions.</summary>
    public IReadOnlyList<string> Settings => _settings;

    public KeyKind Classify(string key)
    {
        string section = key.Split(':', 2)[0];
        if (!_kinds.TryGetValue(section, out KeyKind sectionKind))
            return KeyKind.Foreign;
        if (sectionKind == KeyKind.FreeForm)
            return KeyKind.FreeForm;
        if (_kinds.TryGetValue(key, out KeyKind kind))
            return kind;
        for (int colon = key.LastIndexOf(':'); colon > 0; colon = key.LastIndexOf(':', colon - 1))
        {
            if (_kinds.TryGetValue(key[..colon], out KeyKind ancestor) && ancestor == KeyKind.Collection)
                return KeyKind.Setting;
        }
        return KeyKind.Unknown;
    }

    /// <summary>True when the key can be given a value: a setting, an element of a collection, or a free-form key.</summary>
    public bool TakesValue(string key) => Classify(key) is KeyKind.Setting or KeyKind.Collection or KeyKind.FreeForm;

    private void AddProperties(string path, Type type, HashSet<Type> enclosing)
    {
        foreach (PropertyInfo property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.SetMethod is not { IsPublic: true } || property.GetIndexParameters().Length > 0)
                continue;
            string key = path + ":" + property.Name;
            Type propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (IsScalar(propertyType))
            {
                _kinds[key] = KeyKind.Setting;
                _settings.Add(key);
            }
            else if (typeof(IEnumerable).IsAssignableFrom(propertyType))
            {
                _kinds[key] = KeyKind.Collection;
                _settings.Add(key);
            }
            else if (enclosing.Add(propertyType))
            {
                _kinds[key] = KeyKind.Object;
                AddProperties(key, propertyType, enclosing);
                enclosing.Remove(propertyType);
            }
        }
    }

    /// <summary>Bound from one string: numbers, bool, enums, TimeSpan, string, and classes such as Uri that convert from a string.</summary>
    private static bool IsScalar(Type type) =>
        type.IsValueType || type == typeof(string) || TypeDescriptor.GetConverter(type).CanConvertFrom(typeof(string));
}
