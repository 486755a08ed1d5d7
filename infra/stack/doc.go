// Package stack declares eventshop's one AWS CDK stack: the event bus, the
// event store and users tables, the functions, their queues and the HTTP
// API. Who consumes which events is declared once, in the deployment
// contract's topology (package contract); the stack derives every rule,
// queue, dead-letter queue and event source mapping from it. What differs
// between deployments is a Config (config.go), read from the environment
// and the CDK context and checked before the stack is declared.
//
// It names no AWS SDK client and imports none of the functions' code: a
// function is an asset directory holding its bootstrap, built by the
// Makefile, and the environment variables the contract gives it.
package stack
