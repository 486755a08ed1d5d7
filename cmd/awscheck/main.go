// Command awscheck tells, in a second or two, whether the default AWS
// credential chain yields credentials that AWS accepts. make deploy, diff,
// destroy and bootstrap run it before they build anything, so that a
// missing or expired login stops them at once with what to do, rather than
// after minutes of building with the CDK CLI's "Unable to resolve AWS
// account".
//
// It asks STS who the caller is (GetCallerIdentity, which no policy can
// deny), prints the account, the identity and the region, and exits 0; or
// it explains the failure on stderr and exits 1. It needs no AWS CLI.
package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := check(ctx, os.Stdout); err != nil {
		cancel()
		fmt.Fprintf(os.Stderr, "awscheck: %v\n", err)
		os.Exit(1)
	}
}

// fallbackRegion is where STS is asked when no region is configured: any
// region answers for the caller's identity.
const fallbackRegion = "us-east-1"

// check loads the default configuration, asks STS for the caller's
// identity and writes it to w.
func check(ctx context.Context, w io.Writer) error {
	// The SDK's own warnings (an IMDS fallback, say) would only confuse
	// the message below.
	cfg, err := config.LoadDefaultConfig(ctx, config.WithLogger(logging.Nop{}))
	var noProfile config.SharedConfigProfileNotExistError
	switch {
	case errors.As(err, &noProfile):
		return fmt.Errorf("the AWS profile %q is in neither ~/.aws/config nor ~/.aws/credentials: fix AWS_PROFILE", noProfile.Profile)
	case err != nil:
		return fmt.Errorf("load the AWS configuration: %w", err)
	}
	// The SDK for Go reads AWS_REGION and the profile's region; the CDK
	// CLI also reads AWS_DEFAULT_REGION.
	region := cmp.Or(cfg.Region, os.Getenv("AWS_DEFAULT_REGION"))
	cfg.Region = cmp.Or(region, fallbackRegion)
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return explain(err)
	}
	fmt.Fprintf(w, "AWS account %s, as %s, %s\n", aws.ToString(id.Account), aws.ToString(id.Arn), describeRegion(region))
	return nil
}

func describeRegion(region string) string {
	if region == "" {
		return "no region set (AWS_REGION, AWS_DEFAULT_REGION or the profile's region): " +
			"the CDK CLI will use this EC2 instance's region if it runs on one, else us-east-1"
	}
	return "region " + region
}

// explain turns a failed GetCallerIdentity into what to do about it.
func explain(err error) error {
	var api smithy.APIError
	switch {
	case errors.As(err, &api):
		// AWS answered: the credentials exist but it does not accept them.
		return fmt.Errorf("AWS refuses these credentials.\n"+
			"  Renew them: log in to your profile again, or export fresh AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.\n"+
			"  (%s: %s)", api.ErrorCode(), api.ErrorMessage())
	case strings.Contains(err.Error(), "get credentials"), strings.Contains(err.Error(), "retrieve credentials"):
		return fmt.Errorf("no AWS credentials found, and this needs an AWS account and credentials for it.\n"+
			"  Set AWS_PROFILE to a profile of ~/.aws/config, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\n"+
			"  (and AWS_SESSION_TOKEN), then run this again. Nothing in AWS was changed.\n"+
			"  (%v)", err)
	case errors.As(err, new(*net.OpError)), errors.As(err, new(*net.DNSError)):
		return fmt.Errorf("cannot reach AWS STS: check the network or the proxy settings (%w)", err)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("no answer from AWS STS in time: check the network or the proxy settings (%w)", err)
	}
	return fmt.Errorf("ask AWS STS who the caller is: %w", err)
}
