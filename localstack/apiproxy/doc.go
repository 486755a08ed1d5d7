// Package apiproxy serves an HTTP API of the emulator on a fixed local
// address, as `sam local start-api` does. The emulator serves each API at
// http://{apiId}.execute-api.localhost:{port}, a name most resolvers do
// not know; the proxy dials the emulator and sets that host itself, so the
// request goes through the emulator's API Gateway unchanged.
package apiproxy
