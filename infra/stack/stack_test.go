package stack

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
)

// The stack is synthesized once for all tests: each synthesis costs
// seconds of jsii round trips.
var (
	testStack *Stack
	tpl       assertions.Template
	resources map[string]resource // the template's resources, by logical id
	// optStack is the stack with every option turned from its default: a
	// JWT issuer and audience, CORS origins, SES sandbox recipients, and
	// no dashboard or alarms.
	optStack *Stack
	optTpl   assertions.Template
)

type resource struct {
	Type       string
	Properties map[string]any
	Metadata   map[string]any
}

const (
	testMailFrom = "shop@example.org"
	testResetURL = "https://shop.example.org/reset"
)

var testSandboxRecipients = []string{"ada@example.org", "qa.example.org"}

// childrenAtStart are the processes this test binary had started before
// TestMain ran: what the package's initialization started.
var childrenAtStart []string

func TestMain(m *testing.M) {
	childrenAtStart = children()
	os.Setenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
	code := func() int {
		defer jsii.Close()
		assets, err := os.MkdirTemp("", "eventshop-assets")
		if err != nil {
			panic(err)
		}
		defer os.RemoveAll(assets)
		for _, fn := range contract.Functions() {
			dir := filepath.Join(assets, string(fn))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				panic(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "bootstrap"), []byte(dir), 0o755); err != nil {
				panic(err)
			}
		}
		app := awscdk.NewApp(nil)
		defaults := Config{Stage: "test", MailFrom: testMailFrom, ResetURL: testResetURL, RetryBaseSeconds: "3", OrderDeadlineSeconds: "36", AssetDir: assets, Observability: true}
		options := Config{Stage: "opt", MailFrom: testMailFrom, ResetURL: testResetURL, RetryBaseSeconds: "3", OrderDeadlineSeconds: "36", AssetDir: assets,
			JWTIssuer: "https://issuer.example.com", JWTAudience: []string{"shop"}, CORSOrigins: []string{"https://shop.example.com"},
			SandboxRecipients: testSandboxRecipients, Observability: false}
		for _, cfg := range []Config{defaults, options} {
			if err := cfg.Validate(); err != nil {
				panic(fmt.Sprintf("the test configuration %s is invalid: %v", cfg.Stage, err))
			}
		}
		testStack = New(app, "eventshop-test", &Props{Config: defaults})
		optStack = New(app, "eventshop-opt", &Props{Config: options})
		tpl = assertions.Template_FromStack(testStack.Stack, nil)
		optTpl = assertions.Template_FromStack(optStack.Stack, nil)
		raw, err := json.Marshal(tpl.ToJSON())
		if err != nil {
			panic(err)
		}
		var parsed struct{ Resources map[string]resource }
		if err := json.Unmarshal(raw, &parsed); err != nil {
			panic(err)
		}
		resources = parsed.Resources
		return m.Run()
	}()
	os.Exit(code)
}

// check turns a failed CDK assertion, which panics, into a test error.
func check(t *testing.T, assertion func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Helper()
			t.Errorf("%v", r)
		}
	}()
	assertion()
}

func logicalID(c constructs.IConstruct) string {
	return *testStack.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
}

func ref(c constructs.IConstruct) map[string]any { return map[string]any{"Ref": logicalID(c)} }

func getAtt(c constructs.IConstruct, attr string) map[string]any {
	return map[string]any{"Fn::GetAtt": []any{logicalID(c), attr}}
}

// ofType returns the logical ids of the resources of a type, sorted.
func ofType(typ string) []string {
	var ids []string
	for id, r := range resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// function finds the function built from fn's source.
func function(t *testing.T, fn contract.Function) (string, resource) {
	t.Helper()
	for _, id := range ofType("AWS::Lambda::Function") {
		if resources[id].Metadata[contract.SourceMetadata] == fn.Source() {
			return id, resources[id]
		}
	}
	t.Fatalf("no function built from %s", fn.Source())
	return "", resource{}
}

func TestTheBusIsOneCustomBusNamedForTheStage(t *testing.T) {
	check(t, func() { tpl.ResourceCountIs(jsii.String("AWS::Events::EventBus"), jsii.Number(1)) })
	check(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::Events::EventBus"), map[string]any{"Name": "eventshop-test"})
	})
}

func TestTheEventStoreIsKeyedByStreamAndVersionWithAStreamAndAnIndexByCorrelation(t *testing.T) {
	check(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::DynamoDB::Table"), map[string]any{
			"KeySchema": []any{
				map[string]any{"AttributeName": contract.EventStreamID, "KeyType": "HASH"},
				map[string]any{"AttributeName": contract.EventVersion, "KeyType": "RANGE"},
			},
			"StreamSpecification":              map[string]any{"StreamViewType": "NEW_IMAGE"},
			"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
			"BillingMode":                      "PAY_PER_REQUEST",
			"GlobalSecondaryIndexes": []any{map[string]any{
				"IndexName": contract.CorrelationIndex,
				"KeySchema": []any{
					map[string]any{"AttributeName": contract.EventCorrelationID, "KeyType": "HASH"},
					map[string]any{"AttributeName": contract.EventTimestamp, "KeyType": "RANGE"},
				},
				"Projection": map[string]any{"ProjectionType": "ALL"},
			}},
		})
	})
}

func TestTheUsersTableHasPointInTimeRecovery(t *testing.T) {
	check(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::DynamoDB::Table"), map[string]any{
			"KeySchema":                        []any{map[string]any{"AttributeName": contract.UsersKey, "KeyType": "HASH"}},
			"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
		})
	})
}

