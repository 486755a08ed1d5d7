// Package awsclient builds the AWS SDK clients the functions share, the same
// way in every function: configuration from the environment (so that
// AWS_ENDPOINT_URL points them at an emulator), the SDK's standard retryer,
// and the SDK's own log lines as structured logs.
package awsclient
