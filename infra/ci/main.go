// Command ci is the CDK app of eventshop-ci, the stack that lets GitHub
// Actions deploy eventshop: GitHub's OIDC provider and the deploy role
// (package deployrole). make ci-role GITHUB_REPO=owner/name deploys it.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/eventshop/eventshop/infra/ci/deployrole"
)

func main() {
	os.Exit(run())
}

// run synthesizes the app, or explains which setting stops it. It returns
// the exit code, so that jsii closes before the process exits.
func run() int {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	cfg := deployrole.ConfigFrom(app.Node())
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(os.Stderr, "eventshop-ci: the configuration cannot make a stack:\n%v\n", err)
		return 2
	}
	deployrole.New(app, deployrole.StackName, &deployrole.Props{
		StackProps: awscdk.StackProps{Description: jsii.String("eventshop CI: GitHub Actions' OIDC provider and the role " + cfg.Repo + " deploys with")},
		Config:     cfg,
	})
	app.Synth(nil)
	return 0
}