func TestEveryFunctionIsAGoBootstrapOnGraviton(t *testing.T) {
	for _, name := range contract.Functions() {
		t.Run(string(name), func(t *testing.T) {
			_, fn := function(t, name)
			p := fn.Properties
			if p["Runtime"] != "provided.al2023" || p["Handler"] != "bootstrap" || fmt.Sprint(p["Architectures"]) != "[arm64]" {
				t.Errorf("runtime %v, handler %v, architectures %v", p["Runtime"], p["Handler"], p["Architectures"])
			}
			if p["TracingConfig"].(map[string]any)["Mode"] != "Active" {
				t.Errorf("tracing = %v", p["TracingConfig"])
			}
			if p["LoggingConfig"].(map[string]any)["LogFormat"] != "JSON" {
				t.Errorf("logging = %v", p["LoggingConfig"])
			}
		})
	}
}

func TestFunctionsGetTheirConfigurationFromTheEnvironment(t *testing.T) {
	tests := []struct {
		function contract.Function
		env      map[contract.Var]any
	}{
		{contract.User, personalEnv(true, map[contract.Var]any{contract.EnvUsersTable: ref(testStack.Users), contract.EnvEventsTable: ref(testStack.EventStore)})},
		{contract.Order, personalEnv(false, map[contract.Var]any{contract.EnvEventsTable: ref(testStack.EventStore), contract.EnvCustomersTable: ref(testStack.Order.CustomersTable)})},
		{contract.Customers, consumerEnv(contract.Customers, map[contract.Var]any{contract.EnvCustomersTable: ref(testStack.Order.CustomersTable)})},
		{contract.Relay, map[contract.Var]any{contract.EnvEventBusName: ref(testStack.Bus)}},
		{contract.Notification, consumerEnv(contract.Notification, personalEnv(true, map[contract.Var]any{contract.EnvEventsTable: ref(testStack.EventStore),
			contract.EnvMailFrom: testMailFrom, contract.EnvResetURL: testResetURL, contract.EnvMailConfigurationSet: ref(testStack.Reputation.ConfigurationSet)}))},
		{contract.Bounces, map[contract.Var]any{contract.EnvEventsTable: ref(testStack.EventStore), contract.EnvDLQURL: ref(testStack.Reputation.DLQ)}},
		{contract.Inventory, map[contract.Var]any{contract.EnvStockTable: ref(testStack.Inventory.Stock)}},
		{contract.Outcomes, consumerEnv(contract.Outcomes, map[contract.Var]any{contract.EnvEventsTable: ref(testStack.EventStore)})},
		{contract.Deadline, consumerEnv(contract.Deadline, map[contract.Var]any{contract.EnvEventsTable: ref(testStack.EventStore)})},
		{contract.Payment, consumerEnv(contract.Payment, map[contract.Var]any{contract.EnvEventsTable: ref(testStack.EventStore),
			contract.EnvPaymentProvider: contract.SimulatedProvider})},
		{contract.Reservations, consumerEnv(contract.Reservations, map[contract.Var]any{contract.EnvEventsTable: ref(testStack.EventStore),
			contract.EnvStockTable: ref(testStack.Inventory.Stock)})},
	}
	if len(tests) != len(contract.Functions()) {
		t.Errorf("%d functions checked of %d", len(tests), len(contract.Functions()))
	}
	for _, tt := range tests {
		t.Run(string(tt.function), func(t *testing.T) {
			_, fn := function(t, tt.function)
			got := fn.Properties["Environment"].(map[string]any)["Variables"]
			want, _ := json.Marshal(tt.env)
			have, _ := json.Marshal(got)
			if string(want) != string(have) {
				t.Errorf("environment = %s, want %s", have, want)
			}
			// What the stack sets is exactly what the function reads: the
			// variables its contract gives it, which is all it may read.
			var names []string
			for name := range got.(map[string]any) {
				names = append(names, name)
			}
			var read []string
			for _, v := range tt.function.Env() {
				read = append(read, string(v))
			}
			slices.Sort(names)
			slices.Sort(read)
			if !slices.Equal(names, read) {
				t.Errorf("the stack sets %v, the function reads %v", names, read)
			}
		})
	}
}

// consumerEnv is env plus what every consumer is told of its delivery.
func consumerEnv(name contract.Function, env map[contract.Var]any) map[contract.Var]any {
	env[contract.EnvConsumerName] = string(name)
	env[contract.EnvIdempotencyTable] = ref(testStack.Idempotency)
	env[contract.EnvDLQURL] = ref(testStack.Consumers[name].DLQ)
	env[contract.EnvMaxReceiveCount] = "5"
	env[contract.EnvRetryBaseSeconds] = "3"
	env[contract.EnvLeaseSeconds] = "10"
	return env
}

func TestTheRelayReadsTheEventStoreStreamAndNeverSkipsARecordSilently(t *testing.T) {
	relay, _ := function(t, contract.Relay)
	check(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), map[string]any{
			"FunctionName":               map[string]any{"Ref": relay},
			"EventSourceArn":             getAtt(testStack.EventStore, "StreamArn"),
			"StartingPosition":           "TRIM_HORIZON",
			"BisectBatchOnFunctionError": true,
			"MaximumRetryAttempts":       10,
			"FunctionResponseTypes":      []any{"ReportBatchItemFailures"},
			"DestinationConfig": map[string]any{"OnFailure": map[string]any{
				"Destination": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^RelayFailures")), "Arn"}},
			}},
		})
	})
}

func TestTheDeadlineQueueHoldsEachPlacementForTheOrderDeadline(t *testing.T) {
	for name, c := range testStack.Consumers {
		delay := resources[logicalID(c.Queue)].Properties["DelaySeconds"]
		switch {
		case name == contract.Deadline && delay != float64(36):
			t.Errorf("the deadline queue delays by %v s, want the configured 36", delay)
		case name != contract.Deadline && delay != nil:
			t.Errorf("the %s queue delays by %v s", name, delay)
		}
	}
}

