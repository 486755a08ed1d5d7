package contract_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
)

func TestARouteKnowsItsMethodItsPathAndItsLinks(t *testing.T) {
	r := contract.OrderHistory
	if r.Method() != "GET" || r.Path() != "/orders/{orderId}/events" {
		t.Errorf("method %q, path %q", r.Method(), r.Path())
	}
	for route, want := range map[string]string{
		contract.GetUser.Link("u-1"):            "/users/u-1",
		contract.OrderHistory.Link("o-1"):       "/orders/o-1/events",
		contract.RegisterUser.Link():            "/users",
		contract.StartPasswordReset.Link():      "/users/{userId}/password-reset",
		contract.CancelOrder.Link("o-1", "x-2"): "/orders/o-1/cancel",
	} {
		if route != want {
			t.Errorf("link %q, want %q", route, want)
		}
	}
}

func TestEveryRouteIsServedByOneFunction(t *testing.T) {
	seen := map[contract.Route]contract.Function{}
	for fn, routes := range contract.Routes() {
		for _, r := range routes {
			if other, ok := seen[r]; ok {
				t.Errorf("%s is served by %s and %s", r, other, fn)
			}
			seen[r] = fn
		}
	}
	if len(seen) == 0 {
		t.Error("no routes")
	}
}

func TestEveryFunctionIsAGoPackageOfTheCheckout(t *testing.T) {
	for _, fn := range contract.Functions() {
		if _, err := os.Stat(filepath.Join("..", fn.Source(), "main.go")); err != nil {
			t.Errorf("%s: %v", fn, err)
		}
		if fn.Service() == "" {
			t.Errorf("%s belongs to no service", fn)
		}
	}
}

func TestTheTopologyCannotBeChangedByItsReaders(t *testing.T) {
	first := contract.Topology()
	first[0].EventType = "user.teleported"
	_ = append(first[:1], contract.Subscription{Consumer: contract.User, EventType: "order.placed"})
	if again := contract.Topology(); again[0].EventType == "user.teleported" || slices.Contains(again, contract.Subscription{Consumer: contract.User, EventType: "order.placed"}) {
		t.Errorf("a reader changed the topology: %v", again)
	}
}

func TestTheTopologyNamesCataloguedTypesAndConsumersWithTheirEnvironment(t *testing.T) {
	for _, sub := range contract.Topology() {
		if _, ok := events.Lookup(sub.EventType); !ok {
			t.Errorf("%s subscribes to %s, which is not in the catalogue", sub.Consumer, sub.EventType)
		}
		if !slices.Contains(sub.Consumer.Env(), contract.EnvConsumerName) {
			t.Errorf("%s consumes events but is not told its consumer name", sub.Consumer)
		}
	}
	for _, fn := range contract.Functions() {
		if fn.Consumes() != (len(fn.Subscriptions()) > 0) {
			t.Errorf("%s: consumes %v with subscriptions %v", fn, fn.Consumes(), fn.Subscriptions())
		}
	}
}

func TestEveryVariableIsReadBySomeFunctionAndHasAnExample(t *testing.T) {
	read := map[contract.Var]bool{}
	for _, fn := range contract.Functions() {
		for _, v := range fn.Env() {
			read[v] = true
			if err := v.Check(v.Example()); err != nil {
				t.Errorf("%s's example: %v", v, err)
			}
			if err := v.Check(""); err == nil {
				t.Errorf("%s may be empty", v)
			}
		}
	}
	for _, v := range []contract.Var{contract.EnvEventsTable, contract.EnvUsersTable, contract.EnvCustomersTable, contract.EnvEventBusName,
		contract.EnvMailFrom, contract.EnvResetURL, contract.EnvConsumerName, contract.EnvIdempotencyTable, contract.EnvDLQURL,
		contract.EnvMaxReceiveCount, contract.EnvRetryBaseSeconds, contract.EnvLeaseSeconds} {
		if !read[v] {
			t.Errorf("%s is read by no function", v)
		}
	}
	if contract.EnvLeaseSeconds.Check("0") == nil || contract.EnvResetURL.Check("reset") == nil {
		t.Error("a malformed value passes its check")
	}
}

func TestOutputsOfAConsumerNameItInPascalCase(t *testing.T) {
	if got := contract.QueueOutput("order-history"); got != "OrderHistoryQueueUrl" {
		t.Errorf("queue output %q", got)
	}
	name, ok := contract.ConsumerOfDLQOutput(contract.DLQOutput("notification"))
	if !ok || contract.QueueOutputOf(name) != contract.QueueOutput("notification") {
		t.Errorf("consumer of the DLQ output: %q %v", name, ok)
	}
	if got := contract.Pascal("user.passwordReset"); got != "UserPasswordReset" {
		t.Errorf("Pascal = %q", got)
	}
}

