package jsoncheck

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// Mode says what a check does with members its schema does not name.
type Mode uint8

// Modes of a check.
const (
	// Strict refuses unknown members: for what eventshop writes, and for
	// what callers send it.
	Strict Mode = iota
	// Tolerant skips unknown members: for what eventshop reads from
	// others, who may be newer.
	Tolerant
)

// Error says where a document breaks its schema and why.
type Error struct {
	// Path is the offending member's place, such as items[2].sku; empty
	// for the document as a whole.
	Path string
	// Reason says what is wrong, without the document's values.
	Reason string
}

// Error is the path, then the reason.
func (e *Error) Error() string {
	if e.Path == "" {
		return e.Reason
	}
	return e.Path + ": " + e.Reason
}

// Checker reads a document, token by token, for a generated validator.
// Its methods stop the check at the first fault.
type Checker struct {
	src  bytes.Buffer // the document, which dec reads without copying it
	dec  *jsontext.Decoder
	mode Mode
	path []segment
}

type segment struct {
	name  string
	index int // of an array item, when name is ""
}

// fault stops a check; Check recovers it. A syntax fault is about the
// JSON itself, not what a schema says of it.
type fault struct {
	err    *Error
	syntax bool
}

// checkers keeps Checkers, with their decoders' stacks, for the next
// Check: one is used for every message a consumer reads.
var checkers = sync.Pool{New: func() any { return &Checker{dec: new(jsontext.Decoder)} }}

// Check checks doc with validate, a generated validator, in mode. It
// returns nil or an *Error.
func Check(doc []byte, mode Mode, validate func(*Checker)) error {
	c := checkers.Get().(*Checker)
	c.src = *bytes.NewBuffer(doc)
	c.dec.Reset(&c.src)
	c.mode, c.path = mode, c.path[:0]
	err := c.check(validate)
	// Keep nothing of doc.
	c.src = bytes.Buffer{}
	c.dec.Reset(&c.src)
	checkers.Put(c)
	return err
}

func (c *Checker) check(validate func(*Checker)) error {
	f := caught(func() {
		validate(c)
		if _, err := c.dec.ReadToken(); !errors.Is(err, io.EOF) {
			c.path = c.path[:0]
			c.fail("has more after the JSON value")
		}
	})
	if f == nil {
		return nil
	}
	if !f.syntax {
		// Broken JSON is the first thing to say, wherever it is.
		if broken := caught(c.drain); broken != nil {
			return broken.err
		}
	}
	return f.err
}

// caught runs f and returns the fault that stopped it, if one did.
func caught(f func()) (stopped *fault) {
	defer func() {
		if r := recover(); r != nil {
			ft, ok := r.(fault)
			if !ok {
				panic(r)
			}
			stopped = &ft
		}
	}()
	f()
	return nil
}

// Path is where the checker is, as an Error names it.
func (c *Checker) Path() string {
	var b strings.Builder
	for _, s := range c.path {
		if s.name == "" {
			fmt.Fprintf(&b, "[%d]", s.index)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.name)
	}
	return b.String()
}

func (c *Checker) fail(format string, args ...any) {
	panic(fault{err: &Error{Path: c.Path(), Reason: fmt.Sprintf(format, args...)}})
}

// drain reads the rest of the document, stopping at a syntax fault if it
// has one.
func (c *Checker) drain() {
	for {
		if _, err := c.dec.ReadToken(); err != nil {
			if errors.Is(err, io.EOF) && c.dec.StackDepth() == 0 {
				return
			}
			c.syntax(err)
		}
	}
}

// read reads the next token, turning a syntax error into a fault that
// names where and what, without the document's text.
func (c *Checker) read() jsontext.Token {
	t, err := c.dec.ReadToken()
	if err != nil {
		c.syntax(err)
	}
	return t
}

