package events

import (
	"bytes"
	"embed"
	"fmt"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

//go:embed schemas/*.json
var schemaFiles embed.FS

// schemas compiles on first use rather than at init, so that a function's
// cold start does not pay for schemas it may never need.
var schemas = struct {
	once     sync.Once
	err      error
	envelope *jsonschema.Schema
	data     map[string]*jsonschema.Schema // by file name
}{}

// schemaBase is the base of every schema's $id; cross-file $refs resolve
// against it.
const schemaBase = "https://eventshop.dev/schemas/"

// SchemaFile returns the name of the payload schema of a definition.
func (d Definition) SchemaFile() string { return fmt.Sprintf("%s.v%d.json", d.Type, d.Version) }

func compileSchemas() {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	entries, err := schemaFiles.ReadDir("schemas")
	if err != nil {
		schemas.err = err
		return
	}
	for _, e := range entries {
		raw, err := schemaFiles.ReadFile("schemas/" + e.Name())
		if err != nil {
			schemas.err = err
			return
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			schemas.err = fmt.Errorf("schema %s: %w", e.Name(), err)
			return
		}
		if err := c.AddResource(schemaBase+e.Name(), doc); err != nil {
			schemas.err = fmt.Errorf("schema %s: %w", e.Name(), err)
			return
		}
	}
	compiled := make(map[string]*jsonschema.Schema, len(entries))
	for _, e := range entries {
		s, err := c.Compile(schemaBase + e.Name())
		if err != nil {
			schemas.err = fmt.Errorf("schema %s: %w", e.Name(), err)
			return
		}
		compiled[e.Name()] = s
	}
	schemas.envelope, schemas.data = compiled["envelope.json"], compiled
}

// validateData checks a payload against the schema of def.
func validateData(data []byte, def Definition) error {
	schemas.once.Do(compileSchemas)
	if schemas.err != nil {
		return schemas.err
	}
	dataSchema, ok := schemas.data[def.SchemaFile()]
	if !ok {
		return fmt.Errorf("%w: no schema %s", ErrUnknownVersion, def.SchemaFile())
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return &InvalidError{Field: "data", Reason: "not JSON: " + err.Error()}
	}
	if err := dataSchema.Validate(doc); err != nil {
		return invalid(err, "data")
	}
	return nil
}

// validate checks a serialized envelope against the envelope schema and, if
// def is not nil, its data against the payload schema of def.
func validate(raw []byte, def *Definition) error {
	schemas.once.Do(compileSchemas)
	if schemas.err != nil {
		return schemas.err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return &InvalidError{Reason: "not JSON: " + err.Error()}
	}
	if err := schemas.envelope.Validate(doc); err != nil {
		return invalid(err, "")
	}
	if def == nil {
		return nil
	}
	dataSchema, ok := schemas.data[def.SchemaFile()]
	if !ok {
		return fmt.Errorf("%w: no schema %s", ErrUnknownVersion, def.SchemaFile())
	}
	if err := dataSchema.Validate(doc.(map[string]any)["data"]); err != nil {
		return invalid(err, "data")
	}
	return nil
}

// invalid turns a schema violation into an InvalidError naming the first
// offending field, prefixed with where the validated document sits.
func invalid(err error, at string) error {
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return &InvalidError{Field: at, Reason: err.Error()}
	}
	for len(ve.Causes) > 0 {
		ve = ve.Causes[0]
	}
	field := strings.Join(append([]string{at}, ve.InstanceLocation...), ".")
	return &InvalidError{Field: strings.Trim(field, "."), Reason: reason(ve.ErrorKind)}
}

// reason says what is wrong without repeating the value, which may be
// personal data such as an email address, and ends up in logs.
func reason(k jsonschema.ErrorKind) string {
	switch k := k.(type) {
	case *kind.Format:
		return "is not a valid " + k.Want
	case *kind.Pattern:
		return "does not match " + k.Want
	}
	return k.LocalizedString(english())
}

// english prints the validator's messages. It is made on first use: its
// language tables cost half a millisecond, at every cold start otherwise.
var english = sync.OnceValue(func() *message.Printer { return message.NewPrinter(language.English) })
