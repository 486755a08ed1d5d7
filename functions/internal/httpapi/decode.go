package httpapi

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"strings"

	"github.com/go-json-experiment/json"

	"github.com/eventshop/eventshop/api"
	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/functions/internal/failure"
	"github.com/eventshop/eventshop/jsoncheck"
)

// MaxBody is the largest request body accepted: 64 KiB, far above what any
// route needs (an order of 100 items is under 10 KiB).
const MaxBody = 64 << 10

// Decode reads the request's JSON object body into v, after checking it
// strictly against the request schema of its route (package api): the
// content type must be application/json, the body at most MaxBody bytes,
// JSON that reads one way only (no name twice, valid UTF-8, no lone
// surrogate), one object with the fields and values the schema allows and
// nothing after it. Errors are failures of kind Invalid, TooLarge or
// UnsupportedMediaType that name the offending field and never repeat the
// caller's value.
func Decode(req Request, v any) error {
	return DecodeWith(req, api.RequestCheck(contract.Route(req.RouteKey)), v)
}

// DecodeIfPresent is Decode for routes whose body is optional: a request
// with no body leaves v as it is.
func DecodeIfPresent(req Request, v any) error {
	if strings.TrimSpace(req.Body) == "" {
		return nil
	}
	return Decode(req, v)
}

// DecodeWith is Decode with the validator of a schema: validate, or nil
// for a route that takes no body.
func DecodeWith(req Request, validate func(*jsoncheck.Checker), v any) error {
	if err := checkContentType(req.Header("Content-Type")); err != nil {
		return err
	}
	body := []byte(req.Body)
	if req.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(req.Body); err != nil {
			return failure.New(failure.Invalid, "body is not valid base64")
		}
	}
	if len(body) > MaxBody {
		return failure.New(failure.TooLarge, "body is %d bytes; the limit is %d", len(body), MaxBody)
	}
	trimmed := bytes.TrimSpace(body)
	switch {
	case validate == nil:
		return failure.New(failure.Invalid, "this route takes no body")
	case len(trimmed) == 0:
		return failure.New(failure.Invalid, "body is empty; send a JSON object")
	case trimmed[0] != '{':
		return failure.New(failure.Invalid, "body must be a JSON object")
	}
	if err := jsoncheck.Check(trimmed, jsoncheck.Strict, validate); err != nil {
		var ce *jsoncheck.Error
		if errors.As(err, &ce) && ce.Path != "" {
			return failure.InvalidField(ce.Path, "%s", ce.Reason)
		}
		if errors.As(err, &ce) {
			return failure.New(failure.Invalid, "body %s", ce.Reason)
		}
		return failure.New(failure.Invalid, "body is not valid JSON")
	}
	if err := json.Unmarshal(trimmed, v); err != nil {
		// The schema allowed what v cannot hold: a mistake of ours.
		return fmt.Errorf("decode a body its schema allows: %w", err)
	}
	return nil
}

func checkContentType(value string) error {
	unsupported := &failure.Error{Kind: failure.UnsupportedMediaType, Field: "Content-Type", Message: "must be application/json"}
	if value == "" {
		return unsupported
	}
	mediaType, params, err := mime.ParseMediaType(value)
	if err != nil || mediaType != "application/json" {
		return unsupported
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		unsupported.Message = "charset must be utf-8"
		return unsupported
	}
	return nil
}