func (c *Checker) syntax(err error) {
	defer func() {
		if r := recover(); r != nil {
			if f, ok := r.(fault); ok {
				f.syntax = true
				panic(f)
			}
			panic(r)
		}
	}()
	var se *jsontext.SyntacticError
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		c.path = c.path[:0]
		c.fail("is not valid JSON: it ends too early")
	case errors.Is(err, jsontext.ErrDuplicateName):
		c.path = append(c.path, segment{name: Truncate(se2name(err))})
		c.fail("appears twice; a name may appear once in an object")
	case errors.As(err, &se) && se.Err != nil && se.Err.Error() == "invalid UTF-8":
		c.fail("is not valid UTF-8")
	case errors.As(err, &se) && se.Err != nil && strings.Contains(se.Err.Error(), "surrogate"),
		errors.As(err, &se) && se.Err != nil && strings.Contains(se.Err.Error(), "escape sequence"):
		c.fail("holds an invalid \\u escape (a lone surrogate, say)")
	}
	c.path = c.path[:0]
	c.fail("is not valid JSON (at byte %d)", c.dec.InputOffset())
}

// se2name is the member name a duplicate-name error is about.
func se2name(err error) string {
	var se *jsontext.SyntacticError
	if errors.As(err, &se) {
		return se.JSONPointer.LastToken()
	}
	return ""
}

