package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
)

// Config is what differs between deployments. Each value comes from the
// environment variable, else the CDK context key (cdk.json or -c), else
// the default.
type Config struct {
	// Stage names the deployment: the stack is eventshop-<stage>.
	// EVENTSHOP_STAGE, context "stage", default "dev".
	Stage string
	// MailFrom is the address mail is sent from; SES must verify it.
	// EVENTSHOP_MAIL_FROM, context "mailFrom".
	MailFrom string
	// ResetURL is the page of the shop that takes a password reset token;
	// reset mails link to it with ?token=.
	// EVENTSHOP_RESET_URL, context "resetUrl".
	ResetURL string
	// RetryBase is the backoff, in seconds, before a consumer's first
	// retry of a failed delivery; each further retry doubles it.
	// EVENTSHOP_RETRY_BASE_SECONDS, context "retryBaseSeconds", default 5.
	RetryBaseSeconds string
	// JWTIssuer, if set, makes the API accept JSON Web Tokens of this
	// issuer (for example a Cognito user pool's URL) instead of AWS IAM
	// signatures; JWTAudience lists the audiences a token may have.
	// EVENTSHOP_JWT_ISSUER and EVENTSHOP_JWT_AUDIENCE (comma-separated),
	// context "jwtIssuer" and "jwtAudience".
	JWTIssuer   string
	JWTAudience []string
	// CORSOrigins lists the origins a browser may call the API from; none
	// by default, so no CORS.
	// EVENTSHOP_CORS_ORIGINS (comma-separated), context "corsOrigins".
	CORSOrigins []string
	// AssetDir holds one directory per function with its bootstrap.
	// EVENTSHOP_ASSET_DIR, context "assetDir", default "build/lambda".
	AssetDir string
}

// ConfigFrom reads the configuration of a CDK app node.
func ConfigFrom(node constructs.Node) Config {
	get := func(env, key, def string) string {
		if v := os.Getenv(env); v != "" {
			return v
		}
		if v, ok := node.TryGetContext(&key).(string); ok && v != "" {
			return v
		}
		return def
	}
	return Config{
		Stage:            get("EVENTSHOP_STAGE", "stage", "dev"),
		MailFrom:         get("EVENTSHOP_MAIL_FROM", "mailFrom", "noreply@eventshop.example"),
		ResetURL:         get("EVENTSHOP_RESET_URL", "resetUrl", "https://eventshop.example/reset-password"),
		RetryBaseSeconds: get("EVENTSHOP_RETRY_BASE_SECONDS", "retryBaseSeconds", "5"),
		JWTIssuer:        get("EVENTSHOP_JWT_ISSUER", "jwtIssuer", ""),
		JWTAudience:      list(get("EVENTSHOP_JWT_AUDIENCE", "jwtAudience", "")),
		CORSOrigins:      list(get("EVENTSHOP_CORS_ORIGINS", "corsOrigins", "")),
		AssetDir:         get("EVENTSHOP_ASSET_DIR", "assetDir", "build/lambda"),
	}
}

// list splits a comma-separated setting.
func list(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// StackName is the CloudFormation stack's name.
func (c Config) StackName() string { return "eventshop-" + c.Stage }

// Production says whether data must outlive the stack.
func (c Config) Production() bool { return c.Stage == "prod" }

func (c Config) asset(function string) string { return fmt.Sprintf("%s/%s", c.AssetDir, function) }
