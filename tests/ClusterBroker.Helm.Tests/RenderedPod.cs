using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ClusterBroker.Helm.Tests;

/// <summary>
/// What the rendered StatefulSet gives pod N, worked out as the kubelet would: the container's arguments and
/// environment, with the ConfigMap of envFrom, Secrets of secretKeyRef, the downward API (metadata.name,
/// metadata.namespace, status.podIP) and $(VAR) references expanded. Then, to run it on this machine, every pod's
/// DNS name becomes that pod's loopback address (127.0.0.N+1), and 0.0.0.0 (all of the pod's own addresses, in its own
/// network namespace) becomes its own loopback address. Nothing else is changed.
/// </summary>
internal sealed partial class RenderedPod
{
    private RenderedPod(int ordinal, string address, List<string> args, Dictionary<string, string> environment)
    {
        Ordinal = ordinal;
        Address = address;
        Args = args;
        Environment = environment;
    }

    public int Ordinal { get; }

    /// <summary>The loopback address standing for this pod's IP and DNS name.</summary>
    public string Address { get; }

    public IReadOnlyList<string> Args { get; }

    public IReadOnlyDictionary<string, string> Environment { get; }

    public static string LoopbackAddress(int ordinal) => $"127.0.0.{ordinal + 1}";

    public static List<RenderedPod> All(Rendered rendered)
    {
        int replicas = rendered.BrokerStatefulSet.GetProperty("spec").GetProperty("replicas").GetInt32();
        return Enumerable.Range(0, replicas).Select(i => For(rendered, i, replicas)).ToList();
    }

    private static RenderedPod For(Rendered rendered, int ordinal, int replicas)
    {
        string podName = $"{Chart.FullName}-{ordinal}";
        string address = LoopbackAddress(ordinal);
        JsonElement container = rendered.BrokerContainer;
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);

        // envFrom first, then env in order: a $(VAR) reference sees the variables defined before it.
        if (container.TryGetProperty("envFrom", out JsonElement envFrom))
        {
            foreach (JsonElement source in envFrom.EnumerateArray())
            {
                string name = source.GetProperty("configMapRef").GetProperty("name").GetString()!;
                foreach (JsonProperty entry in rendered.Single("ConfigMap", name).GetProperty("data").EnumerateObject())
                    environment[entry.Name] = entry.Value.GetString()!;
            }
        }
        foreach (JsonElement variable in container.GetProperty("env").EnumerateArray())
        {
            string name = variable.GetProperty("name").GetString()!;
            if (variable.TryGetProperty("value", out JsonElement value))
            {
                environment[name] = Expand(value.GetString()!, environment);
                continue;
            }
            JsonElement from = variable.GetProperty("valueFrom");
            if (from.TryGetProperty("fieldRef", out JsonElement field))
            {
                environment[name] = field.GetProperty("fieldPath").GetString() switch
                {
                    "metadata.name" => podName,
                    "metadata.namespace" => Chart.Namespace,
                    "status.podIP" => address,
                    var other => throw new NotSupportedException("fieldRef " + other),
                };
            }
            else if (from.TryGetProperty("secretKeyRef", out JsonElement secretRef))
            {
                string secretName = secretRef.GetProperty("name").GetString()!;
                string key = secretRef.GetProperty("key").GetString()!;
                JsonElement? secret = rendered.OfKind("Secret").Cast<JsonElement?>().FirstOrDefault(s => s!.Value.GetProperty("metadata").GetProperty("name").GetString() == secretName);
                if (secret is { } s && s.GetProperty("data").TryGetProperty(key, out JsonElement encoded))
                    environment[name] = Encoding.UTF8.GetString(Convert.FromBase64String(encoded.GetString()!));
                else if (!(secretRef.TryGetProperty("optional", out JsonElement optional) && optional.GetBoolean()))
                    throw new InvalidOperationException($"env {name}: Secret {secretName} key {key} is not rendered by the chart");
            }
            else
            {
                throw new NotSupportedException("env " + name + ": " + from);
            }
        }

        var args = container.GetProperty("args").EnumerateArray().Select(a => Expand(a.GetString()!, environment)).ToList();

        // The pods' DNS names and this pod's 0.0.0.0 become loopback addresses of this machine.
        var dns = Enumerable.Range(0, replicas)
            .Select(i => (Name: $"{Chart.FullName}-{i}.{Chart.FullName}-headless.{Chart.Namespace}.svc.cluster.local", Address: LoopbackAddress(i)))
            .ToList();
        string Map(string text)
        {
            foreach ((string name, string ip) in dns)
                text = text.Replace(name, ip, StringComparison.Ordinal);
            return text == "0.0.0.0" ? address : text;
        }
        args = args.Select(Map).ToList();
        foreach (string key in environment.Keys.ToList())
            environment[key] = Map(environment[key]);
        return new RenderedPod(ordinal, address, args, environment);
    }

    /// <summary>Kubernetes' $(VAR) expansion: defined variables are replaced, others left as written, $$ escapes.</summary>
    private static string Expand(string text, Dictionary<string, string> environment) =>
        Reference().Replace(text, m => m.Value.StartsWith("$$", StringComparison.Ordinal)
            ? m.Value[1..]
            : environment.TryGetValue(m.Groups[1].Value, out string? value) ? value : m.Value);

    [GeneratedRegex(@"\$?\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex Reference();
}