// Truncate keeps at most 32 bytes of a name or value the caller chose,
// whole runes, so that what quotes it — an error, a log line — stays short.
func Truncate(s string) string {
	if len(s) <= 32 {
		return s
	}
	n := 32
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func (c *Checker) kind(want jsontext.Kind, what string) jsontext.Token {
	if k := c.dec.PeekKind(); k != want {
		if k == 0 {
			c.read() // reports the syntax error
		}
		c.fail("must be %s", what)
	}
	return c.read()
}

// Enter moves into the member name; Leave moves out again.
func (c *Checker) Enter(name string) { c.path = append(c.path, segment{name: name}) }

// Leave moves out of the member or item last entered.
func (c *Checker) Leave() { c.path = c.path[:len(c.path)-1] }

// OpenObject reads the start of an object.
func (c *Checker) OpenObject() { c.kind('{', "an object") }

// Next reads the next member's name, or the end of the object and false.
func (c *Checker) Next() (string, bool) {
	if c.dec.PeekKind() == '}' {
		c.read()
		return "", false
	}
	return c.read().String(), true
}

// Unknown handles a member whose name the schema does not know: known
// are the names it does, and closed says whether it allows no others
// (additionalProperties: false). A name that matches a known one only if
// case is ignored is refused, as a reader that ignores case would take it
// for that one; a strict check refuses any other in a closed object; else
// its value is skipped.
func (c *Checker) Unknown(name string, known []string, closed bool) {
	c.Enter(Truncate(name))
	for _, k := range known {
		if strings.EqualFold(k, name) {
			c.fail("is not a known field: names are case-sensitive, and this is not %s", k)
		}
	}
	if closed && c.mode == Strict {
		c.fail("is not a known field")
	}
	if err := c.dec.SkipValue(); err != nil {
		c.syntax(err)
	}
	c.Leave()
}

// Required refuses an object that lacks a member: seen says which of
// known were present.
func (c *Checker) Required(seen []bool, known []string, required []int) {
	for _, i := range required {
		if !seen[i] {
			c.Enter(known[i])
			c.fail("is required")
		}
	}
}

// AnyObject reads an object whatever its members.
func (c *Checker) AnyObject() {
	if c.dec.PeekKind() != '{' {
		c.OpenObject()
	}
	if err := c.dec.SkipValue(); err != nil {
		c.syntax(err)
	}
}

// OpenArray reads the start of an array.
func (c *Checker) OpenArray() { c.kind('[', "an array") }

// Item moves to the array's next item and says whether there is one; at
// the end of the array it checks the number of items, from minItems to
// maxItems (a negative maxItems bounds nothing).
func (c *Checker) Item(i, minItems, maxItems int) bool {
	if i > 0 {
		c.Leave()
	}
	if c.dec.PeekKind() == ']' {
		c.read()
		switch {
		case i < minItems && maxItems >= 0:
			c.fail("must hold %d to %d items, not %d", minItems, maxItems, i)
		case i < minItems:
			c.fail("must hold at least %d items", minItems)
		}
		return false
	}
	if maxItems >= 0 && i >= maxItems {
		if minItems > 0 {
			c.fail("must hold %d to %d items, not more", minItems, maxItems)
		}
		c.fail("must hold at most %d items", maxItems)
	}
	c.path = append(c.path, segment{index: i})
	return true
}

// Boolean reads true or false.
func (c *Checker) Boolean() {
	switch c.dec.PeekKind() {
	case 't', 'f':
		c.read()
	default:
		c.kind('t', "true or false")
	}
}

// StringRule is what a string must be: its length in characters, from
// MinLength to MaxLength (0 bounds nothing above), a Pattern, a Format
// and one of Enum, each if set.
type StringRule struct {
	MinLength, MaxLength int
	Pattern              *Pattern
	Format               Format
	Enum                 []string
}

// String reads a string that must follow r, and returns it. A strict
// check also refuses U+FFFD, the replacement character: it stands for
// bytes that were not UTF-8 where the text was read, which a gateway may
// have replaced before the check could see them, so that the caller and
// eventshop would read the text two ways.
func (c *Checker) String(r *StringRule) string {
	s := c.kind('"', "a string").String()
	if c.mode == Strict && strings.ContainsRune(s, utf8.RuneError) {
		c.fail("holds U+FFFD, which stands for bytes that were not UTF-8")
	}
	if r.MinLength > 0 || r.MaxLength > 0 {
		n := utf8.RuneCountInString(s)
		switch {
		case r.MaxLength > 0 && r.MinLength > 0 && (n < r.MinLength || n > r.MaxLength):
			c.fail("must be %d to %d characters long", r.MinLength, r.MaxLength)
		case n < r.MinLength:
			c.fail("must be at least %d characters long", r.MinLength)
		case r.MaxLength > 0 && n > r.MaxLength:
			c.fail("must be at most %d characters long", r.MaxLength)
		}
	}
	if r.Pattern != nil && !r.Pattern.match(s) {
		if r.Pattern.Rule != "" {
			c.fail("must be %s", r.Pattern.Rule)
		}
		c.fail("does not match %s", r.Pattern.Expr)
	}
	if r.Format != nil && !r.Format.valid(s) {
		c.fail("is not a valid %s", r.Format.name)
	}
	if r.Enum != nil {
		for _, e := range r.Enum {
			if e == s {
				return s
			}
		}
		c.fail("must be one of %s", strings.Join(r.Enum, ", "))
	}
	return s
}

// NumberRule bounds a number: Minimum and Maximum, each if its Has… is
// set, and Integer for integers.
type NumberRule struct {
	Integer                bool
	HasMinimum, HasMaximum bool
	Minimum, Maximum       float64
}

// Number reads a number that must follow r.
func (c *Checker) Number(r *NumberRule) {
	what := "a number"
	if r.Integer {
		what = "an integer"
	}
	tok := c.kind('0', what)
	f, err := tok.Float()
	if err != nil || math.IsInf(f, 0) {
		c.fail("must be %s of a sensible size", what)
	}
	// An integer is written as one: 1.0 and 1e3 are integers to JSON
	// Schema, but no Go integer reads them, and a request must not pass
	// the check to fail when it is read.
	if r.Integer && (f != math.Trunc(f) || strings.ContainsAny(tok.String(), ".eE")) {
		c.fail("must be %s, written without a fraction or an exponent", what)
	}
	low, high := r.HasMinimum && f < r.Minimum, r.HasMaximum && f > r.Maximum
	switch {
	case (low || high) && r.HasMinimum && r.HasMaximum:
		c.fail("must be from %s to %s", num(r.Minimum), num(r.Maximum))
	case low:
		c.fail("must be at least %s", num(r.Minimum))
	case high:
		c.fail("must be at most %s", num(r.Maximum))
	}
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// CheckString checks a string value with validate, in strict mode: as
// Check does the JSON string s would be written as.
func CheckString(s string, validate func(*Checker)) error {
	doc, err := jsontext.AppendQuote(nil, s)
	if err != nil {
		return &Error{Reason: "is not valid UTF-8"}
	}
	return Check(doc, Strict, validate)
}

// AnyValue reads one value, whatever it is, as strictly as any other.
func (c *Checker) AnyValue() {
	if err := c.dec.SkipValue(); err != nil {
		c.syntax(err)
	}
}