func TestEveryConsumerQueueHasADeadLetterQueueAndOutlastsSixInvocations(t *testing.T) {
	timeout := float64(timeoutSeconds)
	if len(testStack.Consumers) != len(contract.Consumers()) || len(contract.Consumers()) == 0 {
		t.Fatalf("%d consumers built for %d in the topology", len(testStack.Consumers), len(contract.Consumers()))
	}
	for name, c := range testStack.Consumers {
		t.Run(string(name), func(t *testing.T) {
			q := resources[logicalID(c.Queue)].Properties
			if vt, _ := q["VisibilityTimeout"].(float64); vt < 6*timeout {
				t.Errorf("visibility timeout %v s, want at least 6 × %v s", q["VisibilityTimeout"], timeout)
			}
			redrive, _ := q["RedrivePolicy"].(map[string]any)
			if fmt.Sprint(redrive["deadLetterTargetArn"]) != fmt.Sprint(getAtt(c.DLQ, "Arn")) || redrive["maxReceiveCount"] != float64(contract.MaxReceiveCount) {
				t.Errorf("redrive policy = %v", redrive)
			}
			for _, id := range []string{logicalID(c.Queue), logicalID(c.DLQ)} {
				if resources[id].Properties["SqsManagedSseEnabled"] != true {
					t.Errorf("%s is not encrypted at rest", id)
				}
			}
			fn := logicalID(c.Function)
			check(t, func() {
				tpl.HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), map[string]any{
					"FunctionName":          map[string]any{"Ref": fn},
					"EventSourceArn":        getAtt(c.Queue, "Arn"),
					"BatchSize":             batchSize,
					"FunctionResponseTypes": []any{"ReportBatchItemFailures"},
				})
			})
		})
	}
}

func TestEverySubscriptionIsOneRuleToItsConsumersQueue(t *testing.T) {
	check(t, func() {
		// One rule each, and the one that routes SES's bounces and complaints.
		tpl.ResourceCountIs(jsii.String("AWS::Events::Rule"), jsii.Number(float64(len(contract.Topology())+1)))
	})
	for _, sub := range contract.Topology() {
		t.Run(string(sub.Consumer)+" on "+sub.EventType, func(t *testing.T) {
			def, ok := events.Lookup(sub.EventType)
			if !ok {
				t.Fatalf("%s is not in the event catalogue", sub.EventType)
			}
			c := testStack.Consumers[sub.Consumer]
			check(t, func() {
				tpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), map[string]any{
					"EventBusName": ref(testStack.Bus),
					"EventPattern": map[string]any{"detail-type": []any{sub.EventType}, "source": []any{def.Source}},
					"Targets": []any{map[string]any{
						"Arn":              getAtt(c.Queue, "Arn"),
						"DeadLetterConfig": map[string]any{"Arn": assertions.Match_AnyValue()},
						"RetryPolicy":      map[string]any{"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 86400},
					}},
				})
			})
		})
	}
}

func TestTheTopologyNamesOnlyCataloguedEventsWithAConsumer(t *testing.T) {
	seen := map[contract.Subscription]bool{}
	for _, sub := range contract.Topology() {
		if _, ok := events.Lookup(sub.EventType); !ok {
			t.Errorf("%s subscribes to %s, which has no payload in the catalogue", sub.Consumer, sub.EventType)
		}
		if testStack.Consumers[sub.Consumer] == nil {
			t.Errorf("%s has no consumer function", sub.Consumer)
		}
		if seen[sub] {
			t.Errorf("%s subscribes to %s twice", sub.Consumer, sub.EventType)
		}
		seen[sub] = true
	}
}

func TestWhatNoRouteMatchesGoesToTheFallbackServer(t *testing.T) {
	fn, _ := function(t, contract.FallbackServer)
	var integration string
	for _, id := range ofType("AWS::ApiGatewayV2::Integration") {
		if b, _ := json.Marshal(resources[id].Properties["IntegrationUri"]); strings.Contains(string(b), `"`+fn+`"`) {
			integration = id
		}
	}
	check(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Route"), map[string]any{
			"RouteKey": string(contract.Fallback), "AuthorizationType": "AWS_IAM",
			"Target": map[string]any{"Fn::Join": []any{"", []any{"integrations/", map[string]any{"Ref": integration}}}},
		})
	})
}

func TestUserRoutesGoToTheUserFunction(t *testing.T) {
	user, _ := function(t, contract.User)
	check(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Integration"), map[string]any{
			"IntegrationType":      "AWS_PROXY",
			"PayloadFormatVersion": "2.0",
			"IntegrationUri":       map[string]any{"Fn::GetAtt": []any{user, "Arn"}},
		})
	})
	for _, route := range contract.User.Routes() {
		check(t, func() {
			tpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Route"), map[string]any{"RouteKey": string(route)})
		})
	}
}

func TestOrderAndStockRoutesGoToTheirFunctions(t *testing.T) {
	for _, fn := range []contract.Function{contract.Order, contract.Inventory} {
		t.Run(string(fn), func(t *testing.T) { routesGoTo(t, fn) })
	}
}

// routesGoTo checks that fn's routes are integrated with fn.
func routesGoTo(t *testing.T, fn contract.Function) {
	order, _ := function(t, fn)
	check(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Integration"), map[string]any{
			"IntegrationUri": map[string]any{"Fn::GetAtt": []any{order, "Arn"}},
		})
	})
	for _, route := range fn.Routes() {
		check(t, func() {
			tpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Route"), map[string]any{"RouteKey": string(route)})
		})
	}
}

