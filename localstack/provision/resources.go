package provision

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	apigwtypes "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/localstack/template"
)

func (d *Deployer) eventBus(ctx context.Context, id string, _ template.Resource, p *props) (Resource, error) {
	name := p.str("Name")
	_, err := d.events.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{
		Name:        aws.String(name),
		Description: optional(p.str("Description")),
	})
	if err != nil {
		return Resource{}, err
	}
	p.notEmulated("Tags", "DeadLetterConfig", "KmsKeyIdentifier", "LogConfig")
	arn := d.arn("events", "event-bus/"+name)
	return Resource{PhysicalID: name, Attrs: map[string]string{"Arn": arn, "Name": name}}, nil
}

func (d *Deployer) table(ctx context.Context, id string, _ template.Resource, p *props) (Resource, error) {
	name := p.str("TableName")
	if name == "" {
		name = d.physicalName(id, 255)
	}
	in := &dynamodb.CreateTableInput{TableName: aws.String(name), BillingMode: ddbtypes.BillingMode(p.str("BillingMode"))}
	if in.BillingMode == "" {
		in.BillingMode = ddbtypes.BillingModeProvisioned
		in.ProvisionedThroughput = &ddbtypes.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(5)}
	}
	if err := errors.Join(
		p.into("KeySchema", &in.KeySchema),
		p.into("AttributeDefinitions", &in.AttributeDefinitions),
		p.into("GlobalSecondaryIndexes", &in.GlobalSecondaryIndexes),
		p.into("LocalSecondaryIndexes", &in.LocalSecondaryIndexes),
		p.into("ProvisionedThroughput", &in.ProvisionedThroughput),
	); err != nil {
		return Resource{}, err
	}
	if view := p.obj("StreamSpecification").str("StreamViewType"); view != "" {
		in.StreamSpecification = &ddbtypes.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: ddbtypes.StreamViewType(view)}
	}
	var desc *ddbtypes.TableDescription
	if prev, ok := d.Adopt[id]; ok && (p.str("TableName") == "" || prev == name) {
		kept, err := d.adoptTable(ctx, prev, in)
		if ok, err := d.tookOver(id, err); err != nil {
			return Resource{}, err
		} else if ok {
			name, desc = prev, kept
		}
	}
	if desc == nil {
		out, err := d.ddb.CreateTable(ctx, in)
		if err != nil {
			return Resource{}, err
		}
		desc = out.TableDescription
	}
	if ttl := p.obj("TimeToLiveSpecification"); ttl.boolean("Enabled", false) {
		_, err := d.ddb.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
			TableName: aws.String(name),
			TimeToLiveSpecification: &ddbtypes.TimeToLiveSpecification{
				Enabled: aws.Bool(true), AttributeName: aws.String(ttl.str("AttributeName")),
			},
		})
		if err != nil {
			return Resource{}, fmt.Errorf("time to live: %w", err)
		}
	}
	// Backups, encryption and protection change nothing an emulator serves.
	p.notEmulated("PointInTimeRecoverySpecification", "SSESpecification", "DeletionProtectionEnabled",
		"Tags", "ContributorInsightsSpecification", "TableClass")
	attrs := map[string]string{"Arn": aws.ToString(desc.TableArn)}
	if attrs["Arn"] == "" {
		attrs["Arn"] = d.arn("dynamodb", "table/"+name)
	}
	if in.StreamSpecification != nil {
		attrs["StreamArn"] = aws.ToString(desc.LatestStreamArn)
		if attrs["StreamArn"] == "" {
			desc, err := d.ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
			if err != nil {
				return Resource{}, err
			}
			attrs["StreamArn"] = aws.ToString(desc.Table.LatestStreamArn)
		}
		if attrs["StreamArn"] == "" {
			return Resource{}, errors.New("the emulator reported no stream for the table")
		}
	}
	return Resource{PhysicalID: name, Attrs: attrs}, nil
}

// queueAttributes are the AWS::SQS::Queue properties that are queue
// attributes of the same name.
var queueAttributes = []string{
	"ContentBasedDeduplication", "DeduplicationScope", "DelaySeconds", "FifoQueue", "FifoThroughputLimit",
	"MaximumMessageSize", "MessageRetentionPeriod", "ReceiveMessageWaitTimeSeconds", "SqsManagedSseEnabled",
	"VisibilityTimeout",
}

