package provision

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/eventshop/eventshop/localstack/template"
)

func TestDeployRefusesTypesItCannotCreateBeforeCreatingAnything(t *testing.T) {
	d := New(aws.Config{Region: "us-east-1"}, "s")
	tpl := &template.Template{Resources: map[string]template.Resource{
		"Topic":  {Type: "AWS::Kinesis::Stream"},
		"Bucket": {Type: "AWS::S3::Bucket"},
		"Queue":  {Type: "AWS::SQS::Queue"},
	}}
	_, err := d.Deploy(context.Background(), tpl)
	if err == nil || !strings.Contains(err.Error(), "AWS::Kinesis::Stream (Topic)") || !strings.Contains(err.Error(), "AWS::S3::Bucket (Bucket)") {
		t.Errorf("err = %v, want it to name both unsupported resources", err)
	}
}

func TestUnusedPropertiesAreNamed(t *testing.T) {
	p := newProps(map[string]any{"QueueName": "q", "Surprise": 1, "AlsoNew": true})
	p.str("QueueName")
	err := p.unused("AWS::SQS::Queue")
	if err == nil || !strings.Contains(err.Error(), "AlsoNew, Surprise") {
		t.Errorf("err = %v", err)
	}
}

func TestUnusedNestedPropertiesAreNamedWithTheirPath(t *testing.T) {
	p := newProps(map[string]any{"DestinationConfig": map[string]any{
		"OnFailure": map[string]any{"Destination": "arn"},
		"OnSuccess": map[string]any{"Destination": "arn"},
	}})
	p.obj("DestinationConfig").obj("OnFailure").str("Destination")
	err := p.unused("AWS::Lambda::EventSourceMapping")
	if err == nil || !strings.Contains(err.Error(), "DestinationConfig.OnSuccess") {
		t.Errorf("err = %v", err)
	}
}

func TestPhysicalNamesFitTheirLimit(t *testing.T) {
	d := &Deployer{StackName: "eventshop-local"}
	name := d.physicalName(strings.Repeat("VeryLongLogicalId", 10), 80)
	if len(name) > 80 || !strings.HasPrefix(name, "eventshop-local-VeryLong") {
		t.Errorf("name %q (%d)", name, len(name))
	}
	if d.physicalName("Q", 80) == d.physicalName("Q", 80) {
		t.Error("two resources got the same name")
	}
}