func TestGrantsGiveEachFunctionWhatItNeedsOnItsResourcesOnly(t *testing.T) {
	tests := []struct {
		function contract.Function
		allow    []string // "action on resource-logical-id-prefix"
	}{
		{contract.User, []string{"dynamodb:PutItem on Users", "dynamodb:GetItem on Users", "dynamodb:UpdateItem on Users", "dynamodb:DeleteItem on Users",
			"dynamodb:PutItem on EventStore", "dynamodb:ConditionCheckItem on EventStore", "dynamodb:Query on EventStore",
			"dynamodb:GetItem on PersonalDataKeys", "dynamodb:PutItem on PersonalDataKeys", "dynamodb:DeleteItem on PersonalDataKeys",
			"kms:GenerateDataKey on PersonalDataPersonalDataKey", "kms:Decrypt on PersonalDataPersonalDataKey", "kms:Encrypt on PersonalDataResetTokenKey"}},
		{contract.Order, []string{"dynamodb:PutItem on EventStore", "dynamodb:ConditionCheckItem on EventStore", "dynamodb:Query on EventStore",
			"dynamodb:GetItem on OrderServiceCustomers", "dynamodb:GetItem on PersonalDataKeys", "kms:Decrypt on PersonalDataPersonalDataKey"}},
		{contract.Customers, []string{"dynamodb:PutItem on OrderServiceCustomers", "dynamodb:PutItem on Idempotency", "dynamodb:GetItem on Idempotency", "dynamodb:DeleteItem on Idempotency",
			"sqs:SendMessage on CustomersDLQ"}},
		{contract.Relay, []string{"events:PutEvents on Bus"}},
		{contract.Inventory, []string{"dynamodb:UpdateItem on InventoryServiceStock", "dynamodb:GetItem on InventoryServiceStock"}},
		{contract.Outcomes, []string{"dynamodb:PutItem on EventStore", "dynamodb:ConditionCheckItem on EventStore", "dynamodb:Query on EventStore",
			"dynamodb:PutItem on Idempotency", "dynamodb:GetItem on Idempotency", "dynamodb:DeleteItem on Idempotency", "sqs:SendMessage on OutcomesDLQ"}},
		{contract.Deadline, []string{"dynamodb:PutItem on EventStore", "dynamodb:ConditionCheckItem on EventStore", "dynamodb:Query on EventStore",
			"dynamodb:PutItem on Idempotency", "dynamodb:GetItem on Idempotency", "dynamodb:DeleteItem on Idempotency", "sqs:SendMessage on DeadlineDLQ"}},
		{contract.Payment, []string{"dynamodb:PutItem on EventStore", "dynamodb:ConditionCheckItem on EventStore", "dynamodb:Query on EventStore",
			"dynamodb:PutItem on Idempotency", "dynamodb:GetItem on Idempotency", "dynamodb:DeleteItem on Idempotency", "sqs:SendMessage on PaymentDLQ"}},
		{contract.Reservations, []string{"dynamodb:PutItem on EventStore", "dynamodb:ConditionCheckItem on EventStore", "dynamodb:Query on EventStore",
			"dynamodb:UpdateItem on InventoryServiceStock", "dynamodb:PutItem on Idempotency", "dynamodb:GetItem on Idempotency", "dynamodb:DeleteItem on Idempotency",
			"sqs:SendMessage on ReservationsDLQ"}},
		{contract.Bounces, []string{"dynamodb:PutItem on EventStore", "sqs:SendMessage on ReputationDLQ"}},
		{contract.Notification, []string{`ses:SendEmail on identity/",{"Ref":"` + logicalID(testStack.Notification.Sender) + `"}`,
			`ses:SendEmail on configuration-set/",{"Ref":"` + logicalID(testStack.Reputation.ConfigurationSet) + `"}`,
			"dynamodb:PutItem on EventStore", "dynamodb:Query on EventStore", "dynamodb:GetItem on PersonalDataKeys",
			"kms:Decrypt on PersonalDataPersonalDataKey", "kms:Decrypt on PersonalDataResetTokenKey", "dynamodb:PutItem on Idempotency", "dynamodb:GetItem on Idempotency", "dynamodb:DeleteItem on Idempotency", "sqs:SendMessage on NotificationDLQ"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.function), func(t *testing.T) {
			statements := policyStatements(t, tt.function)
			wanted := map[string]bool{}
			for _, want := range tt.allow {
				action, target, _ := strings.Cut(want, " on ")
				wanted[action] = true
				if !slices.ContainsFunc(statements, func(s statement) bool { return s.allows(action, target) }) {
					t.Errorf("no statement allows %s", want)
				}
			}
			for _, s := range statements {
				for _, a := range s.actions {
					if !wanted[a] && !plumbing(a) {
						t.Errorf("%s is allowed, but the function does not need it", a)
					}
				}
			}
			for _, s := range statements {
				for _, r := range s.resources {
					if r == `"*"` && slices.ContainsFunc(s.actions, func(a string) bool { return !unscoped(a) }) {
						t.Errorf("%v is granted on every resource", s.actions)
					}
				}
			}
		})
	}
}

// unscoped says whether IAM cannot scope an action to a resource, so
// that only "*" grants it.
func unscoped(action string) bool {
	return strings.HasPrefix(action, "xray:") || action == "dynamodb:ListStreams"
}

// plumbing says whether an action is granted by an event source mapping
// or for tracing, rather than for the function's own calls.
func plumbing(action string) bool {
	switch action {
	case "dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams",
		"sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueUrl", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
		"sqs:SendMessage", "xray:PutTraceSegments", "xray:PutTelemetryRecords", "logs:CreateLogStream", "logs:PutLogEvents":
		return true
	}
	return false
}

type statement struct {
	actions    []string
	resources  []string // JSON of each resource expression
	conditions string   // JSON of the conditions, if any
}

func (s statement) allows(action, target string) bool {
	if !slices.Contains(s.actions, action) {
		return false
	}
	return slices.ContainsFunc(s.resources, func(r string) bool { return strings.Contains(r, target) })
}

