package emulator

import (
	"bytes"
	"fmt"
)

// services are the kumo services the local stack uses, and the only ones
// its kumo is built with: kumo's own command registers all ~90 and links
// an AWS SDK client of each for its CLI, which made building kumo cold
// take seven times as long. A call to a service left out fails with an
// unknown operation; to add one, name its package (its directory in
// kumo's internal/service) here.
//
// TestServicesAreThoseTheCheckoutCalls holds this list to the AWS SDK
// clients imported outside infra/: those of the functions, the runner's
// provisioner (which creates every resource of the template with one of
// them), the console, evctl, the bench and the tests. kumo's server links
// and registers s3 besides, whatever the list.
var services = []string{
	"apigatewayv2",
	"cloudwatch",
	"cloudwatchlogs",
	"dynamodb",
	"dynamodbstreams",
	"eventbridge",
	"iam",
	"kms",
	"lambda",
	"sesv2",
	"sns",
	"sqs",
}

// mainPackage is the import path of the command Build writes into kumo's
// copy, in place of kumo's cmd/kumo.
const mainPackage = "github.com/sivchari/kumo/cmd/eventshop-kumo"

// kumoMain is the source of mainPackage: kumo's server as cmd/kumo starts
// it, with the same --host and --port flags and KUMO_* variables, but only
// the services above and none of kumo's client subcommands.
func kumoMain() []byte {
	var imports bytes.Buffer
	for _, s := range services {
		fmt.Fprintf(&imports, "\t_ \"github.com/sivchari/kumo/internal/service/%s\"\n", s)
	}
	return fmt.Appendf(nil, `// Command eventshop-kumo is kumo's server with only the services that
// eventshop's local stack uses. Written by eventshop's localstack/emulator
// (services.go); do not edit.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/sivchari/kumo/internal/server"

%s)

func main() {
	host := flag.String("host", "", "Server host (overrides KUMO_HOST)")
	port := flag.Int("port", 0, "Server port (overrides KUMO_PORT)")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "unexpected arguments %%q: eventshop's kumo only serves\n", flag.Args())
		os.Exit(2)
	}

	cfg := server.DefaultConfig()
	if *host != "" {
		cfg.Host = *host
	}
	flag.Visit(func(f *flag.Flag) {
		if f.Name == "port" {
			cfg.Port = *port
		}
	})
	if err := server.New(cfg).Run(); err != nil {
		fmt.Fprintf(os.Stderr, "Error: server failed: %%v\n", err)
		os.Exit(1)
	}
}
`, imports.String())
}
