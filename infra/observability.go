package main

import (
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Alarm thresholds.
const (
	// oldestMessageAlarm is how old, in seconds, the oldest message of a
	// consumer queue may get before someone is told.
	oldestMessageAlarm = 300
	// errorRateAlarm is the share of a function's invocations, in percent
	// over five minutes, that may fail before someone is told.
	errorRateAlarm = 5
)

// Observability is what an on-call engineer looks at: one dashboard of
// queues, functions, the event flow and the business, and alarms that
// notify one topic.
type Observability struct {
	constructs.Construct
	Alarms    awssns.Topic
	Dashboard awscloudwatch.Dashboard
}

// watchedQueue is a consumer queue with its dead-letter queue.
type watchedQueue struct {
	name       string
	queue, dlq awssqs.IQueue
}

// NewObservability declares the dashboard and alarms of the stack's
// functions and queues. Subscribe to the Alarms topic (the stack's
// AlarmTopicArn output) to be told.
func NewObservability(scope constructs.Construct, id string, functions map[string]awslambda.IFunction, queues []watchedQueue, deadEnds map[string]awssqs.IQueue) *Observability {
	c := constructs.NewConstruct(scope, &id)
	topic := awssns.NewTopic(c, jsii.String("Alarms"), &awssns.TopicProps{
		DisplayName: jsii.String("eventshop alarms"),
		EnforceSSL:  jsii.Bool(true),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(topic, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-SNS2"),
		Reason: jsii.String("CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed SNS key, a customer key " +
			"would bill every month at rest, and alarm notifications carry no data beyond an alarm's name and state."),
	}}, jsii.Bool(false))
	notify := awscloudwatchactions.NewSnsAction(topic)
	alarm := func(a awscloudwatch.Alarm) { a.AddAlarmAction(notify); a.AddOkAction(notify) }
	minute := awscdk.Duration_Minutes(jsii.Number(1))

	// Anything in a dead-letter queue needs a person: evctl dlq list.
	dead := map[string]awssqs.IQueue{}
	for _, q := range queues {
		dead[q.name+" DLQ"] = q.dlq
	}
	for name, q := range deadEnds {
		dead[name] = q
	}
	for _, name := range sortedKeys(dead) {
		alarm(dead[name].MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Period: minute, Statistic: jsii.String("Maximum")}).
			CreateAlarm(c, jsii.String(exportName(name)+"NotEmpty"), &awscloudwatch.CreateAlarmOptions{
				AlarmDescription:   jsii.String(name + " holds messages that can never succeed as they are: see evctl dlq list"),
				Threshold:          jsii.Number(0),
				ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
				EvaluationPeriods:  jsii.Number(1),
				TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
			}))
	}
	// Consumers that fall behind.
	for _, q := range queues {
		alarm(q.queue.MetricApproximateAgeOfOldestMessage(&awscloudwatch.MetricOptions{Period: minute, Statistic: jsii.String("Maximum")}).
			CreateAlarm(c, jsii.String(exportName(q.name)+"Lagging"), &awscloudwatch.CreateAlarmOptions{
				AlarmDescription:   jsii.String(fmt.Sprintf("the %s queue's oldest message is over %d s old: its consumer falls behind or fails", q.name, oldestMessageAlarm)),
				Threshold:          jsii.Number(oldestMessageAlarm),
				ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
				EvaluationPeriods:  jsii.Number(3),
				DatapointsToAlarm:  jsii.Number(2),
				TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
			}))
	}
	// Functions that fail.
	five := awscdk.Duration_Minutes(jsii.Number(5))
	for _, name := range sortedKeys(functions) {
		fn := functions[name]
		rate := awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression: jsii.String("100 * errors / MAX([errors, invocations])"),
			UsingMetrics: &map[string]awscloudwatch.IMetric{
				"errors":      fn.MetricErrors(&awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Sum")}),
				"invocations": fn.MetricInvocations(&awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Sum")}),
			},
			Label:  jsii.String(name + " error rate (%)"),
			Period: five,
		})
		alarm(rate.CreateAlarm(c, jsii.String(exportName(name)+"Failing"), &awscloudwatch.CreateAlarmOptions{
			AlarmDescription:   jsii.String(fmt.Sprintf("over %d %% of the %s function's invocations fail", errorRateAlarm, name)),
			Threshold:          jsii.Number(errorRateAlarm),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
			EvaluationPeriods:  jsii.Number(1),
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		}))
	}

	return &Observability{Construct: c, Alarms: topic, Dashboard: dashboard(c, functions, queues, dead)}
}