// policyStatements returns the Allow statements of a function's role.
func policyStatements(t *testing.T, name contract.Function) []statement {
	t.Helper()
	_, fn := function(t, name)
	role := fn.Properties["Role"].(map[string]any)["Fn::GetAtt"].([]any)[0]
	var out []statement
	for _, id := range ofType("AWS::IAM::Policy") {
		p := resources[id].Properties
		if fmt.Sprint(p["Roles"]) != fmt.Sprint([]any{map[string]any{"Ref": role}}) {
			continue
		}
		for _, raw := range p["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			st := raw.(map[string]any)
			if st["Effect"] != "Allow" {
				continue
			}
			var s statement
			for _, a := range asList(st["Action"]) {
				s.actions = append(s.actions, a.(string))
			}
			for _, r := range asList(st["Resource"]) {
				b, _ := json.Marshal(r)
				s.resources = append(s.resources, string(b))
			}
			if c, ok := st["Condition"]; ok {
				b, _ := json.Marshal(c)
				s.conditions = string(b)
			}
			out = append(out, s)
		}
	}
	return out
}

func asList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

func TestHandledEventsAreRememberedForDaysThenExpire(t *testing.T) {
	check(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::DynamoDB::Table"), map[string]any{
			"KeySchema":               []any{map[string]any{"AttributeName": contract.IdempotencyKey, "KeyType": "HASH"}},
			"TimeToLiveSpecification": map[string]any{"AttributeName": contract.IdempotencyExpiry, "Enabled": true},
		})
	})
}

func TestTheSenderIsAnSESIdentity(t *testing.T) {
	check(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::SES::EmailIdentity"), map[string]any{"EmailIdentity": testMailFrom})
	})
}

func TestTheStackOutputsWhatClientsNeed(t *testing.T) {
	for _, name := range []contract.Output{contract.OutputAPIURL, contract.OutputEventBusName, contract.OutputEventStoreTable, contract.OutputUsersTable, contract.OutputStockTable,
		contract.QueueOutput(string(contract.Notification)), contract.DLQOutput(string(contract.Notification)), contract.OutputRelayFailuresQueueURL} {
		check(t, func() { tpl.HasOutput(jsii.String(string(name)), map[string]any{"Value": assertions.Match_AnyValue()}) })
	}
}

func TestCdkNagFindsNoUnsuppressedError(t *testing.T) {
	for _, st := range []*Stack{testStack, optStack} {
		t.Run(*st.StackName(), func(t *testing.T) {
			annotations := assertions.Annotations_FromStack(st.Stack)
			for _, level := range []string{"error", "warning"} {
				var found *[]*cxapi.SynthesisMessage
				if level == "error" {
					found = annotations.FindError(jsii.String("*"), assertions.Match_AnyValue())
				} else {
					found = annotations.FindWarning(jsii.String("*"), assertions.Match_AnyValue())
				}
				for _, m := range *found {
					t.Errorf("%s at %s: %v", level, *m.Id, m.Entry.Data)
				}
			}
		})
	}
}

func TestCdkNagRunsOnEveryStack(t *testing.T) {
	// A stack without the rule packs has no findings either: check that
	// they are there, in every variant of the stack.
	for _, st := range []*Stack{testStack, optStack} {
		t.Run(*st.StackName(), func(t *testing.T) {
			packs := 0
			for _, a := range *awscdk.Aspects_Of(st.Stack).All() {
				if _, ok := a.(cdknag.NagPack); ok {
					packs++
				}
			}
			if packs != 2 {
				t.Errorf("%d cdk-nag rule packs on the stack, want AwsSolutions and Serverless", packs)
			}
		})
	}
}

func TestEveryRouteNeedsAnIAMSignatureByDefault(t *testing.T) {
	routes := ofType("AWS::ApiGatewayV2::Route")
	want := 1 // the fallback
	for _, rs := range contract.Routes() {
		want += len(rs)
	}
	if len(routes) != want {
		t.Errorf("the template has %d routes, the contract %d and the fallback", len(routes), want-1)
	}
	for _, id := range routes {
		if got := resources[id].Properties["AuthorizationType"]; got != "AWS_IAM" {
			t.Errorf("%s: authorization %v", resources[id].Properties["RouteKey"], got)
		}
	}
	check(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Api"), map[string]any{"CorsConfiguration": assertions.Match_Absent()})
	})
}

func TestAJWTIssuerReplacesIAMAndCORSOpensOnlyToTheConfiguredOrigins(t *testing.T) {
	check(t, func() {
		optTpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Authorizer"), map[string]any{
			"AuthorizerType":   "JWT",
			"JwtConfiguration": map[string]any{"Issuer": "https://issuer.example.com", "Audience": []any{"shop"}},
		})
	})
	check(t, func() {
		optTpl.AllResourcesProperties(jsii.String("AWS::ApiGatewayV2::Route"), map[string]any{"AuthorizationType": "JWT"})
	})
	check(t, func() {
		optTpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Api"), map[string]any{
			"CorsConfiguration": map[string]any{"AllowOrigins": []any{"https://shop.example.com"}, "AllowMethods": []any{"DELETE", "GET", "POST", "PUT"}},
		})
	})
}

func TestTheStageThrottlesAndLogsEveryRequestAsJSON(t *testing.T) {
	check(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Stage"), map[string]any{
			"StageName":            "$default",
			"DefaultRouteSettings": map[string]any{"ThrottlingRateLimit": apiRateLimit, "ThrottlingBurstLimit": apiBurstLimit},
			"AccessLogSettings": map[string]any{
				"DestinationArn": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^ApiAccessLogs")), "Arn"}},
				"Format":         assertions.Match_StringLikeRegexp(jsii.String(`^\{"requestId":"\$context.requestId".*\}$`)),
			},
		})
	})
}

