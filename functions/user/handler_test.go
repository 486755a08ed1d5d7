package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/functions/internal/boot"
	"github.com/eventshop/eventshop/functions/internal/boot/boottest"
	"github.com/eventshop/eventshop/functions/internal/httpapi"
)

func TestPostUsersAnswers201WithTheUserAndItsLocationAndLogsItsEvent(t *testing.T) {
	var log bytes.Buffer
	svc, store, _ := newService()
	h := httpapi.Handler(slog.New(slog.NewJSONHandler(&log, nil)), routes(svc))
	req := lambdaevents.APIGatewayV2HTTPRequest{
		RouteKey: string(contract.RegisterUser),
		Headers:  map[string]string{"content-type": "application/json"},
		Body:     `{"email":"ada@example.com","name":"Ada"}`,
	}
	req.RequestContext.RequestID = "req-1"
	resp, err := h(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	var u User
	if err := json.Unmarshal([]byte(resp.Body), &u); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 201 || u.Email != "ada@example.com" || resp.Headers["Location"] != "/users/"+u.UserID {
		t.Errorf("got %d %s %v", resp.StatusCode, resp.Body, resp.Headers)
	}
	var line map[string]any
	if err := json.Unmarshal(log.Bytes(), &line); err != nil || len(store.events) != 1 ||
		line["event_id"] != store.events[0].EventID || line["event_type"] != events.TypeUserRegistered {
		t.Errorf("the request line %s does not name the event it appended (%v)", log.String(), err)
	}

	resp, _ = h(context.Background(), req)
	if resp.StatusCode != 409 {
		t.Errorf("registering again: %d %s", resp.StatusCode, resp.Body)
	}
}

func TestTheEnvironmentIsCheckedAgainstTheContract(t *testing.T) {
	_, err := boot.ReadEnv(contract.User, func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), string(contract.EnvUsersTable)) || !strings.Contains(err.Error(), string(contract.EnvEventsTable)) {
		t.Errorf("err = %v", err)
	}
}

func TestTheFunctionStartsFromItsContractsEnvironmentAlone(t *testing.T) {
	boottest.Starts(t, contract.User, setup)
}

func TestTheFunctionServesTheRoutesTheStackGivesIt(t *testing.T) {
	served := slices.Sorted(maps.Keys(routes(&Service{})))
	if want := slices.Sorted(slices.Values(contract.User.Routes())); !slices.Equal(served, want) {
		t.Errorf("serves %v, the stack routes %v to it", served, want)
	}
}

// post sends a body to POST /users through the handler, as API Gateway
// would, and returns the status and the error body.
func post(t *testing.T, svc *Service, body string) (int, struct{ Field, Message string }) {
	t.Helper()
	h := httpapi.Handler(slog.New(slog.DiscardHandler), routes(svc))
	req := lambdaevents.APIGatewayV2HTTPRequest{RouteKey: string(contract.RegisterUser), Headers: map[string]string{"content-type": "application/json"}, Body: body}
	req.RequestContext.RequestID = "req-1"
	resp, err := h(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	var e struct{ Field, Message string }
	_ = json.Unmarshal([]byte(resp.Body), &e)
	return resp.StatusCode, e
}

func TestInvalidRegistrationsAreRefusedByTheRequestSchema(t *testing.T) {
	tests := []struct {
		name, body, field string
	}{
		{"no email", `{"name":"Ada"}`, "email"},
		{"an email without a domain", `{"email":"ada","name":"Ada"}`, "email"},
		{"an email with a display name", `{"email":"Ada <ada@example.com>","name":"Ada"}`, "email"},
		{"two addresses", `{"email":"a@example.com, b@example.com","name":"Ada"}`, "email"},
		{"an email over 254 characters", `{"email":"` + strings.Repeat("a", 250) + `@example.com","name":"Ada"}`, "email"},
		{"an address literal", `{"email":"x@[127.0.0.1]","name":"Ada"}`, "email"},
		{"a dotless domain", `{"email":"x@localhost","name":"Ada"}`, "email"},
		{"no name", `{"email":"ada@example.com"}`, "name"},
		{"a name of spaces", `{"email":"ada@example.com","name":"   "}`, "name"},
		{"a name over 100 characters", `{"email":"ada@example.com","name":"` + strings.Repeat("é", 101) + `"}`, "name"},
		{"a name with a newline", `{"email":"ada@example.com","name":"Ada\nLovelace"}`, "name"},
		{"a name with a line separator", `{"email":"ada@example.com","name":"Ada\u2028Lovelace"}`, "name"},
		{"a name with a bidi override", `{"email":"ada@example.com","name":"Ada\u202eecalevoL"}`, "name"},
		{"the email twice", `{"email":"a@example.com","email":"b@example.com","name":"n"}`, "email"},
		{"the email in capitals", `{"EMAIL":"a@example.com","name":"n"}`, "EMAIL"},
		{"a lone surrogate in the name", `{"email":"ada@example.com","name":"Ada \ud800"}`, "name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, store, _ := newService()
			status, e := post(t, svc, tt.body)
			if status != 400 || e.Field != tt.field {
				t.Errorf("got %d %+v, want 400 naming %s", status, e, tt.field)
			}
			if strings.Contains(e.Message, "example.com") || strings.Contains(e.Message, "Ada") {
				t.Errorf("the message repeats the value: %q", e.Message)
			}
			if len(store.users) != 0 {
				t.Error("an invalid registration was stored")
			}
		})
	}
	if status, e := post(t, first(newService()), `{"email":"ada@example.com","name":"`+strings.Repeat("é", 100)+`"}`); status != 201 {
		t.Errorf("a name of 100 characters: %d %+v", status, e)
	}
}

func TestDeleteUserAnswers204WithNoBodyThen404(t *testing.T) {
	svc, _, _ := newService()
	u, _, err := svc.Register(context.Background(), Registration{Email: "ada@example.com", Name: "Ada"}, meta)
	if err != nil {
		t.Fatal(err)
	}
	h := httpapi.Handler(slog.New(slog.DiscardHandler), routes(svc))
	req := lambdaevents.APIGatewayV2HTTPRequest{RouteKey: string(contract.ForgetUser), PathParameters: map[string]string{contract.ParamUserID: u.UserID}}
	req.RequestContext.RequestID = "req-1"
	for _, want := range []int{204, 404} {
		resp, err := h(context.Background(), req)
		if err != nil || resp.StatusCode != want || (want == 204 && (resp.Body != "" || resp.Headers["Content-Type"] != "")) {
			t.Errorf("got %d %q %v, %v; want %d", resp.StatusCode, resp.Body, resp.Headers, err, want)
		}
	}
}
