// Package failure classifies the errors a service returns by what the caller
// can do about them, so that a transport maps them to a status in one place
// (see httpapi) without knowing the services.
package failure
