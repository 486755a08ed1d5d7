package stack

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

func TestEveryMailGoesWithAConfigurationSetThatSuppressesAndPublishesBouncesAndComplaints(t *testing.T) {
	set := logicalID(testStack.Reputation.ConfigurationSet)
	check(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::SES::ConfigurationSet"), map[string]any{
			"SuppressionOptions": map[string]any{"SuppressedReasons": []any{"BOUNCE", "COMPLAINT"}},
			"ReputationOptions":  map[string]any{"ReputationMetricsEnabled": true},
		})
	})
	check(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::SES::ConfigurationSetEventDestination"), map[string]any{
			"ConfigurationSetName": map[string]any{"Ref": set},
			"EventDestination": map[string]any{
				"Enabled":            true,
				"MatchingEventTypes": []any{"bounce", "complaint"},
				"EventBridgeDestination": map[string]any{"EventBusArn": assertions.Match_ObjectLike(&map[string]any{
					"Fn::Join": assertions.Match_ArrayWith(&[]any{assertions.Match_ArrayWith(&[]any{":event-bus/default"})})})},
			},
		})
	})
	check(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), map[string]any{
			"EventBusName": "default",
			"EventPattern": map[string]any{
				"source":      []any{"aws.ses"},
				"detail-type": []any{"Email Bounced", "Email Complaint Received"},
				"detail":      map[string]any{"mail": map[string]any{"tags": map[string]any{"ses:configuration-set": []any{map[string]any{"Ref": set}}}}},
			},
			"Targets": []any{map[string]any{
				"Arn":              getAtt(testStack.Reputation.Queue, "Arn"),
				"DeadLetterConfig": map[string]any{"Arn": assertions.Match_AnyValue()},
				"RetryPolicy":      map[string]any{"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 86400},
			}},
		})
	})
	bounces, _ := function(t, "bounces")
	check(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), map[string]any{
			"FunctionName":          map[string]any{"Ref": bounces},
			"EventSourceArn":        getAtt(testStack.Reputation.Queue, "Arn"),
			"FunctionResponseTypes": []any{"ReportBatchItemFailures"},
		})
	})
}
