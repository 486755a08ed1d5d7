package money

import "testing"

func TestLookupKnowsActiveCodesOnly(t *testing.T) {
	for code, want := range map[string]bool{"EUR": true, "USD": true, "JPY": true, "KWD": true, "usd": false, "XXX": false, "DEM": false, "": false} {
		if _, ok := Lookup(code); ok != want {
			t.Errorf("Lookup(%q) = %v, want %v", code, ok, want)
		}
	}
}

func TestFormatUsesTheMinorUnit(t *testing.T) {
	tests := []struct {
		code  string
		minor int64
		want  string
	}{
		{"EUR", 4248, "42.48 EUR"},
		{"USD", 5, "0.05 USD"},
		{"JPY", 500, "500 JPY"},
		{"KWD", 1005, "1.005 KWD"},
		{"EUR", -150, "-1.50 EUR"},
	}
	for _, tt := range tests {
		c, _ := Lookup(tt.code)
		if got := c.Format(tt.minor); got != tt.want {
			t.Errorf("Format(%d %s) = %q, want %q", tt.minor, tt.code, got, tt.want)
		}
	}
}