func TestTheRelayMayPublishOnlyTheCataloguesSourcesOnTheBus(t *testing.T) {
	var sources []string
	for _, def := range events.Catalogue() {
		if !slices.Contains(sources, def.Source) {
			sources = append(sources, def.Source)
		}
	}
	slices.Sort(sources)
	want, _ := json.Marshal(map[string]any{"StringEquals": map[string]any{"events:source": sources}})
	if len(sources) < 3 {
		t.Fatalf("the catalogue has sources %v: where are the user, order and notification services?", sources)
	}
	for _, s := range policyStatements(t, contract.Relay) {
		if slices.Contains(s.actions, "events:PutEvents") {
			if s.conditions != string(want) {
				t.Errorf("events:PutEvents under %s, want %s", s.conditions, want)
			}
			return
		}
	}
	t.Error("the relay may not put events")
}

func TestDataIsRecoverableEncryptedAndLogsExpire(t *testing.T) {
	for _, id := range ofType("AWS::DynamoDB::Table") {
		pitr, _ := resources[id].Properties["PointInTimeRecoverySpecification"].(map[string]any)
		if pitr["PointInTimeRecoveryEnabled"] != true {
			t.Errorf("table %s has no point-in-time recovery", id)
		}
	}
	for _, id := range ofType("AWS::SQS::Queue") {
		if resources[id].Properties["SqsManagedSseEnabled"] != true {
			t.Errorf("queue %s is not encrypted at rest", id)
		}
		check(t, func() {
			tpl.HasResourceProperties(jsii.String("AWS::SQS::QueuePolicy"), map[string]any{
				"Queues": []any{map[string]any{"Ref": id}},
				"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
					"Effect": "Deny", "Action": "sqs:*", "Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
				})})},
			})
		})
	}
	for _, id := range ofType("AWS::Logs::LogGroup") {
		if resources[id].Properties["RetentionInDays"] == nil {
			t.Errorf("log group %s keeps logs forever", id)
		}
	}
}

func TestNoSecretIsPassedInTheEnvironment(t *testing.T) {
	secret := regexp.MustCompile(`(?i)secret|password|passwd|token|private|credential|api_?key`)
	for _, id := range ofType("AWS::Lambda::Function") {
		env, _ := resources[id].Properties["Environment"].(map[string]any)
		vars, _ := env["Variables"].(map[string]any)
		for name, value := range vars {
			if secret.MatchString(name) && !isKMSKeyARN(value) {
				t.Errorf("%s gets %s in its environment", id, name)
			}
		}
	}
}

func TestAlarmsTellOneTopicAboutDeadLettersLagAndFailures(t *testing.T) {
	// The functions emit EventsFailed with Service, Consumer and EventType.
	const consumerQuery = `SELECT SUM(EventsFailed) FROM SCHEMA("eventshop", Service, Consumer, EventType) WHERE Consumer = '`
	topic := logicalID(testStack.Observability.Alarms)
	count := map[string]int{}
	for _, id := range ofType("AWS::CloudWatch::Alarm") {
		p := resources[id].Properties
		for _, actions := range []string{"AlarmActions", "OKActions"} {
			if fmt.Sprint(p[actions]) != fmt.Sprint([]any{map[string]any{"Ref": topic}}) {
				t.Errorf("%s: %s = %v", id, actions, p[actions])
			}
		}
		metrics, _ := json.Marshal(p["Metrics"])
		switch {
		case p["MetricName"] == "ApproximateNumberOfMessagesVisible" && p["Threshold"] == 0.0:
			count["dead letters"]++
		case p["Namespace"] == "AWS/SES" && (p["MetricName"] == "Reputation.BounceRate" && p["Threshold"] == 0.04 ||
			p["MetricName"] == "Reputation.ComplaintRate" && p["Threshold"] == 0.0008):
			count["reputation"]++
		case p["MetricName"] == "ApproximateAgeOfOldestMessage" && p["Threshold"] == float64(oldestMessageAlarm):
			count["lag"]++
		case strings.Contains(string(metrics), `"MetricName":"Errors","Namespace":"AWS/Lambda"`) &&
			strings.Contains(string(metrics), "100 * errors / MAX([errors, invocations])") && p["Threshold"] == float64(errorRateAlarm):
			count["function errors"]++
		case strings.Contains(string(metrics), `"MetricName":"5xx","Namespace":"AWS/ApiGateway"`) &&
			strings.Contains(string(metrics), `"Dimensions":[{"Name":"ApiId","Value":{"Ref":"`+logicalID(testStack.API)+`"}}]`) &&
			strings.Contains(string(metrics), "100 * errors / MAX([errors, requests])") && p["Threshold"] == float64(errorRateAlarm):
			count["api 5xx"]++
		case p["Threshold"] == 0.0 && p["EvaluationPeriods"] == 1.0 && p["Metrics"] != nil:
			if query := insightsQueryOf(t, id, p); query == `SELECT SUM(FollowUpsFailed) FROM SCHEMA("eventshop", Service, Consumer, EventType)` {
				count["follow-ups failed"]++
			} else {
				t.Errorf("unexpected query alarm %s: %s", id, query)
			}
		case p["Threshold"] == 0.0 && p["EvaluationPeriods"] == float64(failingPeriods) && p["DatapointsToAlarm"] == nil:
			query := insightsQueryOf(t, id, p)
			switch {
			case query == `SELECT SUM(EventsNotPublished) FROM SCHEMA("eventshop", Service, EventType)`:
				count["relay refusals"]++
			case query == `SELECT SUM(OrdersExpired) FROM SCHEMA("eventshop", Service, Currency)`:
				count["orders expired"]++
			case query == `SELECT SUM(OrdersRejected) FROM SCHEMA("eventshop", Service, Reason) WHERE Reason = 'payment_unavailable'`:
				count["payment unavailable"]++
			case strings.HasPrefix(query, consumerQuery):
				name := strings.TrimSuffix(strings.TrimPrefix(query, consumerQuery), "'")
				if testStack.Consumers[contract.Function(name)] == nil {
					t.Errorf("%s watches the failures of %q, which is no consumer", id, name)
				}
				count["consumer failures"]++
			default:
				t.Errorf("unexpected query alarm %s: %s", id, query)
			}
		default:
			t.Errorf("unexpected alarm %s: %v", id, p)
		}
	}
	want := map[string]int{
		"dead letters":        len(contract.Consumers()) + 3, // each consumer's DLQ, the relay's failures, the bus DLQ and the bounces DLQ
		"reputation":          2,
		"lag":                 len(contract.Consumers()),
		"consumer failures":   len(contract.Consumers()),
		"relay refusals":      1,
		"orders expired":      1,
		"payment unavailable": 1,
		"follow-ups failed":   1,
		"api 5xx":             1,
		"function errors":     len(ofType("AWS::Lambda::Function")),
	}
	if fmt.Sprint(count) != fmt.Sprint(want) {
		t.Errorf("alarms:\n got %v\nwant %v", count, want)
	}
}

