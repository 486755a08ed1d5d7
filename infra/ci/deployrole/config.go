package deployrole

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/aws/constructs-go/constructs/v10"

	"github.com/eventshop/eventshop/infra/ci/workflow"
)

// Config is what differs between installations: each value is a CDK
// context key (-c key=value), which make ci-role sets.
type Config struct {
	// Repo is the GitHub repository, owner/name, whose deploy job may
	// assume the role, spelled as GitHub spells it: the trust policy
	// compares the token's sub claim exactly. Context "githubRepo".
	Repo string
	// ProviderARN, if set, is the account's existing IAM OIDC provider for
	// GitHub Actions, which the stack then uses instead of declaring one:
	// an account holds at most one provider per URL. Context
	// "oidcProviderArn".
	ProviderARN string
}

// ConfigFrom reads the configuration of a CDK app node.
func ConfigFrom(node constructs.Node) Config {
	get := func(key string) string {
		v, _ := node.TryGetContext(&key).(string)
		return v
	}
	return Config{Repo: get("githubRepo"), ProviderARN: get("oidcProviderArn")}
}

var (
	// repoName is a GitHub owner (39 characters at most) and repository
	// name, with none of the wildcards a trust policy would honour.
	repoName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$`)
	// providerARN is the ARN of GitHub's OIDC provider in some account.
	providerARN = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/` + regexp.QuoteMeta(workflow.Issuer) + `$`)
)

// Validate reports every setting that cannot make a working stack, each
// with the context key and the make variable that set it.
func (c Config) Validate() error {
	var errs []error
	if !repoName.MatchString(c.Repo) {
		errs = append(errs, fmt.Errorf("githubRepo %q (make ci-role GITHUB_REPO=owner/name, or -c githubRepo): want the repository as owner/name, e.g. octo-org/eventshop", c.Repo))
	}
	if c.ProviderARN != "" && !providerARN.MatchString(c.ProviderARN) {
		errs = append(errs, fmt.Errorf("oidcProviderArn %q (OIDC_PROVIDER_ARN or -c oidcProviderArn): want arn:aws:iam::<account>:oidc-provider/%s", c.ProviderARN, workflow.Issuer))
	}
	return errors.Join(errs...)
}
