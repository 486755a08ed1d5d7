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

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/functions/internal/failure"
	"github.com/eventshop/eventshop/functions/internal/metrics"
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

// Domain errors of the user service.
var (
	// ErrEmailTaken means another user registered the email first.
	ErrEmailTaken = &failure.Error{Kind: failure.Conflict, Field: "email", Message: "is already registered"}
	// ErrNotFound means there is no user with the id.
	ErrNotFound = failure.New(failure.NotFound, "no such user")
)

// Store keeps users. Implementations are safe for concurrent use.
type Store interface {
	// Create stores u and appends registered at version 1 of stream
	// user-<userId> in one transaction: both are written or neither. It
	// returns ErrEmailTaken if a user with the same email, compared without
	// regard to case, exists.
	Create(ctx context.Context, u User, registered events.Envelope) error
	// Get returns the user with the id, or ErrNotFound. It reads what
	// Create wrote, however recently.
	Get(ctx context.Context, userID string) (User, error)
	// StartReset replaces the user's reset token hash and expiry and
	// appends reset to the user's stream, in one transaction. It returns
	// ErrNotFound if there is no such user.
	StartReset(ctx context.Context, userID, tokenHash string, expiresAt time.Time, reset events.Envelope) error
}

// Service registers and reads users.
type Service struct {
	store   Store
	metrics *metrics.Emitter
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
// mail. A newer reset replaces an older one's token. It returns the reset
// and the event it appended.
func (s *Service) StartPasswordReset(ctx context.Context, userID string, meta events.Metadata) (PasswordReset, events.Envelope, error) {
	u, err := s.Get(ctx, userID)
	if err != nil {
		return PasswordReset{}, events.Envelope{}, err
	}
	token, hash, err := newResetToken()
	if err != nil {
		return PasswordReset{}, events.Envelope{}, err
	}
	expires := time.Now().UTC().Add(resetTTL).Truncate(time.Second)
	env, err := events.New(events.UserPasswordReset{UserID: u.UserID, Email: u.Email, Name: u.Name, Token: token, ExpiresAt: expires}, meta)
	if err != nil {
		return PasswordReset{}, events.Envelope{}, err
	}
	if err := s.store.StartReset(ctx, u.UserID, hash, expires, env); err != nil {
		return PasswordReset{}, events.Envelope{}, err
	}
	s.metrics.Emit(nil, metrics.CountOf(contract.PasswordResetsStarted, 1))
	return PasswordReset{UserID: u.UserID, ExpiresAt: expires}, env, nil
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

// Get returns the user with the id. An id that is not a UUID is an
// invalid request rather than an unknown user.
func (s *Service) Get(ctx context.Context, userID string) (User, error) {
	if err := uuid.Validate(userID); err != nil {
		return User{}, failure.InvalidField("userId", "must be a UUID")
	}
	return s.store.Get(ctx, userID)
}

// Register stores the new user with its user.registered event, caused by
// the request that meta describes, and returns the user and the event it
// appended. The request schema (api/schemas/register-user.json) has
// checked r; the spaces around its email and name go.
func (s *Service) Register(ctx context.Context, r Registration, meta events.Metadata) (User, events.Envelope, error) {
	email, name := strings.TrimSpace(r.Email), strings.TrimSpace(r.Name)
	userID := uuid.NewString()
	env, err := events.New(events.UserRegistered{UserID: userID, Email: email, Name: name}, meta)
	if err != nil {
		return User{}, events.Envelope{}, requestFault(err)
	}
	u := User{UserID: userID, Email: email, Name: name, CreatedAt: env.Timestamp}
	if err := s.store.Create(ctx, u, env); err != nil {
		return User{}, events.Envelope{}, err
	}
	s.metrics.Emit(nil, metrics.CountOf(contract.UsersRegistered, 1))
	return u, env, nil
}

// requestFault turns a payload the event schema refused into a 400 naming
// the request field; the schema has the last word on what is valid.
func requestFault(err error) error {
	var invalid *events.InvalidError
	if errors.As(err, &invalid) && strings.HasPrefix(invalid.Field, "data.") {
		return failure.InvalidField(strings.TrimPrefix(invalid.Field, "data."), "%s", invalid.Reason)
	}
	return err
}
