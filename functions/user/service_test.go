package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/functions/internal/failure"
	"github.com/eventshop/eventshop/keyring"
)

// fakeStore keeps users in memory with the Store contract: unique email
// keys, and the data keys of the users it holds kept in keys.
type fakeStore struct {
	mu     sync.Mutex
	keys   *keyring.Memory
	users  []Record
	events []events.Envelope
	resets map[string]string // token hash by user id
	err    error
}

func (s *fakeStore) StartReset(_ context.Context, userID, tokenHash string, _ time.Time, seen, resets []time.Time, reset events.Envelope) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.users, func(r Record) bool { return r.UserID == userID })
	if i < 0 {
		return ErrNotFound
	}
	if !slices.EqualFunc(s.users[i].Resets, seen, time.Time.Equal) {
		return ErrResetsChanged
	}
	if s.resets == nil {
		s.resets = map[string]string{}
	}
	s.resets[userID] = tokenHash
	s.users[i].Resets = resets
	s.events = append(s.events, reset)
	return nil
}

func (s *fakeStore) Get(_ context.Context, id string) (Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.users {
		if u.UserID == id {
			return u, nil
		}
	}
	return Record{}, ErrNotFound
}

func (s *fakeStore) Create(_ context.Context, r Record, key *keyring.Key, registered events.Envelope) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	for _, other := range s.users {
		if other.EmailKey == r.EmailKey {
			return ErrEmailTaken
		}
	}
	s.keys.Keep(key)
	s.users = append(s.users, r)
	s.events = append(s.events, registered)
	return nil
}

func (s *fakeStore) Forget(_ context.Context, userID string, forgotten events.Envelope) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.users, func(r Record) bool { return r.UserID == userID })
	if i < 0 {
		return ErrNotFound
	}
	s.users = slices.Delete(s.users, i, i+1)
	s.keys.Delete(userID)
	s.events = append(s.events, forgotten)
	return nil
}

// fakeTokens stands for the reset token key: it remembers the token
// behind each ciphertext it made, which only the test reads. It is safe
// for concurrent use, as the key is.
type fakeTokens struct {
	mu    sync.Mutex
	clear map[string]string
}

func (f *fakeTokens) Seal(_ context.Context, subject, token string) (events.Secret, error) {
	ciphertext := []byte(uuid.NewString())
	f.mu.Lock()
	f.clear[string(ciphertext)] = token
	f.mu.Unlock()
	return events.Secret{Ciphertext: ciphertext}, nil
}

// newService returns a service over a fake store, a keyring in memory and
// fake tokens.
func newService() (*Service, *fakeStore, *fakeTokens) {
	keys := keyring.NewMemory()
	store, tokens := &fakeStore{keys: keys}, &fakeTokens{clear: map[string]string{}}
	return &Service{store: store, keys: keys, tokens: tokens}, store, tokens
}

var meta = events.Metadata{CorrelationID: "flow-1", CausationID: "request-1"}

func TestRegisterStoresTheUserWithItsEvent(t *testing.T) {
	svc, store, _ := newService()
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
	if strings.Contains(string(env.Data), "ada") || strings.Contains(string(env.Data), "Lovelace") || p.Contact.Legacy != nil {
		t.Errorf("the event holds the contact in clear: %s", env.Data)
	}
	if c, err := keyring.Open(context.Background(), svc.keys, p.Contact); err != nil || p.UserID != u.UserID ||
		c != (events.Contact{Email: u.Email, Name: u.Name}) {
		t.Errorf("payload %+v opens to %+v, %v; user = %+v", p, c, err, u)
	}
	if rec := store.users[0]; strings.Contains(rec.EmailKey, "ada") || len(rec.EmailKey) != 64 {
		t.Errorf("the email is reserved by %q, want its blind index", rec.EmailKey)
	}
}

func TestRegisterAcceptsANameOf100Characters(t *testing.T) {
	svc, _, _ := newService()
	_, _, err := svc.Register(context.Background(), Registration{Email: "ada@example.com", Name: strings.Repeat("é", 100)}, meta)
	if err != nil {
		t.Error(err)
	}
}

func TestRegisterReportsATakenEmail(t *testing.T) {
	svc, _, _ := newService()
	if _, _, err := svc.Register(context.Background(), Registration{Email: "ada@example.com", Name: "Ada"}, meta); err != nil {
		t.Fatal(err)
	}
	_, _, err := svc.Register(context.Background(), Registration{Email: "ADA@example.com", Name: "Imposter"}, meta)
	if !errors.Is(err, ErrEmailTaken) || failure.Of(err).Kind != failure.Conflict {
		t.Errorf("err = %v, want ErrEmailTaken", err)
	}
}

func TestRegisterPassesStoreFailuresOnAsInternal(t *testing.T) {
	svc, store, _ := newService()
	store.err = errors.New("throttled")
	_, _, err := svc.Register(context.Background(), Registration{Email: "ada@example.com", Name: "Ada"}, meta)
	if err == nil || failure.Of(err).Kind != failure.Internal {
		t.Errorf("err = %v, want an internal failure", err)
	}
}

