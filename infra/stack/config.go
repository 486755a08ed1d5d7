package stack

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"

	"github.com/eventshop/eventshop/contract"
)

// Config is what differs between deployments. Each value comes from the
// environment variable, else the CDK context key (cdk.json or -c), else
// the default.
type Config struct {
	// Stage names the deployment: the stack is eventshop-<stage>.
	// EVENTSHOP_STAGE, context "stage", default "dev".
	Stage string
	// MailFrom is the address mail is sent from. The stack declares an SES
	// email identity for it, which SES must verify: an address, not a
	// domain.
	// EVENTSHOP_MAIL_FROM, context "mailFrom".
	MailFrom string
	// ResetURL is the page of the shop that takes a password reset token;
	// reset mails link to it with ?token=.
	// EVENTSHOP_RESET_URL, context "resetUrl".
	ResetURL string
	// RetryBaseSeconds is the backoff, in seconds, before a consumer's
	// first retry of a failed delivery; each further retry doubles it.
	// EVENTSHOP_RETRY_BASE_SECONDS, context "retryBaseSeconds", default 5.
	RetryBaseSeconds string
	// OrderDeadlineSeconds is how long a placed order may wait for its
	// payment and stock before it expires, in seconds: at most 900, SQS's
	// longest delivery delay, which is the deadline's timer.
	// EVENTSHOP_ORDER_DEADLINE_SECONDS, context "orderDeadlineSeconds";
	// by default twelve retry bases (60 s on AWS; make local sets 30 s), so that a
	// payment provider that does not answer gets three retries first.
	OrderDeadlineSeconds string
	// JWTIssuer, if set, makes the API accept JSON Web Tokens of this
	// issuer (for example a Cognito user pool's URL) instead of AWS IAM
	// signatures; JWTAudience lists the audiences a token may have, and
	// must then name at least one.
	// EVENTSHOP_JWT_ISSUER and EVENTSHOP_JWT_AUDIENCE (comma-separated),
	// context "jwtIssuer" and "jwtAudience".
	JWTIssuer   string
	JWTAudience []string
	// CORSOrigins lists the origins a browser may call the API from; none
	// by default, so no CORS.
	// EVENTSHOP_CORS_ORIGINS (comma-separated), context "corsOrigins".
	CORSOrigins []string
	// SandboxRecipients lists verified SES identities (addresses or
	// domains) that the notification function may also send to while the
	// account is in the SES sandbox, where SES authorizes SendEmail on the
	// recipients' identities as well as on the sender's. None by default:
	// out of the sandbox the sender's identity is enough.
	// EVENTSHOP_SANDBOX_RECIPIENTS (comma-separated), context
	// "sandboxRecipients".
	SandboxRecipients []string
	// Observability declares the dashboard, the alarms and their topic.
	// They bill by the month while the stack exists (see the README), so
	// a throwaway stage may leave them out.
	// EVENTSHOP_OBSERVABILITY, context "observability", default true.
	Observability bool
	// AssetDir holds one directory per function with its bootstrap.
	// EVENTSHOP_ASSET_DIR, context "assetDir", default "build/lambda".
	AssetDir string
}

