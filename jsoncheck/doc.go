// Package jsoncheck checks JSON documents against eventshop's JSON
// Schemas, through validators generated from them (cmd/schemagen): the
// schemas stay the one source of truth, and checking costs one pass over
// the document's tokens, with no work at package initialization.
//
// It reads JSON strictly, whatever the schema says: a name twice in one
// object, invalid UTF-8 and a lone surrogate escape make a document
// invalid, so that eventshop and whoever sent the document cannot read it
// two ways. A [Strict] check refuses members its schema does not name — for
// what eventshop writes and what callers send it; a [Tolerant] check skips
// them, for what it reads from others (a newer producer may have added
// one), but refuses a name that matches a known one only if case is
// ignored.
//
// An [Error] names the offending member by its path and says what is
// wrong without quoting the document's values, which may be personal data
// and end up in logs: only a short prefix of a name the schema does not
// know.
package jsoncheck
