// Command infra is eventshop's AWS CDK app: it reads the configuration and
// synthesizes the one stack that package stack declares.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/eventshop/eventshop/infra/stack"
)

func main() {
	os.Exit(run())
}

// run synthesizes the app, or explains which setting stops it. It returns
// the exit code, so that jsii closes before the process exits.
func run() int {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	cfg, err := stack.ConfigFrom(app.Node())
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "eventshop: the configuration cannot make a stack:\n%v\n", err)
		return 2
	}
	stack.New(app, cfg.StackName(), &stack.Props{
		StackProps: awscdk.StackProps{Description: jsii.String("eventshop, stage " + cfg.Stage)},
		Config:     cfg,
	})
	app.Synth(nil)
	return 0
}
