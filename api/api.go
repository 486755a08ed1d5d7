// Package api holds the HTTP API's JSON Schemas — the body each route
// takes and what it answers — and the validators generated from them
// (schemas_gen.go). Request bodies are checked against them strictly, so
// that a request's rules are written once, in the schema, and shared with
// the events where they say the same (events/schemas/common.json); the
// OpenAPI document is made from them, and the end-to-end tests hold every
// answer to them.
package api

import (
	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/jsoncheck"
)

//go:generate go run ../cmd/schemagen -pkg api -out schemas_gen.go -ref ../events/schemas/common.json -ref ../events/schemas/envelope.json schemas

// Route is what a route takes and answers, by schema file.
type Route struct {
	// Operation names the route in the OpenAPI document; Summary says
	// what it does.
	Operation, Summary string
	// Request is the schema of the body, "" if the route takes none.
	Request string
	// RequestOptional says whether the body may be left out.
	RequestOptional bool
	// Response is the schema of a success's body, "" if it has none, and
	// Status its status.
	Response string
	Status   int
}

// ErrorSchema is the schema of every 4xx and 5xx body.
const ErrorSchema = "error.json"

// For returns what a route of the contract takes and answers.
func For(route contract.Route) (Route, bool) {
	switch route {
	case contract.RegisterUser:
		return Route{Operation: "registerUser", Summary: "Register a user; emits user.registered.",
			Request: "register-user.json", Response: "user.json", Status: 201}, true
	case contract.GetUser:
		return Route{Operation: "getUser", Summary: "Read a user, without secrets.", Response: "user.json", Status: 200}, true
	case contract.StartPasswordReset:
		return Route{Operation: "startPasswordReset", Summary: "Start a password reset; emits user.passwordReset, whose mail carries the token. At most one a minute and five an hour per user: past that, 429 with Retry-After.",
			Request: "start-password-reset.json", RequestOptional: true, Response: "password-reset.json", Status: 202}, true
	case contract.ForgetUser:
		return Route{Operation: "forgetUser", Summary: "Forget a user at their request: their state and data key go, so that their personal data in every event opens to nothing; emits user.forgotten. No body.",
			Status: 204}, true
	case contract.PlaceOrder:
		return Route{Operation: "placeOrder", Summary: "Place an order for a registered user; emits order.placed.",
			Request: "place-order.json", Response: "order.json", Status: 201}, true
	case contract.GetOrder:
		return Route{Operation: "getOrder", Summary: "Read an order, folded from its events.", Response: "order.json", Status: 200}, true
	case contract.OrderHistory:
		return Route{Operation: "getOrderHistory", Summary: "Read an order's events, oldest first, each at its type's latest version.",
			Response: "order-history.json", Status: 200}, true
	case contract.CancelOrder:
		return Route{Operation: "cancelOrder", Summary: "Cancel a placed order; emits order.cancelled.",
			Request: "cancel-order.json", RequestOptional: true, Response: "order.json", Status: 200}, true
	case contract.SetStock:
		return Route{Operation: "setStock", Summary: "Set how many of an item are available (an operator's route); what is reserved and sold stays.",
			Request: "set-stock.json", Response: "stock.json", Status: 200}, true
	case contract.GetStock:
		return Route{Operation: "getStock", Summary: "Read an item's stock: available, reserved and sold.", Response: "stock.json", Status: 200}, true
	case contract.ShipOrder:
		return Route{Operation: "shipOrder", Summary: "Ship a placed order; emits order.shipped.",
			Request: "ship-order.json", Response: "order.json", Status: 200}, true
	}
	return Route{}, false
}

// Check returns the validator of a schema file of the package, or nil.
func Check(file string) func(*jsoncheck.Checker) { return checkSchema(file) }

// RequestCheck returns the validator of a route's request body, or nil if
// the route takes none.
func RequestCheck(route contract.Route) func(*jsoncheck.Checker) {
	r, ok := For(route)
	if !ok || r.Request == "" {
		return nil
	}
	return checkSchema(r.Request)
}

// ValidID says whether s is an id as the API takes them in paths and
// bodies: a UUID in its one canonical form, lower-case with dashes
// (common.json#/$defs/id). An upper-case, braced, urn: or undashed
// spelling of the same UUID is not one.
func ValidID(s string) bool { return jsoncheck.CheckString(s, checkCommonId) == nil }

// ValidSKU says whether s is a SKU as the API takes them in paths
// (common.json#/$defs/sku).
func ValidSKU(s string) bool { return jsoncheck.CheckString(s, checkCommonSku) == nil }

// SKURule says what ValidSKU wants, for an error message.
const SKURule = "must be letters, digits, '.', '_' and '-', starting with a letter or a digit, at most 64"

// IDRule says what ValidID wants, for an error message.
const IDRule = "must be a UUID in lower case with dashes, such as 8f0c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e"