func TestGetFindsARegisteredUserAndNamesWhatIsWrongOtherwise(t *testing.T) {
	svc, _, _ := newService()
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

func TestAPasswordResetKeepsTheTokensHashAndMailsTheTokenEncrypted(t *testing.T) {
	svc, store, tokens := newService()
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
	token := tokens.clear[string(p.Token.Ciphertext)]
	sum := sha256.Sum256([]byte(token))
	if store.resets[u.UserID] != hex.EncodeToString(sum[:]) || strings.Contains(store.resets[u.UserID], token) || len(token) != 43 {
		t.Errorf("stored %q for token %q, want its SHA-256 only", store.resets[u.UserID], token)
	}
	if strings.Contains(string(store.events[len(store.events)-1].Data), token) || p.Token.Legacy != "" {
		t.Error("the event holds the token in clear")
	}
	if c, err := keyring.Open(context.Background(), svc.keys, p.Contact); err != nil || c.Email != u.Email || !p.ExpiresAt.Equal(r.ExpiresAt) {
		t.Errorf("event = %+v, contact %+v, %v", p, c, err)
	}
	store.users[0].Resets[0] = store.users[0].Resets[0].Add(-time.Minute) // a minute later
	again, _, err := svc.StartPasswordReset(context.Background(), u.UserID, meta)
	if err != nil {
		t.Fatal(err)
	}
	p2, _ := events.Decode[events.UserPasswordReset](store.events[len(store.events)-1])
	if tokens.clear[string(p2.Token.Ciphertext)] == token || again.UserID != u.UserID {
		t.Error("a second reset reused the token")
	}
}

func TestAPasswordResetForNobodyIsNotFound(t *testing.T) {
	svc, _, _ := newService()
	if _, _, err := svc.StartPasswordReset(context.Background(), "5f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e", meta); !errors.Is(err, ErrNotFound) {
		t.Errorf("err = %v", err)
	}
	if _, _, err := svc.StartPasswordReset(context.Background(), "nobody", meta); failure.Of(err).Kind != failure.Invalid {
		t.Errorf("malformed id: %v", err)
	}
}

func TestAForgottenUserIsGoneWithTheirKeyAndTheirEmailIsFreeAgain(t *testing.T) {
	svc, store, _ := newService()
	ctx := context.Background()
	u, registered, err := svc.Register(ctx, Registration{Email: "ada@example.com", Name: "Ada"}, meta)
	if err != nil {
		t.Fatal(err)
	}
	forgotten, err := svc.Forget(ctx, u.UserID, meta)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := events.Decode[events.UserForgotten](forgotten); err != nil || p.UserID != u.UserID || store.events[len(store.events)-1].EventID != forgotten.EventID {
		t.Errorf("forgotten = %+v, %v", p, err)
	}
	if _, err := svc.Get(ctx, u.UserID); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after Forget: %v", err)
	}
	p, _ := events.Decode[events.UserRegistered](registered)
	if _, err := keyring.Open(ctx, svc.keys, p.Contact); !errors.Is(err, keyring.ErrForgotten) {
		t.Errorf("the registration's contact opens after Forget: %v", err)
	}
	if _, err := svc.Forget(ctx, u.UserID, meta); !errors.Is(err, ErrNotFound) {
		t.Errorf("forgetting twice: %v", err)
	}
	if _, _, err := svc.StartPasswordReset(ctx, u.UserID, meta); !errors.Is(err, ErrNotFound) {
		t.Errorf("a reset for a forgotten user: %v", err)
	}
	if _, _, err := svc.Register(ctx, Registration{Email: "Ada@Example.com", Name: "Ada again"}, meta); err != nil {
		t.Errorf("the email of a forgotten user is not free: %v", err)
	}
	if _, err := svc.Forget(ctx, "nobody", meta); failure.Of(err).Kind != failure.Invalid {
		t.Errorf("malformed id: %v", err)
	}
}

func first[A, B, C any](a A, _ B, _ C) A { return a }

func TestOfResetsAtOnceTheLimitLetsOneThroughAndTellsTheOthersWhenToTryAgain(t *testing.T) {
	svc, store, _ := newService()
	u, _, err := svc.Register(context.Background(), Registration{Email: "ada@example.com", Name: "Ada"}, meta)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	started, limited := 0, 0
	for range 30 {
		wg.Go(func() {
			_, _, err := svc.StartPasswordReset(context.Background(), u.UserID, meta)
			mu.Lock()
			defer mu.Unlock()
			switch f := failure.Of(err); {
			case err == nil:
				started++
			case f.Kind == failure.TooManyRequests && f.RetryAfter > 0 && f.RetryAfter <= time.Minute:
				limited++
			default:
				t.Errorf("err = %v", err)
			}
		})
	}
	wg.Wait()
	if started != 1 || limited != 29 || len(store.events) != 2 {
		t.Errorf("%d started, %d limited, %d events; want 1, 29 and the registration and one reset", started, limited, len(store.events))
	}
}
