// Package delivered reads what eventshop's bus delivers to a rule's target:
// the envelope inside an EventBridge event, as a consumer's queue receives
// it. It is apart from eventbus, the publisher, so that a consumer links
// no EventBridge client, and pays none of its start-up, to read its
// messages.
package delivered
