package deployrole

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

const (
	testRepo        = "octo-org/eventshop"
	testProviderARN = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
)

// Both variants of the stack are synthesized once for all tests: each
// synthesis costs seconds of jsii round trips.
var (
	// newStack declares its own OIDC provider.
	newStack *Stack
	newTpl   assertions.Template
	// reuseStack uses the account's existing provider, testProviderARN.
	reuseStack *Stack
	reuseTpl   assertions.Template
)

func TestMain(m *testing.M) {
	os.Setenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
	code := func() int {
		defer jsii.Close()
		app := awscdk.NewApp(nil)
		newStack = New(app, "eventshop-ci-new", &Props{Config: Config{Repo: testRepo}})
		reuseStack = New(app, "eventshop-ci-reuse", &Props{Config: Config{Repo: testRepo, ProviderARN: testProviderARN}})
		newTpl = assertions.Template_FromStack(newStack.Stack, nil)
		reuseTpl = assertions.Template_FromStack(reuseStack.Stack, nil)
		return m.Run()
	}()
	os.Exit(code)
}

// check turns a failed CDK assertion, which panics, into a test error.
func check(t *testing.T, assertion func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%v", r)
		}
	}()
	assertion()
}

func logicalID(s *Stack, c constructs.IConstruct) string {
	return *s.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
}

// trustPolicy is the exact trust policy the role must have, for a
// provider.
func trustPolicy(provider any) map[string]any {
	return map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Effect":    "Allow",
			"Action":    "sts:AssumeRoleWithWebIdentity",
			"Principal": map[string]any{"Federated": provider},
			"Condition": map[string]any{
				"StringEquals": map[string]any{
					"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
					"token.actions.githubusercontent.com:sub": "repo:octo-org/eventshop:environment:production",
				},
			},
		}},
	}
}

func TestOnlyTheRepositorysProductionEnvironmentMayAssumeTheRole(t *testing.T) {
	for _, tc := range []struct {
		name     string
		tpl      assertions.Template
		provider any
	}{
		{"with the provider the stack declares", newTpl, map[string]any{"Ref": logicalID(newStack, newStack.Provider)}},
		{"with the account's existing provider", reuseTpl, testProviderARN},
	} {
		t.Run(tc.name, func(t *testing.T) {
			check(t, func() {
				want := trustPolicy(tc.provider)
				tc.tpl.HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{
					"AssumeRolePolicyDocument": assertions.Match_ObjectEquals(&want),
				})
			})
		})
	}
}

func TestTheRoleMayOnlyAssumeTheCDKBootstrapRoles(t *testing.T) {
	bootstrapRoles := map[string]any{"Fn::Join": []any{"", []any{
		"arn:", map[string]any{"Ref": "AWS::Partition"}, ":iam::", map[string]any{"Ref": "AWS::AccountId"}, ":role/cdk-hnb659fds-*",
	}}}
	for name, tpl := range map[string]assertions.Template{"new": newTpl, "reuse": reuseTpl} {
		t.Run(name, func(t *testing.T) {
			check(t, func() {
				tpl.HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{
					"Policies": assertions.Match_Exact([]any{map[string]any{
						"PolicyName": "AssumeCDKBootstrapRoles",
						"PolicyDocument": map[string]any{
							"Version": "2012-10-17",
							"Statement": []any{map[string]any{
								"Effect":   "Allow",
								"Action":   "sts:AssumeRole",
								"Resource": bootstrapRoles,
							}},
						},
					}}),
					"ManagedPolicyArns":   assertions.Match_Absent(),
					"PermissionsBoundary": assertions.Match_Absent(),
				})
			})
			// Nothing else in the stack can grant the role, or anyone, a
			// permission: no policy resource, no user or group.
			for _, typ := range []string{"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::User", "AWS::IAM::Group", "AWS::IAM::RolePolicy"} {
				check(t, func() { tpl.ResourceCountIs(jsii.String(typ), jsii.Number(0)) })
			}
		})
	}
}

func TestTheStackHoldsTheProviderAndTheRoleOnly(t *testing.T) {
	for _, tc := range []struct {
		name string
		tpl  assertions.Template
		want []string
	}{
		{"a stack without a provider ARN declares the provider", newTpl, []string{"AWS::IAM::OIDCProvider", "AWS::IAM::Role"}},
		{"a stack given a provider ARN declares none", reuseTpl, []string{"AWS::IAM::Role"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := resourceTypes(t, tc.tpl); !slices.Equal(got, tc.want) {
				t.Errorf("resources %v, want %v", got, tc.want)
			}
		})
	}
}