func TestEveryMetricHasServiceFirstAmongItsDimensions(t *testing.T) {
	for _, m := range []contract.Metric{contract.EventsPublished, contract.EventsNotPublished, contract.EventsConsumed, contract.EventsFailed,
		contract.EventsRetried, contract.EventsDeadLettered, contract.EventsDuplicated, contract.EventsSkipped, contract.FollowUpsFailed,
		contract.ProcessingLag, contract.UsersRegistered, contract.PasswordResetsStarted, contract.OrdersPlaced, contract.OrderValue,
		contract.OrdersCancelled, contract.MailsSent} {
		if d := m.Dimensions(); len(d) == 0 || d[0] != contract.DimService {
			t.Errorf("%s has dimensions %v", m, d)
		}
	}
}

// TestNamesADeploymentDependsOnDoNotChange spells out, once more and on
// purpose, the names that deployed stacks, their data and the tools that
// read them depend on: renaming one in the contract would pass every other
// test, as both sides follow it, and replace a table or break evctl
// against a stack already deployed. Change one here only with a migration.
func TestNamesADeploymentDependsOnDoNotChange(t *testing.T) {
	for _, name := range [][2]string{
		{contract.EventStreamID, "streamId"},
		{contract.EventVersion, "version"},
		{contract.EventEnvelope, "envelope"},
		{contract.EventID, "eventId"},
		{contract.EventType, "eventType"},
		{contract.EventCorrelationID, "correlationId"},
		{contract.EventTimestamp, "timestamp"},
		{contract.CorrelationIndex, "byCorrelation"},
		{contract.UsersKey, "pk"},
		{contract.CustomersKey, "userId"},
		{contract.IdempotencyKey, "pk"},
		{contract.IdempotencyExpiry, "expiresAt"},
		{contract.SourceMetadata, "eventshop:source"},
		{contract.MetricsNamespace, "eventshop"},
		{string(contract.OutputAPIURL), "ApiUrl"},
		{string(contract.OutputEventBusName), "EventBusName"},
		{string(contract.OutputEventStoreTable), "EventStoreTableName"},
		{string(contract.OutputUsersTable), "UsersTableName"},
		{string(contract.OutputCustomersTable), "CustomersTableName"},
		{string(contract.OutputRelayFailuresQueueURL), "RelayFailuresQueueUrl"},
		{string(contract.OutputBusDLQURL), "BusDLQUrl"},
		{string(contract.OutputLocalAPIURL), "LocalApiUrl"},
		{string(contract.OutputEmulatorURL), "EmulatorUrl"},
		{string(contract.OutputFaultsURL), "FaultsUrl"},
		{string(contract.QueueOutput("notification")), "NotificationQueueUrl"},
		{string(contract.DLQOutput("notification")), "NotificationDLQUrl"},
		{string(contract.RegisterUser), "POST /users"},
		{string(contract.GetUser), "GET /users/{userId}"},
		{string(contract.StartPasswordReset), "POST /users/{userId}/password-reset"},
		{string(contract.PlaceOrder), "POST /orders"},
		{string(contract.GetOrder), "GET /orders/{orderId}"},
		{string(contract.OrderHistory), "GET /orders/{orderId}/events"},
		{string(contract.CancelOrder), "POST /orders/{orderId}/cancel"},
		{strings.Join(contract.EventsConsumed.Dimensions(), ","), "Service,Consumer,EventType"},
		{strings.Join(contract.EventsPublished.Dimensions(), ","), "Service,EventType"},
		{strings.Join(contract.OrdersPlaced.Dimensions(), ","), "Service,Currency"},
		{strings.Join(contract.MailsSent.Dimensions(), ","), "Service,Template"},
	} {
		if got, want := name[0], name[1]; got != want {
			t.Errorf("%q was %q: renaming it breaks what was deployed with it", got, want)
		}
	}
}

func TestEveryFunctionHasATestThatStartsItFromItsContract(t *testing.T) {
	for _, fn := range contract.Functions() {
		tests, _ := filepath.Glob(filepath.Join("..", fn.Source(), "*_test.go"))
		found := false
		for _, f := range tests {
			src, _ := os.ReadFile(f)
			found = found || strings.Contains(string(src), "boottest.Starts(t, contract."+contract.Pascal(string(fn))+",")
		}
		if !found {
			t.Errorf("%s has no test that calls boottest.Starts(t, contract.%s, setup)", fn.Source(), contract.Pascal(string(fn)))
		}
	}
}
