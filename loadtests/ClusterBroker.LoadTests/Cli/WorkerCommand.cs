using System.CommandLine;
using ClusterBroker.LoadTests.Workers;

namespace ClusterBroker.LoadTests.Cli;

/// <summary>`worker --plan ...`: started by the runner itself to hold a slice of a connect run.</summary>
public static class WorkerCommand
{
    public static Command Create()
    {
        var plan = new Option<string>(WorkerProtocol.PlanOption) { Required = true, Description = "Encoded swarm plan" };
        var command = new Command(WorkerProtocol.Command, "Internal: a worker process of the connect scenario") { plan };
        command.Hidden = true;
        command.SetAction(async (parse, _) => await WorkerMain.RunAsync(WorkerProtocol.DecodePlan(parse.GetValue(plan)!)));
        return command;
    }
}
