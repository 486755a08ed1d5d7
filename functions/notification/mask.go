package main

import (
	"strings"
)

// maskEmail keeps enough of an address to recognise it in a log line:
// ada@example.com becomes a***@example.com.
func maskEmail(addr string) string {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || local == "" {
		return "***"
	}
	return local[:1] + "***@" + domain
}
