package events

import (
	"errors"
	"fmt"

	"github.com/eventshop/eventshop/jsoncheck"
)

//go:generate go run ../cmd/schemagen -pkg events -out schemas_gen.go schemas

// checkData checks data against the schema of one version of def.
func checkData(data []byte, def Definition, version int, mode jsoncheck.Mode) error {
	validate := checkSchema(def.SchemaFile(version))
	if validate == nil {
		return fmt.Errorf("%w: no schema %s", ErrUnknownVersion, def.SchemaFile(version))
	}
	if err := jsoncheck.Check(data, mode, validate); err != nil {
		return invalid(err, "data")
	}
	return nil
}

// invalid turns a check's error into an InvalidError naming the field,
// prefixed with where the checked document sits.
func invalid(err error, at string) error {
	var ce *jsoncheck.Error
	if !errors.As(err, &ce) {
		return &InvalidError{Field: at, Reason: err.Error()}
	}
	field := ce.Path
	switch {
	case at == "":
	case field == "":
		field = at
	default:
		field = at + "." + field
	}
	return &InvalidError{Field: field, Reason: ce.Reason}
}

// CheckFile checks a document against one of the package's schema files
// (schemas/<file>), for tools that hold documents to the schemas.
func CheckFile(doc []byte, file string, mode jsoncheck.Mode) error {
	validate := checkSchema(file)
	if validate == nil {
		return fmt.Errorf("no schema %s", file)
	}
	return jsoncheck.Check(doc, mode, validate)
}
