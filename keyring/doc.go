// Package keyring seals personal data so that it can be forgotten although
// the event store keeps every event for ever: crypto-shredding.
//
// Each person (a subject, named by their user id) has a data key of their
// own, which KMS makes (GenerateDataKey) and wraps under the personal data
// KMS key; the wrapped key is the subject's item in the keys table. Their
// contact is sealed under it with AES-256-GCM from the standard library,
// bound to the subject, in every event and table that carries it.
// Forgetting a subject is deleting that one item: every copy of their data,
// in every event, replay and queue, then opens to [ErrForgotten], while the
// events themselves still read, fold and replay.
//
// A [Keyring] reads keys through KMS and DynamoDB; [Memory] keeps them in
// the process for tests, under the same contract (keyringtest). Reading a
// subject's key costs a GetItem and a KMS Decrypt; inside [WithCache] it
// costs that once per subject, so that a batch of messages pays once per
// person, not per message. Nothing caches a key beyond that: a key read
// after the subject was forgotten is not found.
package keyring
