package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/keyring"
)

type user struct {
	UserID    string    `json:"userId"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
}

func register(t *testing.T, email, name string, headers ...string) user {
	t.Helper()
	r := call(t, http.MethodPost, "/users", map[string]string{"email": email, "name": name}, headers...)
	return decode[user](t, r, http.StatusCreated)
}

func TestRegisteringAUserSendsOneWelcomeMail(t *testing.T) {
	email := uniqueEmail("ada")
	correlation := "e2e-" + uuid.NewString()
	r := call(t, http.MethodPost, "/users", map[string]string{"email": email, "name": "Ada Lovelace"}, "X-Correlation-Id", correlation)
	u := decode[user](t, r, http.StatusCreated)

	if _, err := uuid.Parse(u.UserID); err != nil || u.Email != email || u.Name != "Ada Lovelace" {
		t.Errorf("created user = %+v", u)
	}
	if time.Since(u.CreatedAt) > time.Minute || u.CreatedAt.Location() != time.UTC {
		t.Errorf("createdAt = %v, want a moment ago in UTC", u.CreatedAt)
	}
	if got := r.header.Get("Location"); got != "/users/"+u.UserID {
		t.Errorf("Location = %q", got)
	}
	if got := r.header.Get("X-Correlation-Id"); got != correlation {
		t.Errorf("X-Correlation-Id = %q, want the request's %q", got, correlation)
	}

	mail := waitForMail(t, email, 1, nil)[0]
	if mail.Subject != "Welcome to eventshop" || !strings.Contains(mail.Text, "Ada Lovelace") {
		t.Errorf("subject = %q", mail.Subject)
	}
	for _, body := range []string{mail.Text, mail.HTML} {
		if !strings.Contains(body, "Ada Lovelace") || !strings.Contains(body, u.UserID) {
			t.Errorf("body does not greet the user by name with their id:\n%s", body)
		}
	}
	if !strings.Contains(mail.HTML, "<h1>") {
		t.Errorf("HTML body is not HTML: %s", mail.HTML)
	}

	// Delivery may repeat, the mail must not.
	assertMailsOnceDrained(t, email, nil, 1)
}

func TestRegistrationStoresTheEventInTheUsersStream(t *testing.T) {
	email := uniqueEmail("grace")
	correlation := "e2e-" + uuid.NewString()
	u := register(t, email, "Grace Hopper", "X-Correlation-Id", correlation)

	store := eventstore.NewDynamo(dynamo(), output(contract.OutputEventStoreTable))
	records, err := store.Load(context.Background(), contract.UserStream.ID(u.UserID), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 1 {
		t.Fatalf("stream user-%s has %d events, want 1", u.UserID, len(records))
	}
	env := records[0].Envelope
	if records[0].Version != 1 || env.EventType != events.TypeUserRegistered || env.Source != events.SourceUser {
		t.Errorf("event = v%d %s from %s", records[0].Version, env.EventType, env.Source)
	}
	if env.Metadata.CorrelationID != correlation || env.Metadata.CausationID == "" {
		t.Errorf("metadata = %+v, want correlation %s and the request as cause", env.Metadata, correlation)
	}
	p, err := events.Decode[events.UserRegistered](env)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(env.Data), email) || strings.Contains(string(env.Data), "Grace") {
		t.Errorf("the event holds the contact in clear: %s", env.Data)
	}
	c, err := keyring.Open(context.Background(), stackKeys(), p.Contact)
	if err != nil || p.UserID != u.UserID || c != (events.Contact{Email: email, Name: "Grace Hopper"}) {
		t.Errorf("payload %+v opens to %+v, %v", p, c, err)
	}
}

func TestAnEmailRegistersOnce(t *testing.T) {
	email := uniqueEmail("alan")
	register(t, email, "Alan Turing")

	for _, again := range []string{email, strings.ToUpper(email)} {
		r := call(t, http.MethodPost, "/users", map[string]string{"email": again, "name": "Someone Else"})
		e := decode[apiError](t, r, http.StatusConflict)
		if e.Error != "conflict" || e.Field != "email" {
			t.Errorf("registering %s again: %+v", again, e)
		}
	}
	waitForMail(t, email, 1, nil)
	assertMailsOnceDrained(t, email, nil, 1) // only the first registration's
}

func TestBadRegistrationsAreRefusedNamingTheProblem(t *testing.T) {
	valid := `{"email":"` + uniqueEmail("bad") + `","name":"Bad Request"}`
	tests := []badBody{
		{"a body that is not JSON", `{"email":`, nil, 400, ""},
		{"a JSON array", `[]`, nil, 400, ""},
		{"an empty body", ``, nil, 400, ""},
		{"two JSON objects", valid + valid, nil, 400, ""},
		{"no content type", valid, []string{"Content-Type", ""}, 415, "Content-Type"},
		{"a text content type", valid, []string{"Content-Type", "text/plain"}, 415, "Content-Type"},
		{"a missing email", `{"name":"Ada"}`, nil, 400, "email"},
		{"an email without @", `{"email":"ada.example.com","name":"Ada"}`, nil, 400, "email"},
		{"an email with a display name", `{"email":"Ada <ada@example.com>","name":"Ada"}`, nil, 400, "email"},
		{"a missing name", `{"email":"ada@example.com"}`, nil, 400, "name"},
		{"a blank name", `{"email":"ada@example.com","name":"   "}`, nil, 400, "name"},
		{"a name of 101 characters", `{"email":"ada@example.com","name":"` + strings.Repeat("a", 101) + `"}`, nil, 400, "name"},
		{"an unknown field", `{"email":"ada@example.com","name":"Ada","admin":true}`, nil, 400, "admin"},
		{"a number for the email", `{"email":42,"name":"Ada"}`, nil, 400, "email"},
		{"a body over 64 KiB", `{"email":"ada@example.com","name":"` + strings.Repeat("a", 70000) + `"}`, nil, 413, ""},
		{"a malformed correlation id", valid, []string{"X-Correlation-Id", "has spaces"}, 400, "X-Correlation-Id"},
		{"the email twice", `{"email":"a@example.com","email":"b@example.com","name":"n"}`, nil, 400, "email"},
		{"the email in capitals", `{"EMAIL":"a@example.com","name":"n"}`, nil, 400, "EMAIL"},
		{"email and Email", `{"email":"a@example.com","Email":"b@example.com","name":"n"}`, nil, 400, "Email"},
		{"invalid UTF-8 in the name", "{\"email\":\"a@example.com\",\"name\":\"Ada \xff\"}", nil, 400, "name"},
		{"a lone surrogate in the name", `{"email":"a@example.com","name":"Ada \ud800"}`, nil, 400, "name"},
		{"an address literal", `{"email":"x@[127.0.0.1]","name":"Ada"}`, nil, 400, "email"},
		{"a dotless domain", `{"email":"x@localhost","name":"Ada"}`, nil, 400, "email"},
		{"a bidi override in the name", `{"email":"a@example.com","name":"Ada \u202e"}`, nil, 400, "name"},
		{"a line separator in the name", `{"email":"a@example.com","name":"Ada\u2028Lovelace"}`, nil, 400, "name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, http.MethodPost, "/users", tt.body, tt.headers...)
			e := decode[apiError](t, r, tt.status)
			if e.Field != tt.field {
				t.Errorf("field = %q, want %q (%s)", e.Field, tt.field, r.body)
			}
			if e.Message == "" || e.Error == "" || e.RequestID == "" {
				t.Errorf("error body lacks a code, message or request id: %s", r.body)
			}
		})
	}
}

func TestARegisteredUserCanBeReadBackWhereLocationPoints(t *testing.T) {
	r := call(t, http.MethodPost, "/users", map[string]string{"email": uniqueEmail("edsger"), "name": "Edsger Dijkstra"})
	created := decode[user](t, r, http.StatusCreated)

	got := decode[user](t, call(t, http.MethodGet, r.header.Get("Location"), nil), http.StatusOK)
	if got.UserID != created.UserID || got.Email != created.Email || got.Name != created.Name || !got.CreatedAt.Equal(created.CreatedAt) {
		t.Errorf("read back %+v, created %+v", got, created)
	}

	e := decode[apiError](t, call(t, http.MethodGet, "/users/"+uuid.NewString(), nil), http.StatusNotFound)
	if e.Error != "not_found" {
		t.Errorf("unknown user: %+v", e)
	}
	e = decode[apiError](t, call(t, http.MethodGet, "/users/not-a-uuid", nil), http.StatusBadRequest)
	if e.Field != "userId" {
		t.Errorf("malformed id: %+v", e)
	}
}
