using ClusterBroker.LoadTests.Cli;
using ClusterBroker.LoadTests.Measurement;

FileLimit.RaiseSoftToHard();
return await CommandLineApp.Create().Parse(args).InvokeAsync();
