package stack

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
)

// Alarm thresholds.
const (
	// oldestMessageAlarm is how old, in seconds, the oldest message of a
	// consumer queue may get before someone is told.
	oldestMessageAlarm = 300
	// errorRateAlarm is the share of a function's invocations, or of the
	// API's requests, in percent over five minutes, that may fail before
	// someone is told.
	errorRateAlarm = 5
	// failingPeriods is how many five-minute periods in a row a consumer
	// may fail deliveries, or the relay fail to publish, before someone is
	// told. One bad period is a retry doing its job; a quarter of an hour
	// is a dependency or a bug that retries do not cure.
	failingPeriods = 3
)

// Observability is what an on-call engineer looks at: one dashboard of
// the API, queues, functions, the event flow and the business, and alarms
// that notify one topic.
type Observability struct {
	constructs.Construct
	Alarms    awssns.Topic
	Dashboard awscloudwatch.Dashboard
}

// ObservabilityProps are what the dashboard shows and the alarms watch.
type ObservabilityProps struct {
	API awsapigatewayv2.IHttpApi
	// Functions of the stack.
	Functions map[contract.Function]awslambda.Function
	// Queues are the consumers' queues, each named for its consumer.
	Queues []watchedQueue
	// DeadEnds are queues without a consumer, by name: anything in them
	// needs a person.
	DeadEnds map[string]awssqs.IQueue
}

// watchedQueue is a consumer queue with its dead-letter queue.
type watchedQueue struct {
	name       string
	queue, dlq awssqs.IQueue
}

