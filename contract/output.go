package contract

import "strings"

// Output names a value in the stack's outputs file, as `cdk deploy
// --outputs-file` and the local runner write it.
type Output string

// The stack's outputs.
const (
	OutputAPIURL                Output = "ApiUrl"
	OutputEventBusName          Output = "EventBusName"
	OutputEventStoreTable       Output = "EventStoreTableName"
	OutputUsersTable            Output = "UsersTableName"
	OutputCustomersTable        Output = "CustomersTableName"
	OutputKeysTable             Output = "KeysTableName"
	OutputStockTable            Output = "StockTableName"
	OutputPersonalDataKeyARN    Output = "PersonalDataKeyArn"
	OutputRelayFailuresQueueURL Output = "RelayFailuresQueueUrl"
	OutputBusDLQURL             Output = "BusDLQUrl"
	OutputAlarmTopicARN         Output = "AlarmTopicArn"
	OutputDashboardName         Output = "DashboardName"
)

// What the local runner adds to the outputs.
const (
	// OutputLocalAPIURL is the HTTP API on the local runner's port.
	OutputLocalAPIURL Output = "LocalApiUrl"
	// OutputEmulatorURL is the endpoint of every emulated AWS service.
	OutputEmulatorURL Output = "EmulatorUrl"
	// OutputFaultsURL is where the fault proxy takes its rules.
	OutputFaultsURL Output = "FaultsUrl"
)

// Suffixes of a consumer's outputs, after its name in PascalCase.
const (
	queueSuffix = "QueueUrl"
	dlqSuffix   = "DLQUrl"
)

// QueueOutput names the URL of a consumer's queue: NotificationQueueUrl.
func QueueOutput(consumer string) Output { return Output(Pascal(consumer) + queueSuffix) }

// DLQOutput names the URL of a consumer's dead-letter queue:
// NotificationDLQUrl.
func DLQOutput(consumer string) Output { return Output(Pascal(consumer) + dlqSuffix) }

// ConsumerOfDLQOutput is the consumer (in PascalCase) whose dead-letter
// queue an output names, if it names one: outputs written by a newer stack
// may name consumers this build does not know.
func ConsumerOfDLQOutput(o Output) (string, bool) {
	return strings.CutSuffix(string(o), dlqSuffix)
}

// QueueOutputOf names the queue output of a consumer given in PascalCase,
// as ConsumerOfDLQOutput returns it.
func QueueOutputOf(pascal string) Output { return Output(pascal + queueSuffix) }

// Pascal turns a name such as "user.registered" or "order-history" into
// "UserRegistered" or "OrderHistory": the form of outputs and logical ids.
func Pascal(s string) string {
	var b strings.Builder
	upper := true
	for _, r := range s {
		alnum := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		switch {
		case !alnum:
			upper = true
		case upper:
			b.WriteString(strings.ToUpper(string(r)))
			upper = false
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// StackName is the name of a stage's stack.
func StackName(stage string) string { return "eventshop-" + stage }
