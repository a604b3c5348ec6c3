using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace ClusterBroker.Helm.Tests;

/// <summary>
/// The chart helm/clusterbroker, rendered with the helm binary tests/install-chart-tools.sh installs (.tools/helm/helm,
/// or $HELM) and validated offline by tools/validate.mjs (kubernetes-models); documents come back as JSON.
/// </summary>
internal static class Chart
{
    public const string Release = "cb";
    public const string Namespace = "mqtt";
    public const string FullName = "cb-clusterbroker";

    public static string RepositoryRoot { get; } = FindRoot();

    public static string ChartDirectory => Path.Combine(RepositoryRoot, "helm", "clusterbroker");

    public static string HelmBinary
    {
        get
        {
            string? configured = Environment.GetEnvironmentVariable("HELM");
            string helm = !string.IsNullOrEmpty(configured) ? configured : Path.Combine(RepositoryRoot, ".tools", "helm", "helm");
            if (!File.Exists(helm))
                throw new FileNotFoundException($"helm not found at {helm}: run tests/install-chart-tools.sh (tests/run-tests.sh does).", helm);
            return helm;
        }
    }

    /// <summary>helm lint of the chart with the given --set values; returns (exit code, output).</summary>
    public static (int ExitCode, string Output) Lint(params string[] sets)
    {
        var args = new List<string> { "lint", ChartDirectory };
        foreach (string set in sets)
        {
            args.Add("--set");
            args.Add(set);
        }
        return Run(HelmBinary, args, stdin: null);
    }

    /// <summary>helm template with the given --set values; throws with helm's message when rendering fails.</summary>
    public static string Template(params string[] sets)
    {
        (int code, string output) = TryTemplate(sets);
        if (code != 0)
            throw new InvalidOperationException("helm template failed: " + output);
        return output;
    }

    public static (int ExitCode, string Output) TryTemplate(params string[] sets)
    {
        var args = new List<string> { "template", Release, ChartDirectory, "--namespace", Namespace };
        foreach (string set in sets)
        {
            args.Add("--set");
            args.Add(set);
        }
        return Run(HelmBinary, args, stdin: null, separateStderr: true);
    }

    /// <summary>Renders and validates; the documents as JSON and the schema errors found.</summary>
    public static Rendered Render(params string[] sets)
    {
        string yaml = Template(sets);
        string tools = Path.Combine(RepositoryRoot, "tests", "ClusterBroker.Helm.Tests", "tools");
        if (!Directory.Exists(Path.Combine(tools, "node_modules", "kubernetes-models")))
            throw new DirectoryNotFoundException($"{tools}/node_modules is missing: run tests/install-chart-tools.sh.");
        (int code, string json) = Run("node", [Path.Combine(tools, "validate.mjs")], yaml, separateStderr: true, workingDirectory: tools);
        if (code != 0)
            throw new InvalidOperationException("validate.mjs failed: " + json);
        using JsonDocument parsed = JsonDocument.Parse(json);
        var documents = parsed.RootElement.GetProperty("documents").EnumerateArray().Select(d => d.Clone()).ToList();
        var errors = parsed.RootElement.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToList();
        return new Rendered(yaml, documents, errors);
    }

    private static (int ExitCode, string Output) Run(string file, IEnumerable<string> args, string? stdin, bool separateStderr = false, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? RepositoryRoot,
        };
        foreach (string arg in args)
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within 60 s");
        }
        process.WaitForExit();
        string output = separateStderr && process.ExitCode == 0 ? stdout.Result : stdout.Result + stderr.Result;
        return (process.ExitCode, output);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ClusterBroker.sln")))
                return dir.FullName;
        }
        throw new DirectoryNotFoundException("ClusterBroker.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>A rendered chart: the YAML, each document as JSON, and the schema errors (empty when all are valid).</summary>
internal sealed record Rendered(string Yaml, IReadOnlyList<JsonElement> Documents, IReadOnlyList<string> SchemaErrors)
{
    public IEnumerable<JsonElement> OfKind(string kind) => Documents.Where(d => d.GetProperty("kind").GetString() == kind);

    public JsonElement Single(string kind, string name) =>
        Documents.Single(d => d.GetProperty("kind").GetString() == kind && d.GetProperty("metadata").GetProperty("name").GetString() == name);

    public JsonElement BrokerStatefulSet => Single("StatefulSet", Chart.FullName);

    public JsonElement BrokerContainer =>
        BrokerStatefulSet.GetProperty("spec").GetProperty("template").GetProperty("spec").GetProperty("containers")
            .EnumerateArray().Single(c => c.GetProperty("name").GetString() == "broker");

    public List<string> BrokerArgs => BrokerContainer.GetProperty("args").EnumerateArray().Select(a => a.GetString()!).ToList();

    /// <summary>The value following an option in the broker's arguments, or null.</summary>
    public string? Arg(string option)
    {
        List<string> args = BrokerArgs;
        int i = args.IndexOf(option);
        return i >= 0 && i + 1 < args.Count ? args[i + 1] : null;
    }

    public string SchemaErrorText => string.Join(Environment.NewLine, SchemaErrors);
}
