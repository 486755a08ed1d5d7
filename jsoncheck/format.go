package jsoncheck

import (
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Format is a JSON Schema format that a check asserts.
type Format = *format

type format struct {
	name  string
	valid func(string) bool
}

// The formats eventshop's schemas use. Their rules are those of
// santhosh-tekuri/jsonschema v6.0.3 (Apache License 2.0), from which they
// are ported; a test holds them to that library's verdicts.
var (
	UUID     Format = &format{"uuid", isUUID}
	Email    Format = &format{"email", isEmail}
	DateTime Format = &format{"date-time", isDateTime}
)

// FormatNamed returns the format of a schema's "format" keyword.
func FormatNamed(name string) (Format, bool) {
	for _, f := range []Format{UUID, Email, DateTime} {
		if f.name == name {
			return f, true
		}
	}
	return nil, false
}

// Name is the format's name in a schema.
func (f *format) Name() string { return f.name }

// isUUID: five groups of 8, 4, 4, 4 and 12 hex digits, joined by dashes.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch i {
		case 8, 13, 18, 23:
			if ch != '-' {
				return false
			}
		default:
			if !('0' <= ch && ch <= '9' || 'a' <= ch && ch <= 'f' || 'A' <= ch && ch <= 'F') {
				return false
			}
		}
	}
	return true
}

// isHostname: labels of 1 to 63 letters, digits and inner hyphens, in all
// at most 253 characters.
func isHostname(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if len(label) < 1 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			ch := label[i]
			if !('a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9' || ch == '-') {
				return false
			}
		}
	}
	return true
}

// isEmail: an address of RFC 5321 without comments or folding.
func isEmail(s string) bool {
	if len(s) > 254 {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	if at == -1 {
		return false
	}
	local, domain := s[:at], s[at+1:]
	if len(local) > 64 {
		return false
	}
	if len(local) > 1 && strings.HasPrefix(local, `"`) && strings.HasSuffix(local, `"`) {
		if inner := local[1 : len(local)-1]; strings.ContainsAny(inner, `\"`) {
			return false
		}
	} else {
		if strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
			return false
		}
		for _, ch := range local {
			if !('a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9' || strings.ContainsRune(".!#$%&'*+-/=?^_`{|}~", ch)) {
				return false
			}
		}
	}
	if strings.HasPrefix(domain, "[") && strings.HasSuffix(domain, "]") {
		literal := domain[1 : len(domain)-1]
		if v6, ok := strings.CutPrefix(literal, "IPv6:"); ok {
			a, err := netip.ParseAddr(v6)
			return err == nil && a.Is6() && a.Zone() == ""
		}
		a, err := netip.ParseAddr(literal)
		return err == nil && a.Is4()
	}
	return isHostname(domain)
}

// isDateTime: an RFC 3339 date-time, leap seconds allowed.
func isDateTime(s string) bool {
	if len(s) < 20 || (s[10] != 't' && s[10] != 'T') {
		return false
	}
	if _, err := time.Parse("2006-01-02", s[:10]); err != nil {
		return false
	}
	return isTime(s[11:])
}

func isTime(s string) bool {
	if len(s) < 9 || s[2] != ':' || s[5] != ':' {
		return false
	}
	var hms [3]int
	for i, tok := range strings.SplitN(s[:8], ":", 3) {
		n, err := strconv.Atoi(tok)
		if err != nil || n < 0 {
			return false
		}
		hms[i] = n
	}
	h, m, sec := hms[0], hms[1], hms[2]
	if h > 23 || m > 59 || sec > 60 {
		return false
	}
	s = s[8:]
	if rest, ok := strings.CutPrefix(s, "."); ok {
		digits := 0
		for digits < len(rest) && '0' <= rest[digits] && rest[digits] <= '9' {
			digits++
		}
		if digits == 0 {
			return false
		}
		s = rest[digits:]
	}
	if s != "z" && s != "Z" {
		if len(s) != 6 || s[3] != ':' {
			return false
		}
		sign := 0
		switch s[0] {
		case '+':
			sign = -1
		case '-':
			sign = +1
		default:
			return false
		}
		zh, err1 := strconv.Atoi(s[1:3])
		zm, err2 := strconv.Atoi(s[4:6])
		if err1 != nil || err2 != nil || zh < 0 || zm < 0 || zh > 23 || zm > 59 {
			return false
		}
		hm := h*60 + m + sign*(zh*60+zm)
		if hm < 0 {
			hm += 24 * 60
		}
		h, m = hm/60%24, hm%60
	}
	return sec < 60 || (h == 23 && m == 59)
}
