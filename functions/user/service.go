package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/eventshop/eventshop/api"
	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/functions/internal/failure"
	"github.com/eventshop/eventshop/functions/internal/metrics"
	"github.com/eventshop/eventshop/functions/internal/secret"
	"github.com/eventshop/eventshop/keyring"
)

// User is a registered user as the API shows it.
type User struct {
	UserID    string    `json:"userId"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
}

// Registration is the body of POST /users.
type Registration struct {
	Email string `json:"email"`
	Name  string `json:"name"`
}

// Record is a user as the store keeps them: their contact sealed under
// their data key, their email only as its blind index.
type Record struct {
	UserID    string
	Contact   events.Sealed[events.Contact]
	EmailKey  string
	CreatedAt time.Time
	// Resets are the times of the user's recent password resets, oldest
	// first: what the reset limit needs to remember (see limit.go).
	Resets []time.Time
}

// Domain errors of the user service.
var (
	// ErrEmailTaken means another user registered the email first.
	ErrEmailTaken = &failure.Error{Kind: failure.Conflict, Field: "email", Message: "is already registered"}
	// ErrNotFound means there is no user with the id: there never was, or
	// they were forgotten.
	ErrNotFound = failure.New(failure.NotFound, "no such user")
	// ErrResetsChanged means a reset was recorded after the one being
	// started read the user: the limit must be checked again.
	ErrResetsChanged = errors.New("the user's resets changed meanwhile")
)

// Store keeps users. Implementations are safe for concurrent use.
type Store interface {
	// Create stores r, keeps the data key that seals its contact, and
	// appends registered at version 1 of stream user-<userId>, in one
	// transaction: all are written or none. It returns ErrEmailTaken if a
	// user with the same email key exists.
	Create(ctx context.Context, r Record, key *keyring.Key, registered events.Envelope) error
	// Get returns the user with the id, or ErrNotFound. It reads what
	// Create wrote, however recently.
	Get(ctx context.Context, userID string) (Record, error)
	// StartReset replaces the user's reset token hash and expiry, and their
	// recent resets seen with resets, and appends reset to the user's
	// stream, in one transaction. It returns ErrResetsChanged if the
	// user's recent resets are no longer seen (another reset came first),
	// and ErrNotFound if there is no such user.
	StartReset(ctx context.Context, userID, tokenHash string, expiresAt time.Time, seen, resets []time.Time, reset events.Envelope) error
	// Forget deletes the user, their email's reservation and their data
	// key, and appends forgotten to their stream, in one transaction. It
	// returns ErrNotFound if there is no such user.
	Forget(ctx context.Context, userID string, forgotten events.Envelope) error
}

// Keys makes and reads the users' data keys; see keyring.Keyring.
type Keys interface {
	keyring.Keys
	// New makes a data key for a new user, which Store.Create keeps.
	New(ctx context.Context, subject string) (*keyring.Key, error)
	// Blind is the keyed hash that reserves an email without holding it.
	Blind(ctx context.Context, value string) (string, error)
}

// Tokens encrypts reset tokens for the notification function alone; see
// secret.Box.
type Tokens interface {
	Seal(ctx context.Context, subject, secret string) (events.Secret, error)
}

var (
	_ Keys   = (*keyring.Keyring)(nil)
	_ Tokens = (*secret.Box)(nil)
)

// Service registers, reads and forgets users. It is safe for concurrent
// use.
type Service struct {
	store   Store
	keys    Keys
	tokens  Tokens
	metrics *metrics.Emitter
}

// Register stores the new user with their user.registered event, caused
// by the request that meta describes, and returns the user and the event
// it appended. The request schema (api/schemas/register-user.json) has
// checked r; the spaces around its email and name go. The contact is
// sealed under a data key of the user's own, and the email reserved by its
// blind index: neither table nor event holds it in clear.
func (s *Service) Register(ctx context.Context, r Registration, meta events.Metadata) (User, events.Envelope, error) {
	contact := events.Contact{Email: strings.TrimSpace(r.Email), Name: strings.TrimSpace(r.Name)}
	if err := contact.Check(); err != nil {
		return User{}, events.Envelope{}, requestFault(err)
	}
	userID := uuid.NewString()
	key, err := s.keys.New(ctx, userID)
	if err != nil {
		return User{}, events.Envelope{}, err
	}
	sealed, err := keyring.Seal(key, contact)
	if err != nil {
		return User{}, events.Envelope{}, err
	}
	emailKey, err := s.keys.Blind(ctx, normalEmail(contact.Email))
	if err != nil {
		return User{}, events.Envelope{}, err
	}
	env, err := events.New(events.UserRegistered{UserID: userID, Contact: sealed}, meta)
	if err != nil {
		return User{}, events.Envelope{}, err
	}
	rec := Record{UserID: userID, Contact: sealed, EmailKey: emailKey, CreatedAt: env.Timestamp}
	if err := s.store.Create(ctx, rec, key, env); err != nil {
		return User{}, events.Envelope{}, err
	}
	s.metrics.Emit(nil, metrics.CountOf(contract.UsersRegistered, 1))
	return User{UserID: userID, Email: contact.Email, Name: contact.Name, CreatedAt: rec.CreatedAt}, env, nil
}

// normalEmail is the form of an email that its reservation is made of:
// two spellings that differ only in case are one address.
func normalEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// requestFault turns a contact its schema refused into a 400 naming the
// request field; the schema has the last word on what is valid.
func requestFault(err error) error {
	var invalid *events.InvalidError
	if errors.As(err, &invalid) && invalid.Field != "" {
		return failure.InvalidField(invalid.Field, "%s", invalid.Reason)
	}
	return err
}

// Get returns the user with the id, their contact opened. An id that is
// not a UUID is an invalid request rather than an unknown user.
func (s *Service) Get(ctx context.Context, userID string) (User, error) {
	rec, err := s.record(ctx, userID)
	if err != nil {
		return User{}, err
	}
	c, err := keyring.Open(ctx, s.keys, rec.Contact)
	if errors.Is(err, keyring.ErrForgotten) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("open the contact of %s: %w", userID, err)
	}
	return User{UserID: rec.UserID, Email: c.Email, Name: c.Name, CreatedAt: rec.CreatedAt}, nil
}

func (s *Service) record(ctx context.Context, userID string) (Record, error) {
	if !api.ValidID(userID) {
		return Record{}, failure.InvalidField("userId", api.IDRule)
	}
	return s.store.Get(ctx, userID)
}

// resetTTL is how long a password reset token works.
const resetTTL = time.Hour

// PasswordReset is the answer to POST /users/{userId}/password-reset. The
// token itself goes only into the mail.
type PasswordReset struct {
	UserID    string    `json:"userId"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// StartPasswordReset makes a single-use token for the user, keeps its
// SHA-256 and appends user.passwordReset, which carries the token to the
// mail encrypted for the notification function alone, and the user's
// contact as sealed. A newer reset replaces an older one's token. A reset
// past the user's limit (limit.go) is a TooManyRequests failure that says
// when to try again; of resets at once, the limit lets through what it
// would one after another. It returns the reset and the event it
// appended.
func (s *Service) StartPasswordReset(ctx context.Context, userID string, meta events.Metadata) (PasswordReset, events.Envelope, error) {
	for attempt := 1; ; attempt++ {
		r, env, err := s.startPasswordReset(ctx, userID, meta)
		if errors.Is(err, ErrResetsChanged) && attempt < 3 {
			continue // read the user again, limit included
		}
		return r, env, err
	}
}

func (s *Service) startPasswordReset(ctx context.Context, userID string, meta events.Metadata) (PasswordReset, events.Envelope, error) {
	rec, err := s.record(ctx, userID)
	if err != nil {
		return PasswordReset{}, events.Envelope{}, err
	}
	now := time.Now().UTC()
	if wait := resetWait(rec.Resets, now); wait > 0 {
		return PasswordReset{}, events.Envelope{}, errTooManyResets(wait)
	}
	token, hash, err := newResetToken()
	if err != nil {
		return PasswordReset{}, events.Envelope{}, err
	}
	encrypted, err := s.tokens.Seal(ctx, rec.UserID, token)
	if err != nil {
		return PasswordReset{}, events.Envelope{}, err
	}
	expires := now.Add(resetTTL).Truncate(time.Second)
	env, err := events.New(events.UserPasswordReset{UserID: rec.UserID, Contact: rec.Contact, Token: encrypted, ExpiresAt: expires}, meta)
	if err != nil {
		return PasswordReset{}, events.Envelope{}, err
	}
	resets := append(inWindow(rec.Resets, now), now)
	if err := s.store.StartReset(ctx, rec.UserID, hash, expires, rec.Resets, resets, env); err != nil {
		return PasswordReset{}, events.Envelope{}, err
	}
	s.metrics.Emit(nil, metrics.CountOf(contract.PasswordResetsStarted, 1))
	return PasswordReset{UserID: rec.UserID, ExpiresAt: expires}, env, nil
}

// newResetToken returns 256 random bits as URL-safe text, and the hex
// SHA-256 of that text, which is all that is stored.
func newResetToken() (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("reset token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(token))
	return token, hex.EncodeToString(sum[:]), nil
}

// Forget erases the user at their request: their state, their email's
// reservation and their data key go in one transaction with
// user.forgotten, which carries nothing personal. Their events stay, and
// still read, fold and replay, but their contact in each opens to
// nothing; the services that keep anything of them purge it on
// user.forgotten. It returns the event it appended.
func (s *Service) Forget(ctx context.Context, userID string, meta events.Metadata) (events.Envelope, error) {
	if !api.ValidID(userID) {
		return events.Envelope{}, failure.InvalidField("userId", api.IDRule)
	}
	env, err := events.New(events.UserForgotten{UserID: userID}, meta)
	if err != nil {
		return events.Envelope{}, err
	}
	if err := s.store.Forget(ctx, userID, env); err != nil {
		return events.Envelope{}, err
	}
	s.metrics.Emit(nil, metrics.CountOf(contract.UsersForgotten, 1))
	return env, nil
}
