// Package httpapi is the edge between API Gateway's HTTP API and a
// service: it routes by route key, decodes JSON bodies strictly, carries the
// correlation id, and maps every error to a status and a JSON body — the one
// place where that happens.
package httpapi