// insightsQueryOf returns the Metrics Insights query an alarm watches: its
// one metric, over five minutes.
func insightsQueryOf(t *testing.T, id string, p map[string]any) string {
	t.Helper()
	metrics, _ := p["Metrics"].([]any)
	if len(metrics) != 1 {
		t.Errorf("%s: metrics %v, want one query", id, p["Metrics"])
		return ""
	}
	m := metrics[0].(map[string]any)
	if m["Period"] != 300.0 || m["ReturnData"] != nil && m["ReturnData"] != true {
		t.Errorf("%s: query %v, want a period of 300 s and its data returned", id, m)
	}
	query, _ := m["Expression"].(string)
	return query
}

func TestTheDashboardShowsQueuesFunctionsEventsAndBusiness(t *testing.T) {
	ids := ofType("AWS::CloudWatch::Dashboard")
	if len(ids) != 1 {
		t.Fatalf("%d dashboards", len(ids))
	}
	raw, _ := json.Marshal(resources[ids[0]].Properties["DashboardBody"])
	body := string(raw)
	for _, want := range []string{
		`\"AWS/ApiGateway\",\"Count\"`, `\"AWS/ApiGateway\",\"5xx\"`, // the API
		"ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage", // per queue, and dead-letter depth
		`\"Errors\"`, `\"Throttles\"`, `\"Duration\"`, `\"stat\":\"p99\"`, // per function
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the dashboard lacks %s", want)
		}
	}
	// A search finds a metric only by its whole set of dimensions: the
	// contract's, which functions/internal/metrics emits each metric with.
	for _, metric := range []contract.Metric{contract.EventsPublished, contract.EventsNotPublished, contract.EventsConsumed,
		contract.EventsFailed, contract.EventsDeadLettered, contract.ProcessingLag, contract.UsersRegistered,
		contract.OrdersPlaced, contract.OrderValue, contract.MailsSent,
		contract.OrdersConfirmed, contract.OrdersRejected, contract.OrdersExpired, contract.OrdersCancelled} {
		dims := strings.Join(metric.Dimensions(), ",")
		search := fmt.Sprintf(`SEARCH('{%s,%s} MetricName=\\\"%s\\\"'`, contract.MetricsNamespace, dims, metric)
		if n := strings.Count(body, search); n != 1 {
			t.Errorf("the dashboard has %d searches %s, want 1", n, search)
		}
		if n := strings.Count(body, `MetricName=\\\"`+string(metric)+`\\\"`); n != 1 {
			t.Errorf("the dashboard looks for %s %d times, want once, with its dimensions %s", metric, n, dims)
		}
	}
}

func TestDashboardAndAlarmsCanBeLeftOut(t *testing.T) {
	for _, typ := range []string{"AWS::CloudWatch::Dashboard", "AWS::CloudWatch::Alarm", "AWS::SNS::Topic"} {
		check(t, func() { optTpl.ResourceCountIs(jsii.String(typ), jsii.Number(0)) })
	}
	outputs := optTpl.FindOutputs(jsii.String("*"), nil)
	for _, name := range []string{"AlarmTopicArn", "DashboardName"} {
		if _, ok := (*outputs)[name]; ok {
			t.Errorf("output %s without observability", name)
		}
	}
	if optStack.Observability != nil {
		t.Error("the stack has observability it was told to leave out")
	}
	check(t, func() {
		tpl.HasOutput(jsii.String("AlarmTopicArn"), map[string]any{"Value": assertions.Match_AnyValue()})
	})
	check(t, func() {
		tpl.HasOutput(jsii.String("DashboardName"), map[string]any{"Value": assertions.Match_AnyValue()})
	})
}

func TestInTheSESSandboxTheNotificationFunctionMaySendToTheConfiguredRecipientsOnly(t *testing.T) {
	var recipients []any
	for _, r := range testSandboxRecipients {
		recipients = append(recipients, map[string]any{"Fn::Join": []any{"", []any{
			"arn:", map[string]any{"Ref": "AWS::Partition"}, ":ses:", map[string]any{"Ref": "AWS::Region"}, ":",
			map[string]any{"Ref": "AWS::AccountId"}, ":identity/" + r,
		}}})
	}
	check(t, func() {
		optTpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
				"Action": "ses:SendEmail", "Effect": "Allow", "Resource": recipients,
			}})},
		})
	})
	// By default, only the sender's identity: the grants test checks the
	// default stack's statements exactly.
	for _, s := range policyStatements(t, contract.Notification) {
		for _, r := range s.resources {
			if strings.Contains(r, ":identity/") && !strings.Contains(r, logicalID(testStack.Notification.Sender)) {
				t.Errorf("the notification function may send mail to %s", r)
			}
		}
	}
}

