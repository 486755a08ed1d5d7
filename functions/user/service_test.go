package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/functions/internal/failure"
)

// fakeStore keeps users in memory with the Store contract: unique emails
// regardless of case.
type fakeStore struct {
	users  []User
	events []events.Envelope
	resets map[string]string // token hash by user id
	err    error
}

func (s *fakeStore) StartReset(_ context.Context, userID, tokenHash string, _ time.Time, reset events.Envelope) error {
	if _, err := s.Get(context.Background(), userID); err != nil {
		return err
	}
	if s.resets == nil {
		s.resets = map[string]string{}
	}
	s.resets[userID] = tokenHash
	s.events = append(s.events, reset)
	return nil
}

func (s *fakeStore) Get(_ context.Context, id string) (User, error) {
	for _, u := range s.users {
		if u.UserID == id {
			return u, nil
		}
	}
	return User{}, ErrNotFound
}

func (s *fakeStore) Create(_ context.Context, u User, registered events.Envelope) error {
	if s.err != nil {
		return s.err
	}
	for _, other := range s.users {
		if strings.EqualFold(other.Email, u.Email) {
			return ErrEmailTaken
		}
	}
	s.users = append(s.users, u)
	s.events = append(s.events, registered)
	return nil
}

var meta = events.Metadata{CorrelationID: "flow-1", CausationID: "request-1"}

func TestRegisterStoresTheUserWithItsEvent(t *testing.T) {
	store := &fakeStore{}
	svc := &Service{store: store}
	u, registered, err := svc.Register(context.Background(), Registration{Email: "  ada@example.com ", Name: " Ada Lovelace "}, meta)
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "ada@example.com" || u.Name != "Ada Lovelace" || u.UserID == "" {
		t.Errorf("user = %+v, want trimmed fields and an id", u)
	}
	if len(store.users) != 1 || len(store.events) != 1 {
		t.Fatalf("stored %d users and %d events", len(store.users), len(store.events))
	}
	env := store.events[0]
	if registered.EventID != env.EventID {
		t.Errorf("Register returned event %s, stored %s", registered.EventID, env.EventID)
	}
	if !reflect.DeepEqual(env.Metadata, meta) || !env.Timestamp.Equal(u.CreatedAt) {
		t.Errorf("event metadata %+v at %v; user created at %v", env.Metadata, env.Timestamp, u.CreatedAt)
	}
	p, err := events.Decode[events.UserRegistered](env)
	if err != nil {
		t.Fatal(err)
	}
	if p != (events.UserRegistered{UserID: u.UserID, Email: u.Email, Name: u.Name}) {
		t.Errorf("payload = %+v, user = %+v", p, u)
	}
}

func TestRegisterAcceptsANameOf100Characters(t *testing.T) {
	_, _, err := (&Service{store: &fakeStore{}}).Register(context.Background(), Registration{Email: "ada@example.com", Name: strings.Repeat("é", 100)}, meta)
	if err != nil {
		t.Error(err)
	}
}

func TestRegisterReportsATakenEmail(t *testing.T) {
	svc := &Service{store: &fakeStore{}}
	if _, _, err := svc.Register(context.Background(), Registration{Email: "ada@example.com", Name: "Ada"}, meta); err != nil {
		t.Fatal(err)
	}
	_, _, err := svc.Register(context.Background(), Registration{Email: "ADA@example.com", Name: "Imposter"}, meta)
	if !errors.Is(err, ErrEmailTaken) || failure.Of(err).Kind != failure.Conflict {
		t.Errorf("err = %v, want ErrEmailTaken", err)
	}
}

func TestRegisterPassesStoreFailuresOnAsInternal(t *testing.T) {
	svc := &Service{store: &fakeStore{err: errors.New("throttled")}}
	_, _, err := svc.Register(context.Background(), Registration{Email: "ada@example.com", Name: "Ada"}, meta)
	if err == nil || failure.Of(err).Kind != failure.Internal {
		t.Errorf("err = %v, want an internal failure", err)
	}
}

func TestGetFindsARegisteredUserAndNamesWhatIsWrongOtherwise(t *testing.T) {
	svc := &Service{store: &fakeStore{}}
	u, _, err := svc.Register(context.Background(), Registration{Email: "ada@example.com", Name: "Ada"}, meta)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := svc.Get(context.Background(), u.UserID); err != nil || got != u {
		t.Errorf("Get = %+v, %v; want %+v", got, err, u)
	}
	if _, err := svc.Get(context.Background(), "5f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id: %v", err)
	}
	if _, err := svc.Get(context.Background(), "42"); failure.Of(err).Kind != failure.Invalid {
		t.Errorf("malformed id: %v", err)
	}
}

func TestAPasswordResetKeepsTheTokensHashAndMailsTheToken(t *testing.T) {
	store := &fakeStore{}
	svc := &Service{store: store}
	u, _, err := svc.Register(context.Background(), Registration{Email: "ada@example.com", Name: "Ada"}, meta)
	if err != nil {
		t.Fatal(err)
	}
	r, reset, err := svc.StartPasswordReset(context.Background(), u.UserID, meta)
	if err != nil {
		t.Fatal(err)
	}
	if reset.EventID != store.events[len(store.events)-1].EventID {
		t.Errorf("StartPasswordReset returned event %s, stored %s", reset.EventID, store.events[len(store.events)-1].EventID)
	}
	if d := time.Until(r.ExpiresAt); d < 59*time.Minute || d > time.Hour {
		t.Errorf("expires in %v, want an hour", d)
	}
	p, err := events.Decode[events.UserPasswordReset](store.events[len(store.events)-1])
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(p.Token))
	if store.resets[u.UserID] != hex.EncodeToString(sum[:]) || strings.Contains(store.resets[u.UserID], p.Token) {
		t.Errorf("stored %q for token %q, want its SHA-256 only", store.resets[u.UserID], p.Token)
	}
	if p.Email != u.Email || !p.ExpiresAt.Equal(r.ExpiresAt) || len(p.Token) != 43 {
		t.Errorf("event = %+v", p)
	}
	again, _, _ := svc.StartPasswordReset(context.Background(), u.UserID, meta)
	p2, _ := events.Decode[events.UserPasswordReset](store.events[len(store.events)-1])
	if p2.Token == p.Token || again.UserID != u.UserID {
		t.Error("a second reset reused the token")
	}
}

func TestAPasswordResetForNobodyIsNotFound(t *testing.T) {
	svc := &Service{store: &fakeStore{}}
	if _, _, err := svc.StartPasswordReset(context.Background(), "5f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e", meta); !errors.Is(err, ErrNotFound) {
		t.Errorf("err = %v", err)
	}
	if _, _, err := svc.StartPasswordReset(context.Background(), "nobody", meta); failure.Of(err).Kind != failure.Invalid {
		t.Errorf("malformed id: %v", err)
	}
}
