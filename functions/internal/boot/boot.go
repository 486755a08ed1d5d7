package boot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/eventshop/eventshop/awsclient/awsconfig"
	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/functions/internal/logging"
)

// Setup is what a function builds its handler from.
type Setup struct {
	Function contract.Function
	Env      Env
	AWS      aws.Config
	Log      *slog.Logger
}

// Build makes a function's handler from its setup: a handler that
// lambda.Start takes. It makes no network call, so that a cold start stays
// short; an error stops the function before it takes any invocation.
type Build func(ctx context.Context, s Setup) (handler any, err error)

// Run is a function's main. It builds fn's handler with build and starts
// Lambda with it; if the environment is wrong or the build fails, it logs
// why and exits with status 1. It does not return.
func Run(fn contract.Function, build Build) {
	log := logging.New(fn.Service())
	handler, err := Start(context.Background(), fn, os.Getenv, log, build)
	if err != nil {
		log.Error("cannot start", "error", err)
		os.Exit(1)
	}
	lambda.Start(handler)
}

// Start is Run up to lambda.Start: it reads and checks fn's environment
// through getenv, loads the AWS configuration and builds the handler. A
// function's tests call it to prove that it starts from the environment
// its contract declares, and reads nothing else.
func Start(ctx context.Context, fn contract.Function, getenv func(string) string, log *slog.Logger, build Build) (handler any, err error) {
	env, err := ReadEnv(fn, getenv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := awsconfig.Load(ctx, log)
	if err != nil {
		return nil, err
	}
	defer func() {
		// Env.Get panics on a variable the contract does not give fn.
		if p := recover(); p != nil {
			handler, err = nil, fmt.Errorf("%s: %v", fn, p)
		}
	}()
	return build(ctx, Setup{Function: fn, Env: env, AWS: awsCfg, Log: log})
}

// Env is a function's environment, read once at start and checked.
type Env struct {
	fn     contract.Function
	values map[contract.Var]string
}

// ReadEnv reads the variables the contract gives fn, through getenv, and
// checks each; the error names every one that is missing or malformed.
func ReadEnv(fn contract.Function, getenv func(string) string) (Env, error) {
	e := Env{fn: fn, values: map[contract.Var]string{}}
	var errs []error
	for _, v := range fn.Env() {
		value := getenv(string(v))
		if err := v.Check(value); err != nil {
			errs = append(errs, err)
		}
		e.values[v] = value
	}
	return e, errors.Join(errs...)
}

// Get returns the value of v, which must be one of the function's
// variables in the contract: reading another is a mistake in the code,
// and panics, so that what the stack is checked to set is all a function
// reads.
func (e Env) Get(v contract.Var) string {
	if !slices.Contains(e.fn.Env(), v) {
		panic(fmt.Sprintf("reads %s, which the contract does not give it", v))
	}
	return e.values[v]
}

// Int returns the value of a numeric variable, which ReadEnv has checked.
func (e Env) Int(v contract.Var) int {
	n, _ := strconv.Atoi(e.Get(v))
	return n
}
