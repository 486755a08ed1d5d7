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
// timeout. The same knowledge lets fault-injection tests crash an instance
// mid-invocation for certain (CrashNext), count the invocations cut short
// (Interrupted), and change a function's environment between invocations
// (SetEnv).
package lambdahost
