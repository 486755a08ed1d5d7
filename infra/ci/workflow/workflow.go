// Package workflow names what eventshop's GitHub Actions workflows and the
// role they deploy with must agree on, so that the deploy role's trust
// policy (package deployrole) and .github/workflows/ci.yml cannot drift
// apart unnoticed. Its tests check the workflows: actionlint, actions
// pinned by commit, and the deploy job's environment and role variable.
package workflow

// Dir is where GitHub reads workflows from, relative to the repository's
// root.
const Dir = ".github/workflows"

// Environment is the GitHub environment of the deploy job. The deploy role
// trusts only tokens issued to a job of this environment, so a branch or a
// pull request's job cannot assume it, and the environment's protection
// rules (required reviewers, branches) guard every deploy.
const Environment = "production"

// Issuer is the host of GitHub Actions' OIDC token issuer: the URL of the
// IAM OIDC provider is https:// and it, and the trust policy's condition
// keys start with it.
const Issuer = "token.actions.githubusercontent.com"

// Audience is the aud claim the deploy job's token carries: the default of
// aws-actions/configure-aws-credentials.
const Audience = "sts.amazonaws.com"

// RoleVariable is the repository variable that holds the deploy role's
// ARN. Without it the deploy job is skipped.
const RoleVariable = "AWS_DEPLOY_ROLE_ARN"

// Subject is the sub claim of a token GitHub issues to a job of the deploy
// environment in repo (owner/name).
func Subject(repo string) string { return "repo:" + repo + ":environment:" + Environment }
