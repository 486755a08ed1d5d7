package provision

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/eventshop/eventshop/awsclient"
	"github.com/eventshop/eventshop/localstack/template"
)

// Account is the account id the emulator uses.
const Account = "000000000000"

// Stack is what a deployment created.
type Stack struct {
	Name      string
	Resources map[string]Resource // by logical id
	Functions []Function
	Mappings  []EventSourceMapping
	APIs      []string // HTTP API ids
	Outputs   map[string]string
}

// Resource is a created resource.
type Resource struct {
	Type       string
	PhysicalID string
	Attrs      map[string]string
}

// Function is a Lambda function that the local stack must run.
type Function struct {
	LogicalID string
	Name      string
	ARN       string
	Source    string // Go package, relative to the checkout
	Env       map[string]string
	Timeout   time.Duration
	MemoryMB  int
}

// EventSourceMapping is a mapping as the template declares it. The
// emulator stores only some of these fields, so the runner drives
// mappings from this copy.
type EventSourceMapping struct {
	UUID                    string
	FunctionName            string
	FunctionARN             string
	EventSourceARN          string
	BatchSize               int
	BatchingWindow          time.Duration
	StartingPosition        string
	ReportBatchItemFailures bool
	BisectOnError           bool
	MaxRetryAttempts        int           // -1: until the record expires
	MaxRecordAge            time.Duration // 0: no limit
	OnFailureARN            string
	Enabled                 bool
}

// Deployer creates templates' resources in an emulator.
type Deployer struct {
	StackName string
	Region    string
	// Code returns the deployment package of a function built from the
	// Go package source.
	Code func(ctx context.Context, source string) ([]byte, error)
	// Log receives one line per resource.
	Log io.Writer
	// NotEmulated counts declared resources that have no effect locally,
	// by kind: created as far as the emulator goes, or only recorded.
	NotEmulated map[string]int
	// Adopt names, by logical id, the resources of the types in HoldsData
	// that a previous deployment created in the same emulator, whose data
	// it kept: Deploy takes each over, updated to the template, instead of
	// creating it. A resource that is gone is created.
	Adopt map[string]string
	// Adopted counts the resources Deploy took over; Replaced says which
	// ones it had to create afresh instead, and why.
	Adopted  int
	Replaced []string

	ddb    *dynamodb.Client
	sqs    *sqs.Client
	events *eventbridge.Client
	iam    *iam.Client
	logs   *cloudwatchlogs.Client
	lambda *lambda.Client
	apigw  *apigatewayv2.Client
	ses    *sesv2.Client
	sns    *sns.Client
	cw     *cloudwatch.Client
	kms    *kms.Client

	stack    *Stack
	resolver *template.Resolver
}

// New returns a deployer that talks to the emulator configured in cfg.
func New(cfg aws.Config, stackName string) *Deployer {
	return &Deployer{
		StackName: stackName,
		Region:    cfg.Region,
		Log:       io.Discard,
		ddb:       awsclient.DynamoDB(cfg),
		sqs:       sqs.NewFromConfig(cfg),
		events:    eventbridge.NewFromConfig(cfg),
		iam:       iam.NewFromConfig(cfg),
		logs:      cloudwatchlogs.NewFromConfig(cfg),
		lambda:    lambda.NewFromConfig(cfg),
		apigw:     apigatewayv2.NewFromConfig(cfg),
		ses:       sesv2.NewFromConfig(cfg),
		sns:       sns.NewFromConfig(cfg),
		cw:        cloudwatch.NewFromConfig(cfg),
		kms:       kms.NewFromConfig(cfg),
	}
}

type creator func(ctx context.Context, id string, r template.Resource, p *props) (Resource, error)

func (d *Deployer) creators() map[string]creator {
	return map[string]creator{
		"AWS::ApiGatewayV2::Api":                     d.httpAPI,
		"AWS::ApiGatewayV2::Authorizer":              d.authorizer,
		"AWS::ApiGatewayV2::Integration":             d.integration,
		"AWS::ApiGatewayV2::Route":                   d.route,
		"AWS::ApiGatewayV2::Stage":                   d.stage,
		"AWS::CDK::Metadata":                         d.cdkMetadata,
		"AWS::CloudWatch::Alarm":                     d.alarm,
		"AWS::CloudWatch::Dashboard":                 d.dashboard,
		"AWS::DynamoDB::Table":                       d.table,
		"AWS::Events::EventBus":                      d.eventBus,
		"AWS::Events::Rule":                          d.rule,
		"AWS::IAM::Policy":                           d.policy,
		"AWS::IAM::Role":                             d.role,
		"AWS::KMS::Key":                              d.kmsKey,
		"AWS::Lambda::EventSourceMapping":            d.eventSourceMapping,
		"AWS::Lambda::Function":                      d.function,
		"AWS::Lambda::Permission":                    d.permission,
		"AWS::Logs::LogGroup":                        d.logGroup,
		"AWS::SES::ConfigurationSet":                 d.configurationSet,
		"AWS::SES::ConfigurationSetEventDestination": d.configurationSetEventDestination,
		"AWS::SES::EmailIdentity":                    d.emailIdentity,
		"AWS::SNS::Topic":                            d.topic,
		"AWS::SNS::TopicPolicy":                      d.topicPolicy,
		"AWS::SQS::Queue":                            d.queue,
		"AWS::SQS::QueuePolicy":                      d.queuePolicy,
	}
}

