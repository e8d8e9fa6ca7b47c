// NetGen's benchmark runner: `dotnet run -c Release --project benchmarks/NetGen.Benchmarks -- <command> [options]`.
// `--help` lists the commands, `<command> --help` their options. Bad arguments print one line and exit with code 2.
using NetGen.Benchmarks.Cli;

return BenchmarkApp.Run(args);