func dashboard(scope constructs.Construct, functions map[string]awslambda.IFunction, queues []watchedQueue, dead map[string]awssqs.IQueue) awscloudwatch.Dashboard {
	five := awscdk.Duration_Minutes(jsii.Number(5))
	opts := func(stat string) *awscloudwatch.MetricOptions {
		return &awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String(stat)}
	}
	graph := func(title string, left ...awscloudwatch.IMetric) awscloudwatch.IWidget {
		return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{Title: jsii.String(title), Left: &left, Width: jsii.Number(8)})
	}
	search := func(label, metric, dims, stat string) awscloudwatch.IMetric {
		return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression: jsii.String(fmt.Sprintf(`SEARCH('{eventshop,%s} MetricName="%s"', '%s', 300)`, dims, metric, stat)),
			Label:      jsii.String(label),
			Period:     five,
		})
	}
	business := func(title, metric, service, stat string) awscloudwatch.IWidget {
		return graph(title, awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String("eventshop"), MetricName: jsii.String(metric),
			DimensionsMap: &map[string]*string{"Service": jsii.String(service)}, Period: five, Statistic: jsii.String(stat),
		}))
	}

	var depth, age, deadDepth []awscloudwatch.IMetric
	for _, q := range queues {
		depth = append(depth, q.queue.MetricApproximateNumberOfMessagesVisible(opts("Maximum")))
		age = append(age, q.queue.MetricApproximateAgeOfOldestMessage(opts("Maximum")))
	}
	for _, name := range sortedKeys(dead) {
		deadDepth = append(deadDepth, dead[name].MetricApproximateNumberOfMessagesVisible(opts("Maximum")))
	}
	var errs, throttles, p99 []awscloudwatch.IMetric
	for _, name := range sortedKeys(functions) {
		fn := functions[name]
		errs = append(errs, fn.MetricErrors(opts("Sum")))
		throttles = append(throttles, fn.MetricThrottles(opts("Sum")))
		p99 = append(p99, fn.MetricDuration(opts("p99")))
	}

	d := awscloudwatch.NewDashboard(scope, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{DefaultInterval: awscdk.Duration_Hours(jsii.Number(3))})
	d.AddWidgets(graph("Queue depth", depth...), graph("Age of the oldest message (s)", age...), graph("Dead-letter queues", deadDepth...))
	d.AddWidgets(graph("Function errors", errs...), graph("Function throttles", throttles...), graph("Function duration p99 (ms)", p99...))
	d.AddWidgets(
		graph("Events published", search("published", "EventsPublished", "Service,EventType", "Sum")),
		graph("Events consumed, failed, dead-lettered",
			search("consumed", "EventsConsumed", "Service,Consumer,EventType", "Sum"),
			search("failed", "EventsFailed", "Service,Consumer,EventType", "Sum"),
			search("dead-lettered", "EventsDeadLettered", "Service,Consumer,EventType", "Sum")),
		graph("Processing lag p99 (ms)", search("lag", "ProcessingLag", "Service,Consumer,EventType", "p99")),
	)
	d.AddWidgets(
		business("Users registered", "UsersRegistered", "user", "Sum"),
		business("Orders placed", "OrdersPlaced", "order", "Sum"),
		graph("Order value (minor units)", search("value", "OrderValue", "Service,Currency", "Sum")),
		graph("Mails sent", search("mails", "MailsSent", "Service,Template", "Sum")),
	)
	return d
}

// sortedKeys returns a map's keys in order, so that the template comes out
// the same every time.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