// SupportedTypes lists the resource types Deploy can create.
func (d *Deployer) SupportedTypes() []string {
	var out []string
	for t := range d.creators() {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// Deploy creates every resource of t, each after those it refers to, and
// resolves the outputs. Before creating anything it checks that every
// resource type is supported.
func (d *Deployer) Deploy(ctx context.Context, t *template.Template) (*Stack, error) {
	creators := d.creators()
	var unsupported []string
	for id, r := range t.Resources {
		if _, ok := creators[r.Type]; !ok {
			unsupported = append(unsupported, fmt.Sprintf("%s (%s)", r.Type, id))
		}
	}
	if len(unsupported) > 0 {
		slices.Sort(unsupported)
		return nil, fmt.Errorf("the local stack cannot create %s; supported types: %s",
			strings.Join(unsupported, ", "), strings.Join(d.SupportedTypes(), ", "))
	}
	order, err := t.Order()
	if err != nil {
		return nil, err
	}

	d.stack = &Stack{Name: d.StackName, Resources: map[string]Resource{}, Outputs: map[string]string{}}
	d.resolver = template.NewResolver(map[string]string{
		"AWS::AccountId":        Account,
		"AWS::Region":           d.Region,
		"AWS::Partition":        "aws",
		"AWS::URLSuffix":        "amazonaws.com",
		"AWS::StackName":        d.StackName,
		"AWS::StackId":          fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/%s/local", d.Region, Account, d.StackName),
		"AWS::NotificationARNs": "",
	})
	d.resolver.Conditions = t.Conditions
	for name, p := range t.Parameters {
		if err := d.parameter(name, p); err != nil {
			return nil, err
		}
	}

	for _, id := range order {
		r := t.Resources[id]
		if r.Condition != "" {
			ok, err := d.resolver.Condition(r.Condition)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", id, err)
			}
			if !ok {
				continue
			}
		}
		resolved, err := d.resolver.Resolve(map[string]any(r.Properties))
		if err != nil {
			return nil, fmt.Errorf("%s (%s): %w", id, r.Type, err)
		}
		m, _ := resolved.(map[string]any)
		if m == nil {
			m = map[string]any{}
		}
		p := newProps(m)
		created, err := creators[r.Type](ctx, id, r, p)
		if err != nil {
			return nil, fmt.Errorf("create %s (%s): %w", id, r.Type, err)
		}
		if err := p.unused(r.Type); err != nil {
			return nil, fmt.Errorf("%s: %w", id, err)
		}
		created.Type = r.Type
		d.stack.Resources[id] = created
		d.resolver.Set(id, created.PhysicalID, created.Attrs)
		fmt.Fprintf(d.Log, "  created %-34s %s\n", r.Type, id)
	}

	for i, m := range d.stack.Mappings {
		for _, fn := range d.stack.Functions {
			if m.FunctionName == fn.Name || m.FunctionName == fn.ARN {
				d.stack.Mappings[i].FunctionName, d.stack.Mappings[i].FunctionARN = fn.Name, fn.ARN
			}
		}
	}
	for name, out := range t.Outputs {
		v, err := d.resolver.String(out.Value)
		if err != nil {
			return nil, fmt.Errorf("output %s: %w", name, err)
		}
		d.stack.Outputs[name] = v
	}
	return d.stack, nil
}

// parameter resolves a template parameter to its default. CDK's only
// parameter, BootstrapVersion, names an SSM parameter that a real
// CloudFormation reads for its bootstrap check; locally it is only
// recorded.
func (d *Deployer) parameter(name string, p template.Parameter) error {
	if p.Default == nil {
		return fmt.Errorf("parameter %s has no default, and the local stack takes no parameter values", name)
	}
	v, ok := p.Default.(string)
	if !ok {
		v = fmt.Sprint(p.Default)
	}
	d.resolver.Values[name] = v
	return nil
}

// physicalName makes a name the way CloudFormation does for resources
// that have none: stack, logical id and a random suffix, within max.
func (d *Deployer) physicalName(logicalID string, max int) string {
	suffix := strings.ToUpper(rand.Text()[:12])
	name := d.StackName + "-" + logicalID
	if len(name)+13 > max {
		name = name[:max-13]
	}
	return name + "-" + suffix
}

func (d *Deployer) arn(service, resource string) string {
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, d.Region, Account, resource)
}
