using BenchmarkDotNet.Running;

namespace ClusterBroker.Benchmarks;

/// <summary>Runs the micro-benchmarks: <c>dotnet run -c Release --project loadtests/ClusterBroker.Benchmarks -- --filter '*'</c>.</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