func (d *Deployer) queue(ctx context.Context, id string, _ template.Resource, p *props) (Resource, error) {
	name := p.str("QueueName")
	fifo := p.boolean("FifoQueue", false)
	if name == "" {
		name = d.physicalName(id, 80)
		if fifo {
			name = name[:min(len(name), 75)] + ".fifo"
		}
	}
	attrs := map[string]string{}
	for _, k := range queueAttributes {
		if p.has(k) {
			attrs[k] = p.str(k)
		}
	}
	if p.has("RedrivePolicy") {
		attrs["RedrivePolicy"] = p.jsonText("RedrivePolicy")
	}
	if p.has("RedriveAllowPolicy") {
		attrs["RedriveAllowPolicy"] = p.jsonText("RedriveAllowPolicy")
	}
	p.notEmulated("KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds")
	if prev, ok := d.Adopt[id]; ok && (p.str("QueueName") == "" || strings.HasSuffix(prev, "/"+name)) {
		arn, err := d.adoptQueue(ctx, prev, fifo, attrs)
		if ok, err := d.tookOver(id, err); err != nil {
			return Resource{}, err
		} else if ok {
			name := prev[strings.LastIndex(prev, "/")+1:]
			return Resource{PhysicalID: prev, Attrs: map[string]string{"Arn": arn, "QueueName": name, "QueueUrl": prev}}, nil
		}
	}
	out, err := d.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs, Tags: p.tags("Tags")})
	if err != nil {
		return Resource{}, err
	}
	url := aws.ToString(out.QueueUrl)
	arn := d.arn("sqs", name)
	got, err := d.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: out.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
	})
	if err == nil && got.Attributes["QueueArn"] != "" {
		arn = got.Attributes["QueueArn"]
	}
	return Resource{PhysicalID: url, Attrs: map[string]string{"Arn": arn, "QueueName": name, "QueueUrl": url}}, nil
}

func (d *Deployer) queuePolicy(ctx context.Context, id string, _ template.Resource, p *props) (Resource, error) {
	policy := p.jsonText("PolicyDocument")
	for _, url := range p.strs("Queues") {
		_, err := d.sqs.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{
			QueueUrl: aws.String(url), Attributes: map[string]string{"Policy": policy},
		})
		if err != nil {
			return Resource{}, err
		}
	}
	return Resource{PhysicalID: id}, nil
}

func (d *Deployer) rule(ctx context.Context, id string, _ template.Resource, p *props) (Resource, error) {
	name := p.str("Name")
	if name == "" {
		name = d.physicalName(id, 64)
	}
	bus := p.str("EventBusName")
	if bus == "" {
		bus = "default"
	}
	out, err := d.events.PutRule(ctx, &eventbridge.PutRuleInput{
		Name:               aws.String(name),
		EventBusName:       aws.String(bus),
		EventPattern:       optional(p.jsonText("EventPattern")),
		ScheduleExpression: optional(p.str("ScheduleExpression")),
		State:              ebtypes.RuleState(p.str("State")),
		Description:        optional(p.str("Description")),
	})
	if err != nil {
		return Resource{}, err
	}
	var targets []ebtypes.Target
	if err := p.into("Targets", &targets); err != nil {
		return Resource{}, err
	}
	if len(targets) > 0 {
		res, err := d.events.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String(name), EventBusName: aws.String(bus), Targets: targets})
		if err != nil {
			return Resource{}, err
		}
		if res.FailedEntryCount > 0 {
			return Resource{}, fmt.Errorf("%d targets refused: %s", res.FailedEntryCount, aws.ToString(res.FailedEntries[0].ErrorMessage))
		}
	}
	physical := name
	if bus != "default" {
		physical = bus + "|" + name
	}
	return Resource{PhysicalID: physical, Attrs: map[string]string{"Arn": aws.ToString(out.RuleArn)}}, nil
}