// NewObservability declares the dashboard and the alarms. Subscribe to the
// Alarms topic (the stack's AlarmTopicArn output) to be told.
//
// Lambda's Errors count only crashes and timeouts: the HTTP handlers answer
// failures with a 5xx, and the queue and stream handlers report failed
// records rather than fail. So besides the functions' error rate, alarms
// watch the API's 5xx rate and the failures the functions count
// themselves (EventsFailed, FollowUpsFailed, EventsNotPublished), through
// Metrics Insights queries that name no dimension value but a consumer's
// name, so that they follow new event types without a change here.
// EventsDeadLettered needs no alarm of its own: what is dead-lettered
// lands in a dead-letter queue, whose alarm fires within a minute.
func NewObservability(scope constructs.Construct, id string, props ObservabilityProps) *Observability {
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
	five := awscdk.Duration_Minutes(jsii.Number(5))
	// aboveZero alarms when metric is above zero in each of periods
	// periods; no data is no news.
	aboveZero := func(metric awscloudwatch.IMetric, id, description string, periods int) {
		alarm(awscloudwatch.NewAlarm(c, jsii.String(id), &awscloudwatch.AlarmProps{
			Metric:             metric,
			AlarmDescription:   jsii.String(description),
			Threshold:          jsii.Number(0),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
			EvaluationPeriods:  jsii.Number(periods),
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		}))
	}

	// Anything in a dead-letter queue needs a person: evctl dlq list.
	dead := map[string]awssqs.IQueue{}
	for _, q := range props.Queues {
		dead[q.name+" DLQ"] = q.dlq
	}
	for name, q := range props.DeadEnds {
		dead[name] = q
	}
	for _, name := range sortedKeys(dead) {
		aboveZero(dead[name].MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Period: minute, Statistic: jsii.String("Maximum")}),
			contract.Pascal(name)+"NotEmpty", name+" holds messages that can never succeed as they are: see evctl dlq list", 1)
	}
	// Consumers that fall behind, and consumers whose deliveries keep failing.
	for _, q := range props.Queues {
		alarm(q.queue.MetricApproximateAgeOfOldestMessage(&awscloudwatch.MetricOptions{Period: minute, Statistic: jsii.String("Maximum")}).
			CreateAlarm(c, jsii.String(contract.Pascal(q.name)+"Lagging"), &awscloudwatch.CreateAlarmOptions{
				AlarmDescription:   jsii.String(fmt.Sprintf("the %s queue's oldest message is over %d s old: its consumer falls behind or fails", q.name, oldestMessageAlarm)),
				Threshold:          jsii.Number(oldestMessageAlarm),
				ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
				EvaluationPeriods:  jsii.Number(3),
				DatapointsToAlarm:  jsii.Number(2),
				TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
			}))
		aboveZero(insightsQuery(consumerFailures(q.name), "failed deliveries"), contract.Pascal(q.name)+"DeliveriesFailing",
			fmt.Sprintf("the %s consumer failed deliveries in each of %d five-minute periods: "+
				"see its log lines with outcome retry, and evctl dlq list", q.name, failingPeriods), failingPeriods)
	}
	// The account's standing with SES, before SES acts on it.
	for _, r := range []struct {
		metric, id, why string
		threshold       float64
	}{
		{"Reputation.BounceRate", "MailBouncing", "over 4 % of the account's mail bounces: SES reviews an account at 5 % and may pause its sending at 10 %", 0.04},
		{"Reputation.ComplaintRate", "MailComplainedOf", "over 0.08 % of the account's mail is complained of: SES reviews an account at 0.1 % and may pause its sending at 0.5 %", 0.0008},
	} {
		alarm(awscloudwatch.NewAlarm(c, jsii.String(r.id), &awscloudwatch.AlarmProps{
			Metric: awscloudwatch.NewMetric(&awscloudwatch.MetricProps{Namespace: jsii.String("AWS/SES"), MetricName: jsii.String(r.metric),
				Statistic: jsii.String("Maximum"), Period: awscdk.Duration_Minutes(jsii.Number(15))}),
			AlarmDescription:   jsii.String(r.why + "; see the bounces function's log lines and notification.suppressed"),
			Threshold:          jsii.Number(r.threshold),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
			EvaluationPeriods:  jsii.Number(1),
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		}))
	}
	// A consumer whose effect happened but whose follow-up failed (a mail
	// sent but not recorded) has acknowledged the event: nothing retries
	// it, a person must look.
	aboveZero(insightsQuery(followUpFailures, "follow-ups failed"), "FollowUpsFailed",
		"a consumer handled an event but failed its follow-up (a mail sent, say, but not recorded), "+
			"and will not retry it: see its log lines with outcome follow-up-failed", 1)
	// The relay, when the bus refuses events even after its retries.
	aboveZero(insightsQuery(relayRefusals, "events not published"), "RelayNotPublishing",
		fmt.Sprintf("the bus refused events from the relay in each of %d five-minute periods: "+
			"see the relay's \"not published\" log lines; what it gives up on goes to the relay failures queue", failingPeriods), failingPeriods)
	// The checkout, when orders keep ending for want of an answer: the
	// payment provider down, or payment or stock too slow for the deadline.
	aboveZero(insightsQuery(paymentUnavailable, "orders rejected, the provider unavailable"), "PaymentProviderUnavailable",
		fmt.Sprintf("orders were rejected because the payment provider could not be reached, in each of %d five-minute periods: "+
			"see the payment function's log lines", failingPeriods), failingPeriods)
	aboveZero(insightsQuery(ordersExpired, "orders expired"), "OrdersExpiring",
		fmt.Sprintf("orders expired at their deadline, neither confirmed nor rejected, in each of %d five-minute periods: "+
			"payment or stock answers too late; see the payment and reservations queues' age and their log lines", failingPeriods), failingPeriods)
	// The API, when it answers with a 5xx: a handler's "internal error"
	// as much as a crash.
	alarm(rate("api 5xx rate (%)", "errors", props.API.MetricServerError(&awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Sum")}),
		"requests", props.API.MetricCount(&awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Sum")})).
		CreateAlarm(c, jsii.String("ApiServerErrors"), &awscloudwatch.CreateAlarmOptions{
			AlarmDescription:   jsii.String(fmt.Sprintf("over %d %% of the API's requests got a 5xx: see the functions' error log lines", errorRateAlarm)),
			Threshold:          jsii.Number(errorRateAlarm),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
			EvaluationPeriods:  jsii.Number(1),
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		}))
	// Functions that crash or time out.
	for _, name := range sortedKeys(props.Functions) {
		fn := props.Functions[name]
		alarm(rate(string(name)+" error rate (%)", "errors", fn.MetricErrors(&awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Sum")}),
			"invocations", fn.MetricInvocations(&awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Sum")})).
			CreateAlarm(c, jsii.String(contract.Pascal(string(name))+"Failing"), &awscloudwatch.CreateAlarmOptions{
				AlarmDescription:   jsii.String(fmt.Sprintf("over %d %% of the %s function's invocations crash or time out", errorRateAlarm, name)),
				Threshold:          jsii.Number(errorRateAlarm),
				ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
				EvaluationPeriods:  jsii.Number(1),
				TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
			}))
	}

	return &Observability{Construct: c, Alarms: topic, Dashboard: dashboard(c, props, dead)}
}

// The Metrics Insights queries of the alarms on what the functions count.
// They name no dimension value but the stack's own (a consumer's name,
// which the stack passes its function as CONSUMER_NAME) and the events'
// (a rejection's reason).
var (
	relayRefusals    = insightsSum(contract.EventsNotPublished, "")
	followUpFailures = insightsSum(contract.FollowUpsFailed, "")
	ordersExpired    = insightsSum(contract.OrdersExpired, "")
	// paymentUnavailable counts the orders rejected because the payment
	// provider could not be reached.
	paymentUnavailable = insightsSum(contract.OrdersRejected, fmt.Sprintf("%s = '%s'", contract.DimReason, events.RejectedPaymentUnavailable))
)

func consumerFailures(consumer string) string {
	return insightsSum(contract.EventsFailed, fmt.Sprintf("%s = '%s'", contract.DimConsumer, consumer))
}

// insightsSum sums a metric over all its time series, or those that match
// where, if it is not empty.
func insightsSum(metric contract.Metric, where string) string {
	q := fmt.Sprintf(`SELECT SUM(%s) FROM SCHEMA("%s", %s)`, metric, contract.MetricsNamespace, strings.Join(dimensions(metric), ", "))
	if where != "" {
		q += " WHERE " + where
	}
	return q
}

// insightsQuery is a Metrics Insights query over five-minute periods.
func insightsQuery(query, label string) awscloudwatch.MathExpression {
	return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression: jsii.String(query),
		Label:      jsii.String(label),
		Period:     awscdk.Duration_Minutes(jsii.Number(5)),
	})
}

// rate is the share, in percent, of part in whole.
func rate(label, partName string, part awscloudwatch.IMetric, wholeName string, whole awscloudwatch.IMetric) awscloudwatch.MathExpression {
	return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression:   jsii.String(fmt.Sprintf("100 * %s / MAX([%s, %s])", partName, partName, wholeName)),
		UsingMetrics: &map[string]awscloudwatch.IMetric{partName: part, wholeName: whole},
		Label:        jsii.String(label),
		Period:       awscdk.Duration_Minutes(jsii.Number(5)),
	})
}

// dashboard lays out, a row each: the API and the queues; the functions;
// the event flow; the business. Its searches name each metric with the
// exact dimensions the functions emit it with: a metric is found only by
// its full set of dimensions.
func dashboard(scope constructs.Construct, props ObservabilityProps, dead map[string]awssqs.IQueue) awscloudwatch.Dashboard {
	five := awscdk.Duration_Minutes(jsii.Number(5))
	opts := func(stat string) *awscloudwatch.MetricOptions {
		return &awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String(stat)}
	}
	type graph struct {
		title   string
		metrics []awscloudwatch.IMetric
	}
	g := func(title string, metrics ...awscloudwatch.IMetric) graph { return graph{title, metrics} }
	d := awscloudwatch.NewDashboard(scope, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{DefaultInterval: awscdk.Duration_Hours(jsii.Number(3))})
	row := func(graphs ...graph) {
		var widgets []awscloudwatch.IWidget
		for _, gr := range graphs {
			widgets = append(widgets, awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
				Title: jsii.String(gr.title), Left: &gr.metrics, Width: jsii.Number(float64(24 / len(graphs))),
			}))
		}
		d.AddWidgets(widgets...)
	}
	search := func(label string, metric contract.Metric, stat string) awscloudwatch.IMetric {
		return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression: jsii.String(searchExpression(metric, stat)),
			Label:      jsii.String(label),
			Period:     five,
		})
	}

	var depth, age, deadDepth []awscloudwatch.IMetric
	for _, q := range props.Queues {
		depth = append(depth, q.queue.MetricApproximateNumberOfMessagesVisible(opts("Maximum")))
		age = append(age, q.queue.MetricApproximateAgeOfOldestMessage(opts("Maximum")))
	}
	for _, name := range sortedKeys(dead) {
		deadDepth = append(deadDepth, dead[name].MetricApproximateNumberOfMessagesVisible(opts("Maximum")))
	}
	var errs, throttles, p99 []awscloudwatch.IMetric
	for _, name := range sortedKeys(props.Functions) {
		fn := props.Functions[name]
		errs = append(errs, fn.MetricErrors(opts("Sum")))
		throttles = append(throttles, fn.MetricThrottles(opts("Sum")))
		p99 = append(p99, fn.MetricDuration(opts("p99")))
	}

	row(
		g("API requests, 4xx and 5xx", props.API.MetricCount(opts("Sum")), props.API.MetricClientError(opts("Sum")), props.API.MetricServerError(opts("Sum"))),
		g("Queue depth", depth...), g("Age of the oldest message (s)", age...), g("Dead-letter queues", deadDepth...))
	row(g("Function errors", errs...), g("Function throttles", throttles...), g("Function duration p99 (ms)", p99...))
	row(
		g("Events published, and refused by the bus",
			search("published", contract.EventsPublished, "Sum"), search("not published", contract.EventsNotPublished, "Sum")),
		g("Events consumed, failed, dead-lettered",
			search("consumed", contract.EventsConsumed, "Sum"), search("failed", contract.EventsFailed, "Sum"),
			search("dead-lettered", contract.EventsDeadLettered, "Sum"), search("follow-up failed", contract.FollowUpsFailed, "Sum")),
		g("Processing lag p99 (ms)", search("lag", contract.ProcessingLag, "p99")),
	)
	row(
		g("Users registered", search("users", contract.UsersRegistered, "Sum")),
		g("Orders placed", search("orders", contract.OrdersPlaced, "Sum")),
		g("Order value (minor units)", search("value", contract.OrderValue, "Sum")),
		g("Mails sent", search("mails", contract.MailsSent, "Sum")),
	)
	row(
		g("Orders confirmed, rejected (by reason), expired, cancelled",
			search("confirmed", contract.OrdersConfirmed, "Sum"), search("rejected", contract.OrdersRejected, "Sum"),
			search("expired", contract.OrdersExpired, "Sum"), search("cancelled", contract.OrdersCancelled, "Sum")),
	)
	return d
}

// searchExpression finds every time series of a metric, whatever the
// values of its dimensions, summed per series by stat over five minutes.
func searchExpression(metric contract.Metric, stat string) string {
	return fmt.Sprintf(`SEARCH('{%s,%s} MetricName="%s"', '%s', 300)`, contract.MetricsNamespace, strings.Join(dimensions(metric), ","), metric, stat)
}

// dimensions are those the functions emit a metric with; a metric that is
// not one of theirs is a mistake in this file.
func dimensions(metric contract.Metric) []string {
	dims := metric.Dimensions()
	if len(dims) == 0 {
		panic("infra: " + string(metric) + " is no metric of the contract's")
	}
	return dims
}

// sortedKeys returns a map's keys in order, so that the template comes out
// the same every time.
func sortedKeys[K ~string, V any](m map[K]V) []K {
	return slices.Sorted(maps.Keys(m))
}
