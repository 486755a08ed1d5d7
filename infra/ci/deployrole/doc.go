// Package deployrole declares eventshop-ci, the stack that lets a GitHub
// repository's Actions deploy eventshop without an AWS key: GitHub's OIDC
// provider in IAM, and a role that only the repository's jobs of the
// production environment may assume, with their OIDC token.
//
// The role may do one thing: assume the roles that cdk bootstrap created
// (cdk-hnb659fds-*), as the CDK CLI does to publish assets, look things up
// and hand the template to CloudFormation. Everything a deploy may change
// is therefore decided by the bootstrap (its CloudFormation execution
// policies), not here. That is the least-privilege pattern AWS documents
// for cdk deploy from CI.
//
// The names the role and .github/workflows/ci.yml must share (environment,
// issuer, audience) live in package workflow.
package deployrole
