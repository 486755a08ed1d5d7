package contract

import "strings"

// Route is a route of the HTTP API as API Gateway keys it: a method and a
// path, whose parameters are in braces.
type Route string

// CorrelationHeader carries a flow's correlation id into a request and out
// of its response.
const CorrelationHeader = "X-Correlation-Id"

// IdempotencyHeader carries a client's key for POST /orders: the request
// sent again with the same key answers the order it placed the first time
// instead of placing another. IdempotentReplayHeader says, in the answer,
// that it was such a request.
const (
	IdempotencyHeader      = "Idempotency-Key"
	IdempotentReplayHeader = "Idempotent-Replayed"
)

// TakesIdempotencyKey says whether the route reads IdempotencyHeader.
func (r Route) TakesIdempotencyKey() bool { return r == PlaceOrder }

// Path parameters of the routes.
const (
	ParamUserID  = "userId"
	ParamOrderID = "orderId"
	ParamSKU     = "sku"
)

// The routes of the HTTP API.
const (
	RegisterUser       Route = "POST /users"
	GetUser            Route = "GET /users/{" + ParamUserID + "}"
	StartPasswordReset Route = "POST /users/{" + ParamUserID + "}/password-reset"
	ForgetUser         Route = "DELETE /users/{" + ParamUserID + "}"
	PlaceOrder         Route = "POST /orders"
	GetOrder           Route = "GET /orders/{" + ParamOrderID + "}"
	OrderHistory       Route = "GET /orders/{" + ParamOrderID + "}/events"
	CancelOrder        Route = "POST /orders/{" + ParamOrderID + "}/cancel"
	ShipOrder          Route = "POST /orders/{" + ParamOrderID + "}/ship"
	SetStock           Route = "PUT /stock/{" + ParamSKU + "}"
	GetStock           Route = "GET /stock/{" + ParamSKU + "}"
)

// Fallback is API Gateway's catch-all route: a request that no route
// matches — an unknown path, or a known path with another method — goes to
// FallbackServer, whose HTTP edge answers 404 or 405 in the API's error
// shape. It is not one of Routes.
const Fallback Route = "$default"

// FallbackServer is the function that serves Fallback.
const FallbackServer = User

// routes says which function serves each route: adding a route is its
// constant above and a line here.
var routes = []struct {
	route  Route
	serves Function
}{
	{RegisterUser, User},
	{GetUser, User},
	{StartPasswordReset, User},
	{ForgetUser, User},
	{PlaceOrder, Order},
	{GetOrder, Order},
	{OrderHistory, Order},
	{CancelOrder, Order},
	{ShipOrder, Order},
	{SetStock, Inventory},
	{GetStock, Inventory},
}

// Routes lists every route of the API, by the function that serves it.
func Routes() map[Function][]Route {
	out := map[Function][]Route{}
	for _, r := range routes {
		out[r.serves] = append(out[r.serves], r.route)
	}
	return out
}

// Match returns the routes whose path matches path, such as
// /users/8f0c…/password-reset, in the order they are declared: none for an
// unknown path, one for each method the path takes.
func Match(path string) []Route {
	got := strings.Split(strings.TrimSuffix(path, "/"), "/")
	var out []Route
	for _, r := range routes {
		want := strings.Split(r.route.Path(), "/")
		if len(want) != len(got) {
			continue
		}
		matches := true
		for i, seg := range want {
			param := strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}")
			if param && got[i] == "" || !param && seg != got[i] {
				matches = false
				break
			}
		}
		if matches {
			out = append(out, r.route)
		}
	}
	return out
}

// Method is the route's HTTP method.
func (r Route) Method() string {
	m, _, _ := strings.Cut(string(r), " ")
	return m
}

// Path is the route's path template, such as /users/{userId}.
func (r Route) Path() string {
	_, p, _ := strings.Cut(string(r), " ")
	return p
}

// Link is the route's path with its parameters filled in, in order: the
// Location of what a POST created, say. A missing value leaves its
// parameter as it is; values beyond the route's parameters are ignored.
func (r Route) Link(values ...string) string {
	var b strings.Builder
	rest := r.Path()
	for _, v := range values {
		open, close := strings.IndexByte(rest, '{'), strings.IndexByte(rest, '}')
		if open < 0 || close < open {
			break
		}
		b.WriteString(rest[:open])
		b.WriteString(v)
		rest = rest[close+1:]
	}
	b.WriteString(rest)
	return b.String()
}
