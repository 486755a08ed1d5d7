// Package logging builds the structured logger every function uses: JSON
// lines on stdout, which Lambda forwards to CloudWatch Logs, each carrying
// the service and the function's name. It also names the keys that every
// function's lines share, so that one query finds a request or an event in
// all of them:
//
//	request_id       the Lambda invocation's id, as in its REPORT line
//	event_id         the envelope's eventId
//	event_type       the envelope's eventType
//	correlation_id   the flow the event belongs to
//	causation_id     what caused the event: a request or another event
//
// Transport-specific ids get their own keys, such as api_request_id for
// API Gateway's id of an HTTP request and message_id for an SQS message.
package logging