func TestTheProviderTrustsGitHubsIssuerForSTS(t *testing.T) {
	check(t, func() {
		newTpl.HasResourceProperties(jsii.String("AWS::IAM::OIDCProvider"), assertions.Match_ObjectEquals(&map[string]any{
			"Url":          "https://token.actions.githubusercontent.com",
			"ClientIdList": []any{"sts.amazonaws.com"},
		}))
	})
}

func TestTheRoleARNIsAnOutput(t *testing.T) {
	check(t, func() {
		newTpl.HasOutput(jsii.String(RoleARNOutput), map[string]any{
			"Value": map[string]any{"Fn::GetAtt": []any{logicalID(newStack, newStack.Role), "Arn"}},
		})
	})
}

func TestTheStackNeedsNoCDKBootstrap(t *testing.T) {
	// make ci-role deploys with the caller's credentials: no bootstrap
	// version parameter or rule, no asset.
	for name, tpl := range map[string]assertions.Template{"new": newTpl, "reuse": reuseTpl} {
		t.Run(name, func(t *testing.T) {
			var doc map[string]any
			raw, err := json.Marshal(tpl.ToJSON())
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &doc); err != nil {
				t.Fatal(err)
			}
			for _, section := range []string{"Parameters", "Rules"} {
				if doc[section] != nil {
					t.Errorf("the template has %s: %v", section, doc[section])
				}
			}
		})
	}
}

func TestCdkNagFindsNoUnsuppressedError(t *testing.T) {
	for _, st := range []*Stack{newStack, reuseStack} {
		t.Run(*st.StackName(), func(t *testing.T) {
			packs := 0
			for _, a := range *awscdk.Aspects_Of(st.Stack).All() {
				if _, ok := a.(cdknag.NagPack); ok {
					packs++
				}
			}
			if packs != 1 {
				t.Errorf("%d cdk-nag rule packs on the stack, want AwsSolutions", packs)
			}
			annotations := assertions.Annotations_FromStack(st.Stack)
			for _, found := range []*[]*cxapi.SynthesisMessage{
				annotations.FindError(jsii.String("*"), assertions.Match_AnyValue()),
				annotations.FindWarning(jsii.String("*"), assertions.Match_AnyValue()),
			} {
				for _, m := range *found {
					t.Errorf("%s at %s: %v", m.Level, *m.Id, m.Entry.Data)
				}
			}
		})
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"a repository as owner/name is valid", Config{Repo: "octo-org/eventshop"}, true},
		{"a repository with dots and underscores in its name is valid", Config{Repo: "octo/event_shop.go"}, true},
		{"an existing provider's ARN is valid", Config{Repo: testRepo, ProviderARN: testProviderARN}, true},
		{"a provider ARN in another partition is valid", Config{Repo: testRepo, ProviderARN: "arn:aws-us-gov:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"}, true},
		{"no repository is invalid", Config{}, false},
		{"a repository without its owner is invalid", Config{Repo: "eventshop"}, false},
		{"a wildcard in the repository is invalid", Config{Repo: "octo-org/*"}, false},
		{"a wildcard owner is invalid", Config{Repo: "*/eventshop"}, false},
		{"a repository URL is invalid", Config{Repo: "https://github.com/octo-org/eventshop"}, false},
		{"a subject instead of a repository is invalid", Config{Repo: "repo:octo-org/eventshop:environment:production"}, false},
		{"another provider's ARN is invalid", Config{Repo: testRepo, ProviderARN: "arn:aws:iam::123456789012:oidc-provider/gitlab.com"}, false},
		{"a provider ARN without an account is invalid", Config{Repo: testRepo, ProviderARN: "arn:aws:iam:::oidc-provider/token.actions.githubusercontent.com"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.cfg.Validate(); (err == nil) != tc.ok {
				t.Errorf("Validate() = %v, want ok %v", err, tc.ok)
			}
		})
	}
}

// resourceTypes lists the types of a template's resources, sorted, without
// the CDK's metadata.
func resourceTypes(t *testing.T, tpl assertions.Template) []string {
	t.Helper()
	raw, err := json.Marshal(tpl.ToJSON())
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Resources map[string]struct{ Type string }
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, r := range doc.Resources {
		if r.Type != "AWS::CDK::Metadata" {
			types = append(types, r.Type)
		}
	}
	slices.Sort(types)
	return types
}