func (d *Deployer) role(ctx context.Context, id string, _ template.Resource, p *props) (Resource, error) {
	name := p.str("RoleName")
	if name == "" {
		name = d.physicalName(id, 64)
	}
	out, err := d.iam.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName:                 aws.String(name),
		AssumeRolePolicyDocument: aws.String(p.jsonText("AssumeRolePolicyDocument")),
		Description:              optional(p.str("Description")),
		Path:                     optional(p.str("Path")),
	})
	if err != nil {
		return Resource{}, err
	}
	for _, arn := range p.strs("ManagedPolicyArns") {
		_, err := d.iam.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(name), PolicyArn: aws.String(arn)})
		// The emulator has no AWS managed policies: it refuses to attach
		// them, and enforces no policy anyway.
		if err != nil && !strings.HasPrefix(arn, "arn:aws:iam::aws:policy/") {
			return Resource{}, fmt.Errorf("attach %s: %w", arn, err)
		}
	}
	var inline []struct {
		PolicyName     string
		PolicyDocument any
	}
	if err := p.into("Policies", &inline); err != nil {
		return Resource{}, err
	}
	for _, pol := range inline {
		if err := d.putRolePolicy(ctx, name, pol.PolicyName, pol.PolicyDocument); err != nil {
			return Resource{}, err
		}
	}
	p.notEmulated("Tags", "MaxSessionDuration", "PermissionsBoundary")
	return Resource{PhysicalID: name, Attrs: map[string]string{
		"Arn": aws.ToString(out.Role.Arn), "RoleId": aws.ToString(out.Role.RoleId),
	}}, nil
}

func (d *Deployer) policy(ctx context.Context, id string, _ template.Resource, p *props) (Resource, error) {
	name := p.str("PolicyName")
	doc, _ := p.get("PolicyDocument")
	for _, role := range p.strs("Roles") {
		if err := d.putRolePolicy(ctx, role, name, doc); err != nil {
			return Resource{}, err
		}
	}
	if len(p.strs("Users")) > 0 || len(p.strs("Groups")) > 0 {
		return Resource{}, errors.New("policies for IAM users or groups are not supported by the local stack")
	}
	return Resource{PhysicalID: name}, nil
}

func (d *Deployer) putRolePolicy(ctx context.Context, role, name string, doc any) error {
	_, err := d.iam.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
		RoleName: aws.String(role), PolicyName: aws.String(name), PolicyDocument: aws.String(newProps(map[string]any{"d": doc}).jsonText("d")),
	})
	if err != nil {
		return fmt.Errorf("put policy %s on %s: %w", name, role, err)
	}
	return nil
}

func (d *Deployer) logGroup(ctx context.Context, id string, _ template.Resource, p *props) (Resource, error) {
	name := p.str("LogGroupName")
	if name == "" {
		name = d.physicalName(id, 512)
	}
	if _, err := d.logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(name)}); err != nil {
		return Resource{}, err
	}
	if days := p.num("RetentionInDays", 0); days > 0 {
		_, err := d.logs.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String(name), RetentionInDays: aws.Int32(int32(days))})
		if err != nil {
			return Resource{}, err
		}
	}
	p.notEmulated("Tags", "KmsKeyId", "LogGroupClass")
	return Resource{PhysicalID: name, Attrs: map[string]string{"Arn": d.arn("logs", "log-group:"+name+":*")}}, nil
}

func (d *Deployer) function(ctx context.Context, id string, r template.Resource, p *props) (Resource, error) {
	source, _ := r.Metadata[contract.SourceMetadata].(string)
	if source == "" {
		return Resource{}, fmt.Errorf("no %q metadata: the local stack runs functions built from Go packages it is told of", contract.SourceMetadata)
	}
	name := p.str("FunctionName")
	if name == "" {
		name = d.physicalName(id, 64)
	}
	code, err := d.Code(ctx, source)
	if err != nil {
		return Resource{}, err
	}
	env := map[string]string{}
	for k, v := range p.obj("Environment").obj("Variables").all() {
		env[k] = fmt.Sprint(v)
	}
	fn := Function{
		LogicalID: id,
		Name:      name,
		Source:    source,
		Env:       env,
		Timeout:   time.Duration(p.num("Timeout", 3)) * time.Second,
		MemoryMB:  p.num("MemorySize", 128),
	}
	in := &lambda.CreateFunctionInput{
		FunctionName: aws.String(name),
		Role:         aws.String(p.str("Role")),
		Runtime:      lambdatypes.Runtime(p.str("Runtime")),
		Handler:      optional(p.str("Handler")),
		Code:         &lambdatypes.FunctionCode{ZipFile: code},
		Description:  optional(p.str("Description")),
		Timeout:      aws.Int32(int32(fn.Timeout.Seconds())),
		MemorySize:   aws.Int32(int32(fn.MemoryMB)),
		Environment:  &lambdatypes.Environment{Variables: env},
	}
	for _, a := range p.strs("Architectures") {
		in.Architectures = append(in.Architectures, lambdatypes.Architecture(a))
	}
	if mode := p.obj("TracingConfig").str("Mode"); mode != "" {
		in.TracingConfig = &lambdatypes.TracingConfig{Mode: lambdatypes.TracingMode(mode)}
	}
	if err := p.into("LoggingConfig", &in.LoggingConfig); err != nil {
		return Resource{}, err
	}
	p.get("Code") // replaced: the runner builds the function from source for this machine
	p.notEmulated("Tags", "ReservedConcurrentExecutions", "DeadLetterConfig", "KmsKeyArn", "Layers", "VpcConfig")
	out, err := d.lambda.CreateFunction(ctx, in)
	if err != nil {
		return Resource{}, err
	}
	fn.ARN = aws.ToString(out.FunctionArn)
	d.stack.Functions = append(d.stack.Functions, fn)
	return Resource{PhysicalID: name, Attrs: map[string]string{"Arn": fn.ARN}}, nil
}

