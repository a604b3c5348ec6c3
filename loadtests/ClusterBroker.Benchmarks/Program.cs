using BenchmarkDotNet.Running;

namespace ClusterBroker.Benchmarks;

/// <summary>
/// Runs the micro-benchmarks: <c>dotnet run -c Release --project loadtests/ClusterBroker.Benchmarks -- --filter '*'</c>;
/// <c>-- route-table</c> runs the cluster route table measurement instead (<see cref="RouteTableMeasurement"/>).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "route-table")
        {
            return RouteTableMeasurement.Run(args[1..]);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
