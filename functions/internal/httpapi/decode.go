package httpapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"strings"

	"github.com/eventshop/eventshop/functions/internal/failure"
)

// MaxBody is the largest request body accepted: 64 KiB, far above what any
// route needs (an order of 100 items is under 10 KiB).
const MaxBody = 64 << 10

// Decode reads the request's JSON object body into v, strictly: the content
// type must be application/json, the body at most MaxBody bytes, one JSON
// object with no fields that v does not have and values of v's types.
// Errors are failures of kind Invalid, TooLarge or UnsupportedMediaType
// that name the offending field.
func Decode(req Request, v any) error {
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
	if len(trimmed) == 0 {
		return failure.New(failure.Invalid, "body is empty; send a JSON object")
	}
	if trimmed[0] != '{' {
		return failure.New(failure.Invalid, "body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return failure.New(failure.Invalid, "body has more after the JSON object")
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

func decodeError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return failure.New(failure.Invalid, "body is not valid JSON: %s at byte %d", syntax.Error(), syntax.Offset)
	case errors.As(err, &typ):
		return failure.InvalidField(typ.Field, "must be %s, not %s", jsonKind(typ.Type.Kind().String()), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return failure.New(failure.Invalid, "body is not valid JSON: it ends too early")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return failure.InvalidField(field, "is not a known field")
	}
	return failure.New(failure.Invalid, "body is not valid JSON: %v", err)
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
