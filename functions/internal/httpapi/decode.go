package httpapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// MaxBody is the largest request body accepted: 64 KiB, far above what any
// route needs (an order of 100 items is under 10 KiB).
const MaxBody = 64 << 10

// requestError is a problem with the HTTP request itself, found before any
// service sees it.
type requestError struct {
	status  int
	code    string
	field   string
	message string
}

func (e *requestError) Error() string {
	if e.field != "" {
		return e.field + ": " + e.message
	}
	return e.message
}

func badRequest(field, format string, args ...any) *requestError {
	return &requestError{status: http.StatusBadRequest, code: "invalid", field: field, message: fmt.Sprintf(format, args...)}
}

// Decode reads the request's JSON object body into v, strictly: the content
// type must be application/json, the body at most MaxBody bytes, one JSON
// object with no fields that v does not have and values of v's types.
// Errors name the offending field and map to 400, 413 or 415.
func Decode(req Request, v any) error {
	if err := checkContentType(req.Header("Content-Type")); err != nil {
		return err
	}
	body := []byte(req.Body)
	if req.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(req.Body); err != nil {
			return badRequest("", "body is not valid base64")
		}
	}
	if len(body) > MaxBody {
		return &requestError{status: http.StatusRequestEntityTooLarge, code: "too_large",
			message: fmt.Sprintf("body is %d bytes; the limit is %d", len(body), MaxBody)}
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return badRequest("", "body is empty; send a JSON object")
	}
	if trimmed[0] != '{' {
		return badRequest("", "body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badRequest("", "body has more after the JSON object")
	}
	return nil
}

// DecodeIfPresent is Decode for routes whose body is optional: a request
// with no body leaves v as it is.
func DecodeIfPresent(req Request, v any) error {
	if strings.TrimSpace(req.Body) == "" {
		return nil
	}
	return Decode(req, v)
}

func checkContentType(value string) error {
	unsupported := &requestError{status: http.StatusUnsupportedMediaType, code: "unsupported_media_type",
		field: "Content-Type", message: "must be application/json"}
	if value == "" {
		return unsupported
	}
	mediaType, params, err := mime.ParseMediaType(value)
	if err != nil || mediaType != "application/json" {
		return unsupported
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		unsupported.message = "charset must be utf-8"
		return unsupported
	}
	return nil
}

func decodeError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return badRequest("", "body is not valid JSON: %s at byte %d", syntax.Error(), syntax.Offset)
	case errors.As(err, &typ):
		return badRequest(typ.Field, "must be %s, not %s", jsonKind(typ.Type.Kind().String()), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("", "body is not valid JSON: it ends too early")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return badRequest(field, "is not a known field")
	}
	return badRequest("", "body is not valid JSON: %v", err)
}

func jsonKind(goKind string) string {
	switch {
	case goKind == "string":
		return "a string"
	case strings.HasPrefix(goKind, "int"), strings.HasPrefix(goKind, "uint"):
		return "an integer"
	case strings.HasPrefix(goKind, "float"):
		return "a number"
	case goKind == "bool":
		return "true or false"
	case goKind == "slice", goKind == "array":
		return "an array"
	}
	return "an object"
}
