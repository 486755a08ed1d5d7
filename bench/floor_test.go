package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/localstack/checkout"
)

func TestClientsAreDerivedFromTheFunctionsCode(t *testing.T) {
	root, err := checkout.Root()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		fn   contract.Function
		want []string
	}{
		// setup's DynamoDB, KMS and SES v2; consumer.New's DynamoDB (the
		// idempotency store's) and SQS.
		{contract.Notification, []string{"dynamodb", "dynamodb", "kms", "sesv2", "sqs"}},
		{contract.Relay, []string{"eventbridge"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.fn)+" constructs what its setup and the packages it calls construct", func(t *testing.T) {
			got, err := clientsOf(root, tt.fn.Source())
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("clients of %s = %v, want %v", tt.fn, got, tt.want)
			}
		})
	}
}

func TestFloorsAreCurrent(t *testing.T) {
	root, err := checkout.Root()
	if err != nil {
		t.Fatal(err)
	}
	_, sources, err := floors(root)
	if err != nil {
		t.Fatal(err)
	}
	for fn, want := range sources {
		got, err := os.ReadFile(filepath.Join(root, floorDir(fn), "main.go"))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is not the floor of %s as its code stands (run make bench, or go run ./bench -floors): %v", floorDir(fn), fn, err)
		}
	}
}
