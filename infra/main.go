package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	cfg := ConfigFrom(app.Node())
	NewStack(app, cfg.StackName(), &StackProps{
		StackProps: awscdk.StackProps{Description: jsii.String("eventshop, stage " + cfg.Stage)},
		Config:     cfg,
	})
	app.Synth(nil)
}
