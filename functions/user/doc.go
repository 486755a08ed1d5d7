// Command user is the user service's Lambda function: over the HTTP API it
// registers users, recording user.registered in the event store with the
// user in one transaction, starts password resets and shows users.
package main
