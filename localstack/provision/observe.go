package provision

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/eventshop/eventshop/localstack/template"
)

func (d *Deployer) topic(ctx context.Context, id string, _ template.Resource, p *props) (Resource, error) {
	name := p.str("TopicName")
	if name == "" {
		name = d.physicalName(id, 256)
	}
	attrs := map[string]string{}
	if v := p.str("DisplayName"); v != "" {
		attrs["DisplayName"] = v
	}
	p.notEmulated("KmsMasterKeyId", "Tags", "TracingConfig", "Subscription")
	out, err := d.sns.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(name), Attributes: attrs})
	if err != nil {
		return Resource{}, err
	}
	arn := aws.ToString(out.TopicArn)
	return Resource{PhysicalID: arn, Attrs: map[string]string{"TopicArn": arn, "TopicName": name}}, nil
}

func (d *Deployer) topicPolicy(ctx context.Context, id string, _ template.Resource, p *props) (Resource, error) {
	policy := p.jsonText("PolicyDocument")
	for _, arn := range p.strs("Topics") {
		_, err := d.sns.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: aws.String(arn), AttributeName: aws.String("Policy"), AttributeValue: aws.String(policy)})
		if err != nil {
			return Resource{}, err
		}
	}
	return Resource{PhysicalID: id}, nil
}

// alarm creates a single-metric alarm. The emulator keeps alarms on one
// metric only; one on a metric math expression is noted instead, and so
// is every alarm's evaluation, since no metrics flow locally.
func (d *Deployer) alarm(ctx context.Context, id string, _ template.Resource, p *props) (Resource, error) {
	name := p.str("AlarmName")
	if name == "" {
		name = d.physicalName(id, 255)
	}
	if p.has("Metrics") {
		p.notEmulated("Metrics", "AlarmActions", "OKActions", "InsufficientDataActions", "AlarmDescription", "Threshold",
			"ComparisonOperator", "EvaluationPeriods", "DatapointsToAlarm", "TreatMissingData", "ActionsEnabled")
		d.note("AWS::CloudWatch::Alarm on metric math", "no metrics flow locally")
		return Resource{PhysicalID: name, Attrs: map[string]string{"Arn": d.arn("cloudwatch", "alarm:"+name)}}, nil
	}
	in := &cloudwatch.PutMetricAlarmInput{
		AlarmName:          aws.String(name),
		AlarmDescription:   optional(p.str("AlarmDescription")),
		MetricName:         aws.String(p.str("MetricName")),
		Namespace:          aws.String(p.str("Namespace")),
		Statistic:          cwtypes.Statistic(p.str("Statistic")),
		Period:             aws.Int32(int32(p.num("Period", 60))),
		EvaluationPeriods:  aws.Int32(int32(p.num("EvaluationPeriods", 1))),
		ComparisonOperator: cwtypes.ComparisonOperator(p.str("ComparisonOperator")),
		AlarmActions:       p.strs("AlarmActions"),
		OKActions:          p.strs("OKActions"),
	}
	if p.has("Threshold") {
		in.Threshold = aws.Float64(float64(p.num("Threshold", 0)))
	}
	if err := p.into("Dimensions", &in.Dimensions); err != nil {
		return Resource{}, err
	}
	p.notEmulated("TreatMissingData", "DatapointsToAlarm", "ActionsEnabled", "InsufficientDataActions", "Unit", "ExtendedStatistic")
	if _, err := d.cw.PutMetricAlarm(ctx, in); err != nil {
		return Resource{}, err
	}
	return Resource{PhysicalID: name, Attrs: map[string]string{"Arn": d.arn("cloudwatch", "alarm:"+name)}}, nil
}

// dashboard is noted: the emulator has no dashboards.
func (d *Deployer) dashboard(_ context.Context, id string, _ template.Resource, p *props) (Resource, error) {
	name := p.str("DashboardName")
	if name == "" {
		name = d.physicalName(id, 255)
	}
	p.notEmulated("DashboardBody")
	d.note("AWS::CloudWatch::Dashboard", "no metrics flow locally")
	return Resource{PhysicalID: name}, nil
}

// note counts a declared resource of a kind the emulator has no use for.
func (d *Deployer) note(kind, why string) {
	kind += " (" + why + ")"
	if d.NotEmulated == nil {
		d.NotEmulated = map[string]int{}
	}
	d.NotEmulated[kind]++
}
