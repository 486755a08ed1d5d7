// Package lambdahost runs Lambda functions on this machine the way the
// Lambda service would: each function's bootstrap, built for the host,
// connects to the emulator's Runtime API with the function's environment
// from the template. Each instance handles one invocation at a time; a
// function runs several instances for concurrency, and one that exits is
// started again.
//
// Instances reach the emulator's Runtime API through their host, which so
// knows which invocation each is handling. When an instance dies with an
// invocation, the host reports it failed at once (Runtime.ExitError), as
// Lambda does, where the emulator alone would wait out the function's
// timeout. Nor does the host abandon a request for an invocation that it
// has made to the emulator when the instance that asked dies, for the
// emulator may be handing one over that moment: the instance started in
// its place takes the request over, and an invocation that arrives
// meanwhile starts it at once and goes to it (or fails with its exit, if
// it dies as it starts). The same knowledge lets fault-injection tests
// crash an instance mid-invocation for certain (CrashNext), count the
// invocations cut short (Interrupted), and change a function's environment
// between invocations (SetEnv).
package lambdahost
