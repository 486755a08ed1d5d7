package jsoncheck

import (
	"regexp"
	"sync"
)

// Pattern is a regular expression compiled on first use, not at package
// initialization: a function's cold start pays only for those it checks.
// Expr is an ECMA-262 expression that Go's RE2 syntax reads the same, as
// the schemas keep to; Rule says in words what it asks for, if the schema
// says (x-rule), for an error to say instead of Expr.
type Pattern struct {
	Expr string
	Rule string
	once sync.Once
	re   *regexp.Regexp
}

func (p *Pattern) match(s string) bool {
	p.once.Do(func() { p.re = regexp.MustCompile(p.Expr) })
	return p.re.MatchString(s)
}
