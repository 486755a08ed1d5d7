package contract

import "slices"

// Function is one Lambda function of the stack, named for its bootstrap
// and its log lines.
type Function string

// The functions of the stack.
const (
	// User registers users and starts password resets.
	User Function = "user"
	// Order places, shows and cancels orders.
	Order Function = "order"
	// Customers is the order service's projection of users.
	Customers Function = "customers"
	// Relay publishes the event store's stream to the bus.
	Relay Function = "relay"
	// Notification mails users what happened.
	Notification Function = "notification"
	// Bounces is the notification service's reader of SES's bounces and
	// complaints: it suppresses the recipients mail must not go to again.
	Bounces Function = "bounces"
	// Outcomes is the order service's reader of what payment and
	// inventory did for an order: it confirms or rejects the order.
	Outcomes Function = "outcomes"
	// Deadline is the order service's reader of order.placed, delayed by
	// the order deadline: it expires an order still placed by then.
	Deadline Function = "deadline"
	// Payment authorizes an order's total with the payment provider, and
	// voids or refunds it when the order ends otherwise.
	Payment Function = "payment"
	// Inventory sets and shows the stock of each item.
	Inventory Function = "inventory"
	// Reservations is the inventory service's reader of orders: it
	// reserves their items, all or none, sells or releases them.
	Reservations Function = "reservations"
)

// function is what the stack knows of a function.
type function struct {
	source  string // Go package, relative to the checkout
	service string // the service it belongs to, in logs and metrics
	env     []Var
	streams []Stream // the event store streams it reads and writes
	delayed bool     // its queue holds each message for the order deadline
}

var functions = map[Function]function{
	User: {source: "functions/user", service: "user", streams: []Stream{UserStream},
		env: []Var{EnvUsersTable, EnvEventsTable, EnvKeysTable, EnvPersonalDataKey, EnvResetTokenKey}},
	Order: {source: "functions/order", service: "order", streams: []Stream{OrderStream},
		env: []Var{EnvEventsTable, EnvCustomersTable, EnvKeysTable, EnvPersonalDataKey}},
	Customers: {source: "functions/order/customers", service: "order", env: []Var{EnvCustomersTable}},
	Relay:     {source: "functions/relay", service: "relay", env: []Var{EnvEventBusName}},
	Notification: {source: "functions/notification", service: "notification", streams: []Stream{NotificationStream, SuppressionStream},
		env: []Var{EnvMailFrom, EnvMailConfigurationSet, EnvResetURL, EnvEventsTable, EnvKeysTable, EnvPersonalDataKey, EnvResetTokenKey}},
	Bounces: {source: "functions/notification/bounces", service: "notification", streams: []Stream{SuppressionStream},
		env: []Var{EnvEventsTable, EnvDLQURL}},
	Outcomes: {source: "functions/order/outcomes", service: "order", streams: []Stream{OrderStream}, env: []Var{EnvEventsTable}},
	Deadline: {source: "functions/order/deadline", service: "order", streams: []Stream{OrderStream}, env: []Var{EnvEventsTable},
		delayed: true},
	Payment:   {source: "functions/payment", service: "payment", streams: []Stream{PaymentStream}, env: []Var{EnvEventsTable, EnvPaymentProvider}},
	Inventory: {source: "functions/inventory", service: "inventory", env: []Var{EnvStockTable}},
	Reservations: {source: "functions/inventory/reservations", service: "inventory", streams: []Stream{StockStream},
		env: []Var{EnvEventsTable, EnvStockTable}},
}

// Functions lists every function of the stack, sorted.
func Functions() []Function {
	out := make([]Function, 0, len(functions))
	for f := range functions {
		out = append(out, f)
	}
	slices.Sort(out)
	return out
}

// Source is the Go package the function's bootstrap is built from,
// relative to the checkout, such as "functions/user".
func (f Function) Source() string { return functions[f].source }

// Service is the service the function belongs to: its own name, or, for
// a function that reads a service's queue or projection, that service's.
func (f Function) Service() string { return functions[f].service }

// Env lists the environment variables the function reads, and the stack
// sets, in the order they are documented: its own, then, for a consumer
// of the topology, ConsumerEnv.
func (f Function) Env() []Var {
	env := slices.Clone(functions[f].env)
	if f.Consumes() {
		env = append(env, ConsumerEnv()...)
	}
	return env
}

// Streams lists the kinds of event store stream the function reads and
// writes: its role may touch those and no others.
func (f Function) Streams() []Stream { return slices.Clone(functions[f].streams) }

// Routes lists the HTTP API routes the function serves, in the order
// they are declared.
func (f Function) Routes() []Route {
	var out []Route
	for _, r := range routes {
		if r.serves == f {
			out = append(out, r.route)
		}
	}
	return out
}

// Delayed says whether the function's queue holds each message for the
// order deadline before delivering it: the deadline function's, which
// expires the orders still placed by then.
func (f Function) Delayed() bool { return functions[f].delayed }

// Consumes says whether the topology subscribes the function to events.
func (f Function) Consumes() bool {
	return slices.ContainsFunc(topology, func(s Subscription) bool { return s.Consumer == f })
}