func TestConfigValidationRejectsWhatCannotWork(t *testing.T) {
	valid := Config{Stage: "dev", MailFrom: "shop@example.com", ResetURL: "https://shop.example.com/reset", RetryBaseSeconds: "5", OrderDeadlineSeconds: "60", Observability: true}
	tests := []struct {
		name   string
		change func(*Config)
		err    string // a part of the error; "" for none
	}{
		{"the defaults of a deploy are valid", func(c *Config) {}, ""},
		{"a JWT issuer with its audience is valid", func(c *Config) {
			c.JWTIssuer, c.JWTAudience = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc", []string{"client"}
		}, ""},
		{"a JWT issuer needs an audience", func(c *Config) { c.JWTIssuer = "https://issuer.example.com" }, "jwtAudience is empty"},
		{"an audience needs an issuer", func(c *Config) { c.JWTAudience = []string{"shop"} }, "jwtAudience is set without jwtIssuer"},
		{"the issuer is an https URL", func(c *Config) { c.JWTIssuer, c.JWTAudience = "issuer.example.com", []string{"shop"} }, "want the issuer's https URL"},
		{"mail comes from an address", func(c *Config) { c.MailFrom = "example.com" }, "want an email address"},
		{"mail comes from a bare address", func(c *Config) { c.MailFrom = "Shop <shop@example.com>" }, "want an email address"},
		{"the stage names a stack", func(c *Config) { c.Stage = "my stage" }, "letters, digits and dashes"},
		{"a stage is named", func(c *Config) { c.Stage = "" }, "letters, digits and dashes"},
		{"the reset page is a URL", func(c *Config) { c.ResetURL = "/reset" }, "absolute http(s) URL"},
		{"the order deadline fits SQS's delivery delay", func(c *Config) { c.OrderDeadlineSeconds = "901" }, "from 1 to 900"},
		{"the retry base is whole seconds", func(c *Config) { c.RetryBaseSeconds = "0.5" }, "whole number of seconds"},
		{"sandbox recipients may be addresses and domains", func(c *Config) { c.SandboxRecipients = []string{"ada@example.com", "example.org"} }, ""},
		{"a sandbox recipient is no wildcard", func(c *Config) { c.SandboxRecipients = []string{"*"} }, "without wildcards"},
		{"a sandbox recipient is no pattern", func(c *Config) { c.SandboxRecipients = []string{"*@example.com"} }, "without wildcards"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid
			tt.change(&cfg)
			err := cfg.Validate()
			switch {
			case tt.err == "" && err != nil:
				t.Errorf("error %v", err)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Errorf("error %v, want one that says %q", err, tt.err)
			}
		})
	}
}

func TestConfigComesFromTheEnvironmentThenTheContext(t *testing.T) {
	tests := []struct {
		name    string
		context map[string]any
		env     map[string]string
		check   func(Config) bool
		err     string
	}{
		{"observability is on by default", nil, nil, func(c Config) bool { return c.Observability }, ""},
		{"-c observability=false turns it off", map[string]any{"observability": "false"}, nil, func(c Config) bool { return !c.Observability }, ""},
		{"cdk.json may say false as JSON", map[string]any{"observability": false}, nil, func(c Config) bool { return !c.Observability }, ""},
		{"the environment wins over the context", map[string]any{"observability": "false"}, map[string]string{"EVENTSHOP_OBSERVABILITY": "true"},
			func(c Config) bool { return c.Observability }, ""},
		{"observability is true or false", map[string]any{"observability": "maybe"}, nil, nil, `observability (EVENTSHOP_OBSERVABILITY or -c observability) is "maybe"`},
		{"lists are comma-separated", map[string]any{"sandboxRecipients": "ada@example.com, bob@example.com,"}, nil,
			func(c Config) bool { return fmt.Sprint(c.SandboxRecipients) == "[ada@example.com bob@example.com]" }, ""},
		{"the order deadline is twelve retry bases by default", map[string]any{"retryBaseSeconds": "2"}, nil,
			func(c Config) bool { return c.OrderDeadlineSeconds == "24" }, ""},
		{"the order deadline may be set", map[string]any{"orderDeadlineSeconds": "300"}, nil,
			func(c Config) bool { return c.OrderDeadlineSeconds == "300" }, ""},
		{"the sender comes from EVENTSHOP_MAIL_FROM", map[string]any{"mailFrom": "context@example.com"}, map[string]string{"EVENTSHOP_MAIL_FROM": "env@example.com"},
			func(c Config) bool { return c.MailFrom == "env@example.com" }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"EVENTSHOP_OBSERVABILITY", "EVENTSHOP_MAIL_FROM", "EVENTSHOP_SANDBOX_RECIPIENTS", "EVENTSHOP_RETRY_BASE_SECONDS", "EVENTSHOP_ORDER_DEADLINE_SECONDS"} {
				t.Setenv(k, tt.env[k])
			}
			app := awscdk.NewApp(&awscdk.AppProps{Context: &tt.context})
			cfg, err := ConfigFrom(app.Node())
			switch {
			case tt.err != "":
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("error %v, want one that says %s", err, tt.err)
				}
			case err != nil:
				t.Errorf("error %v", err)
			case !tt.check(cfg):
				t.Errorf("config %+v", cfg)
			}
		})
	}
}

// children lists the command names of this process's child processes.
func children() []string {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []string
	for _, path := range stats {
		raw, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces and parentheses.
		end := strings.LastIndexByte(string(raw), ')')
		fields := strings.Fields(string(raw[end+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(os.Getpid()) {
			out = append(out, string(raw[strings.IndexByte(string(raw), '(')+1:end]))
		}
	}
	return out
}

func TestInitializingThePackageStartsNoJSIIKernel(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc to see child processes")
	}
	// A package-level value built by a CDK call would start jsii's node
	// process when the package initializes, before a program can defer
	// jsii.Close.
	if len(childrenAtStart) > 0 {
		t.Errorf("the package's initialization started %v", childrenAtStart)
	}
}