func (d *Deployer) permission(ctx context.Context, id string, _ template.Resource, p *props) (Resource, error) {
	_, err := d.lambda.AddPermission(ctx, &lambda.AddPermissionInput{
		FunctionName:  aws.String(p.str("FunctionName")),
		StatementId:   aws.String(id),
		Action:        aws.String(p.str("Action")),
		Principal:     aws.String(p.str("Principal")),
		SourceArn:     optional(p.str("SourceArn")),
		SourceAccount: optional(p.str("SourceAccount")),
	})
	if err != nil {
		return Resource{}, err
	}
	return Resource{PhysicalID: id}, nil
}

func (d *Deployer) eventSourceMapping(ctx context.Context, id string, _ template.Resource, p *props) (Resource, error) {
	m := EventSourceMapping{
		FunctionName:     p.str("FunctionName"),
		EventSourceARN:   p.str("EventSourceArn"),
		BatchSize:        p.num("BatchSize", 0),
		BatchingWindow:   time.Duration(p.num("MaximumBatchingWindowInSeconds", 0)) * time.Second,
		StartingPosition: p.str("StartingPosition"),
		BisectOnError:    p.boolean("BisectBatchOnFunctionError", false),
		MaxRetryAttempts: p.num("MaximumRetryAttempts", -1),
		MaxRecordAge:     time.Duration(max(p.num("MaximumRecordAgeInSeconds", -1), 0)) * time.Second,
		OnFailureARN:     p.obj("DestinationConfig").obj("OnFailure").str("Destination"),
		Enabled:          p.boolean("Enabled", true),
	}
	for _, t := range p.strs("FunctionResponseTypes") {
		m.ReportBatchItemFailures = m.ReportBatchItemFailures || t == "ReportBatchItemFailures"
	}
	if m.BatchSize == 0 {
		m.BatchSize = 100
		if strings.HasPrefix(m.EventSourceARN, "arn:aws:sqs:") {
			m.BatchSize = 10
		}
	}
	if p.has("FilterCriteria") {
		return Resource{}, errors.New("FilterCriteria is not supported by the local stack")
	}
	in := &lambda.CreateEventSourceMappingInput{
		FunctionName:                   aws.String(m.FunctionName),
		EventSourceArn:                 aws.String(m.EventSourceARN),
		BatchSize:                      aws.Int32(int32(m.BatchSize)),
		MaximumBatchingWindowInSeconds: aws.Int32(int32(m.BatchingWindow.Seconds())),
		Enabled:                        aws.Bool(m.Enabled),
		BisectBatchOnFunctionError:     aws.Bool(m.BisectOnError),
	}
	if m.StartingPosition != "" {
		in.StartingPosition = lambdatypes.EventSourcePosition(m.StartingPosition)
	}
	out, err := d.lambda.CreateEventSourceMapping(ctx, in)
	if err != nil {
		return Resource{}, err
	}
	m.UUID = aws.ToString(out.UUID)
	d.stack.Mappings = append(d.stack.Mappings, m)
	return Resource{PhysicalID: m.UUID, Attrs: map[string]string{"Id": m.UUID}}, nil
}

