package dlq

import (
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// Message attributes a dead-lettered message carries, besides its own.
const (
	// AttrReason says why the message can never succeed.
	AttrReason = "eventshop.dlq.reason"
	// AttrSource is the ARN of the queue the message came from.
	AttrSource = "eventshop.dlq.source"
	// AttrReceiveCount is how often the source queue had delivered it.
	AttrReceiveCount = "eventshop.dlq.receiveCount"
	// AttrMessageID is the message's id in the source queue.
	AttrMessageID = "eventshop.dlq.messageId"
)

// Message attributes EventBridge puts on an event it could not deliver to a
// rule's target and sent to the target's dead-letter queue instead.
const (
	// AttrTargetARN is the ARN of the target EventBridge could not deliver
	// the event to.
	AttrTargetARN = "TARGET_ARN"
	// AttrErrorCode is EventBridge's code for the failure, such as
	// SDK_CLIENT_ERROR or NO_PERMISSIONS.
	AttrErrorCode = "ERROR_CODE"
	// AttrErrorMessage is EventBridge's description of the failure.
	AttrErrorMessage = "ERROR_MESSAGE"
	// AttrRetryAttempts is how often EventBridge tried to deliver the event.
	AttrRetryAttempts = "RETRY_ATTEMPTS"
)

// eventBridgeAnnotations are the attributes EventBridge adds to what it
// dead-letters: they describe the failure, not the event, so they do not
// go back with it.
var eventBridgeAnnotations = []string{"RULE_ARN", AttrTargetARN, AttrErrorCode, AttrErrorMessage, "EXHAUSTED_RETRY_CONDITION", AttrRetryAttempts}

// traceHeader is the system attribute that carries a message's X-Ray trace
// header, so that the consumer's invocation joins the sender's trace.
const traceHeader = string(types.MessageSystemAttributeNameForSendsAWSTraceHeader)

// annotation reports whether an attribute describes a dead-lettering rather
// than the message: ours or EventBridge's.
func annotation(name string) bool {
	return strings.HasPrefix(name, "eventshop.dlq.") || slices.Contains(eventBridgeAnnotations, name)
}
