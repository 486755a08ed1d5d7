// Package eventbus publishes envelopes to eventshop's EventBridge bus: in
// batches as large as PutEvents allows, retrying entries that the bus
// refused, and reporting exactly which envelopes it could not publish so
// that nothing is dropped silently.
package eventbus
