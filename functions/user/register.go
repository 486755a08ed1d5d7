package main

import (
	"context"
	"errors"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/functions/internal/failure"
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

// ErrEmailTaken means another user registered the email first.
var ErrEmailTaken = &failure.Error{Kind: failure.Conflict, Field: "email", Message: "is already registered"}

// Store keeps users.
type Store interface {
	// Create stores u and appends registered at version 1 of stream
	// user-<userId> in one transaction: both are written or neither. It
	// returns ErrEmailTaken if a user with the same email, compared without
	// regard to case, exists. It is safe for concurrent use.
	Create(ctx context.Context, u User, registered events.Envelope) error
}

// Service registers users.
type Service struct {
	store Store
}

// Register validates r and stores the new user with its user.registered
// event, caused by the request that meta describes.
func (s *Service) Register(ctx context.Context, r Registration, meta events.Metadata) (User, error) {
	email, name, err := r.validate()
	if err != nil {
		return User{}, err
	}
	userID := uuid.NewString()
	env, err := events.New(events.UserRegistered{UserID: userID, Email: email, Name: name}, meta)
	if err != nil {
		return User{}, requestFault(err)
	}
	u := User{UserID: userID, Email: email, Name: name, CreatedAt: env.Timestamp}
	if err := s.store.Create(ctx, u, env); err != nil {
		return User{}, err
	}
	return u, nil
}

const (
	maxEmail = 254 // RFC 5321's limit on a forward path
	maxName  = 100
)

func (r Registration) validate() (email, name string, err error) {
	email, name = strings.TrimSpace(r.Email), strings.TrimSpace(r.Name)
	switch addr, perr := mail.ParseAddress(email); {
	case email == "":
		return "", "", failure.InvalidField("email", "is required")
	case len(email) > maxEmail:
		return "", "", failure.InvalidField("email", "is longer than %d characters", maxEmail)
	case perr != nil || addr.Address != email || !strings.Contains(email, "@"):
		return "", "", failure.InvalidField("email", "must be an address such as ada@example.com")
	}
	switch {
	case name == "":
		return "", "", failure.InvalidField("name", "is required")
	case utf8.RuneCountInString(name) > maxName:
		return "", "", failure.InvalidField("name", "is longer than %d characters", maxName)
	case strings.ContainsFunc(name, unicode.IsControl):
		return "", "", failure.InvalidField("name", "must not contain control characters")
	}
	return email, name, nil
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