func (d *Deployer) httpAPI(ctx context.Context, id string, _ template.Resource, p *props) (Resource, error) {
	in := &apigatewayv2.CreateApiInput{
		Name:                      aws.String(p.str("Name")),
		ProtocolType:              apigwtypes.ProtocolType(p.str("ProtocolType")),
		Description:               optional(p.str("Description")),
		DisableExecuteApiEndpoint: aws.Bool(p.boolean("DisableExecuteApiEndpoint", false)),
	}
	if err := p.into("CorsConfiguration", &in.CorsConfiguration); err != nil {
		return Resource{}, err
	}
	p.notEmulated("Tags", "IpAddressType")
	out, err := d.apigw.CreateApi(ctx, in)
	if err != nil {
		return Resource{}, err
	}
	apiID := aws.ToString(out.ApiId)
	d.stack.APIs = append(d.stack.APIs, apiID)
	return Resource{PhysicalID: apiID, Attrs: map[string]string{"ApiId": apiID, "ApiEndpoint": aws.ToString(out.ApiEndpoint)}}, nil
}

func (d *Deployer) authorizer(ctx context.Context, id string, _ template.Resource, p *props) (Resource, error) {
	in := &apigatewayv2.CreateAuthorizerInput{
		ApiId:          aws.String(p.str("ApiId")),
		Name:           aws.String(p.str("Name")),
		AuthorizerType: apigwtypes.AuthorizerType(p.str("AuthorizerType")),
		IdentitySource: p.strs("IdentitySource"),
		AuthorizerUri:  optional(p.str("AuthorizerUri")),
	}
	if err := p.into("JwtConfiguration", &in.JwtConfiguration); err != nil {
		return Resource{}, err
	}
	p.notEmulated("AuthorizerPayloadFormatVersion", "EnableSimpleResponses", "AuthorizerResultTtlInSeconds", "AuthorizerCredentialsArn")
	out, err := d.apigw.CreateAuthorizer(ctx, in)
	if err != nil {
		return Resource{}, err
	}
	return Resource{PhysicalID: aws.ToString(out.AuthorizerId)}, nil
}

func (d *Deployer) stage(ctx context.Context, id string, _ template.Resource, p *props) (Resource, error) {
	name := p.str("StageName")
	_, err := d.apigw.CreateStage(ctx, &apigatewayv2.CreateStageInput{
		ApiId:      aws.String(p.str("ApiId")),
		StageName:  aws.String(name),
		AutoDeploy: aws.Bool(p.boolean("AutoDeploy", false)),
	})
	if err != nil {
		return Resource{}, err
	}
	// The emulator neither throttles nor writes access logs.
	p.notEmulated("DefaultRouteSettings", "AccessLogSettings", "RouteSettings", "StageVariables", "Tags", "Description")
	return Resource{PhysicalID: name}, nil
}

func (d *Deployer) integration(ctx context.Context, id string, _ template.Resource, p *props) (Resource, error) {
	out, err := d.apigw.CreateIntegration(ctx, &apigatewayv2.CreateIntegrationInput{
		ApiId:                aws.String(p.str("ApiId")),
		IntegrationType:      apigwtypes.IntegrationType(p.str("IntegrationType")),
		IntegrationUri:       optional(p.str("IntegrationUri")),
		IntegrationMethod:    optional(p.str("IntegrationMethod")),
		PayloadFormatVersion: optional(p.str("PayloadFormatVersion")),
	})
	if err != nil {
		return Resource{}, err
	}
	p.notEmulated("TimeoutInMillis", "CredentialsArn")
	return Resource{PhysicalID: aws.ToString(out.IntegrationId)}, nil
}

func (d *Deployer) route(ctx context.Context, id string, _ template.Resource, p *props) (Resource, error) {
	out, err := d.apigw.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{
		ApiId:               aws.String(p.str("ApiId")),
		RouteKey:            aws.String(p.str("RouteKey")),
		Target:              optional(p.str("Target")),
		AuthorizationType:   apigwtypes.AuthorizationType(p.str("AuthorizationType")),
		AuthorizerId:        optional(p.str("AuthorizerId")),
		AuthorizationScopes: p.strs("AuthorizationScopes"),
	})
	if err != nil {
		return Resource{}, err
	}
	return Resource{PhysicalID: aws.ToString(out.RouteId)}, nil
}

// cdkMetadata is CDK's version report: a no-op for CloudFormation too.
func (d *Deployer) cdkMetadata(_ context.Context, id string, _ template.Resource, p *props) (Resource, error) {
	p.notEmulated("Analytics")
	return Resource{PhysicalID: id}, nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
