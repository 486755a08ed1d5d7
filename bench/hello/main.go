// Command hello is the baseline of make bench's cold-init measurement: the
// smallest aws-lambda-go function, built the same way as eventshop's.
package main

import "github.com/aws/aws-lambda-go/lambda"

func main() {
	lambda.Start(func() (string, error) { return "hello", nil })
}
