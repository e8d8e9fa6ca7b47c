using System;
using System.Linq;
using BenchmarkDotNet.Running;
using NetGen.Benchmarks.Monitoring;

// dotnet run -c Release --project benchmarks/NetGen.Benchmarks -- --filter '*Monitoring*' --job short
// dotnet run -c Release --project benchmarks/NetGen.Benchmarks -- memory-soak [steps] [network] [reclaim budget] [history]
// dotnet run -c Release --project benchmarks/NetGen.Benchmarks -- monitor-overhead [SimpleNet|DeepNet|both] [rounds]
if (args.FirstOrDefault() == MemorySoak.Command)
{
    return MemorySoak.Run(args.Skip(1).ToArray());
}

if (args.FirstOrDefault() == MonitoringOverhead.Command)
{
    return MonitoringOverhead.Run(args.Skip(1).ToArray());
}

BenchmarkSwitcher.FromAssembly(typeof(MonitoringBenchmarks).Assembly).Run(args);
return 0;
