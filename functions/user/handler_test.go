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
	store := &fakeStore{}
	h := httpapi.Handler(slog.New(slog.NewJSONHandler(&log, nil)), routes(&Service{store: store}))
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