// ConfigFrom reads the configuration of a CDK app node. It fails only on a
// value it cannot parse; Validate checks that the values fit together.
func ConfigFrom(node constructs.Node) (Config, error) {
	get := func(env, key, def string) string {
		if v := os.Getenv(env); v != "" {
			return v
		}
		switch v := node.TryGetContext(&key).(type) {
		case string:
			if v != "" {
				return v
			}
		case bool: // cdk.json may hold a JSON boolean
			return strconv.FormatBool(v)
		}
		return def
	}
	cfg := Config{
		Stage:             get("EVENTSHOP_STAGE", "stage", "dev"),
		MailFrom:          get("EVENTSHOP_MAIL_FROM", "mailFrom", "noreply@eventshop.example"),
		ResetURL:          get("EVENTSHOP_RESET_URL", "resetUrl", "https://eventshop.example/reset-password"),
		RetryBaseSeconds:  get("EVENTSHOP_RETRY_BASE_SECONDS", "retryBaseSeconds", "5"),
		JWTIssuer:         get("EVENTSHOP_JWT_ISSUER", "jwtIssuer", ""),
		JWTAudience:       list(get("EVENTSHOP_JWT_AUDIENCE", "jwtAudience", "")),
		CORSOrigins:       list(get("EVENTSHOP_CORS_ORIGINS", "corsOrigins", "")),
		SandboxRecipients: list(get("EVENTSHOP_SANDBOX_RECIPIENTS", "sandboxRecipients", "")),
		AssetDir:          get("EVENTSHOP_ASSET_DIR", "assetDir", "build/lambda"),
	}
	cfg.OrderDeadlineSeconds = get("EVENTSHOP_ORDER_DEADLINE_SECONDS", "orderDeadlineSeconds", "")
	if cfg.OrderDeadlineSeconds == "" {
		if base, err := strconv.Atoi(cfg.RetryBaseSeconds); err == nil {
			cfg.OrderDeadlineSeconds = strconv.Itoa(12 * base)
		}
	}
	observability := get("EVENTSHOP_OBSERVABILITY", "observability", "true")
	on, err := strconv.ParseBool(observability)
	if err != nil {
		return cfg, fmt.Errorf("observability (EVENTSHOP_OBSERVABILITY or -c observability) is %q: want true or false", observability)
	}
	cfg.Observability = on
	return cfg, nil
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

// stageName is what a stage may be called: it ends up in the names of the
// stack, the bus and the API.
var stageName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,63}$`)

// Validate reports every setting that cannot make a working stack, each
// with the variable or context key that sets it.
func (c Config) Validate() error {
	var errs []error
	if !stageName.MatchString(c.Stage) {
		errs = append(errs, fmt.Errorf("stage %q (EVENTSHOP_STAGE or -c stage): use letters, digits and dashes, at most 64", c.Stage))
	}
	if !isAddress(c.MailFrom) {
		errs = append(errs, fmt.Errorf("mailFrom %q (EVENTSHOP_MAIL_FROM or -c mailFrom): want an email address such as shop@example.com; "+
			"the stack declares an SES email identity for it and sends from it", c.MailFrom))
	}
	if u, err := url.Parse(c.ResetURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		errs = append(errs, fmt.Errorf("resetUrl %q (EVENTSHOP_RESET_URL or -c resetUrl): want an absolute http(s) URL", c.ResetURL))
	}
	if n, err := strconv.Atoi(c.RetryBaseSeconds); err != nil || n < 1 {
		errs = append(errs, fmt.Errorf("retryBaseSeconds %q (EVENTSHOP_RETRY_BASE_SECONDS or -c retryBaseSeconds): want a whole number of seconds, at least 1", c.RetryBaseSeconds))
	}
	if n, err := strconv.Atoi(c.OrderDeadlineSeconds); err != nil || n < 1 || n > 900 {
		errs = append(errs, fmt.Errorf("orderDeadlineSeconds %q (EVENTSHOP_ORDER_DEADLINE_SECONDS or -c orderDeadlineSeconds): want a whole number of seconds from 1 to 900 (SQS's longest delivery delay)", c.OrderDeadlineSeconds))
	}
	switch {
	case c.JWTIssuer != "" && len(c.JWTAudience) == 0:
		errs = append(errs, errors.New("jwtIssuer is set but jwtAudience is empty (EVENTSHOP_JWT_AUDIENCE or -c jwtAudience): "+
			"API Gateway accepts a JWT only if its aud or client_id claim is one of the configured audiences, so name at least one"))
	case c.JWTIssuer == "" && len(c.JWTAudience) > 0:
		errs = append(errs, errors.New("jwtAudience is set without jwtIssuer (EVENTSHOP_JWT_ISSUER or -c jwtIssuer): the API would ignore it and keep IAM authorization"))
	}
	if c.JWTIssuer != "" {
		if u, err := url.Parse(c.JWTIssuer); err != nil || u.Scheme != "https" || u.Host == "" {
			errs = append(errs, fmt.Errorf("jwtIssuer %q (EVENTSHOP_JWT_ISSUER or -c jwtIssuer): want the issuer's https URL", c.JWTIssuer))
		}
	}
	for _, r := range c.SandboxRecipients {
		if strings.ContainsAny(r, "*?/ ") || (!isAddress(r) && !strings.Contains(r, ".")) {
			errs = append(errs, fmt.Errorf("sandboxRecipients: %q (EVENTSHOP_SANDBOX_RECIPIENTS or -c sandboxRecipients): want a verified address or domain, without wildcards", r))
		}
	}
	return errors.Join(errs...)
}

// isAddress says whether s is a bare email address, without a display
// name or angle brackets.
func isAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == ""
}

// StackName is the CloudFormation stack's name.
func (c Config) StackName() string { return contract.StackName(c.Stage) }

// Production says whether data must outlive the stack.
func (c Config) Production() bool { return c.Stage == "prod" }

// orderDeadline is OrderDeadlineSeconds, which Validate checked.
func (c Config) orderDeadline() int {
	n, _ := strconv.Atoi(c.OrderDeadlineSeconds)
	return n
}

func (c Config) asset(fn contract.Function) string { return fmt.Sprintf("%s/%s", c.AssetDir, fn) }
