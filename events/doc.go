// Package events is eventshop's shared language: the envelope every event
// travels in, the catalogue of event types with their versions and
// payloads, and the JSON Schemas that producers and readers check events
// against.
//
// It stands on the floor below everything else of eventshop's, with only
// jsoncheck, which runs the validators generated from its schemas
// (schemas_gen.go, by go generate), beneath it.
//
// Producers write strictly: [New] builds an envelope at the type's latest
// version and refuses anything its schema does not allow, a member it does
// not know included. Readers read tolerantly: [Parse] checks an envelope
// against the schema of its own version but skips, and keeps, members it
// does not know, which a newer producer may have added; [Decode] hands the
// payload over at the latest version, through the upcasters of the
// versions in between ([Upcast]). A released version changes only by
// gaining optional members (the compatibility gate in this package's
// tests holds every released schema to that); anything else is a new
// version with an upcaster from the one before.
//
// Adding an event type is its payload struct with an EventType method, its
// catalogue entry, and for each version its schema
// schemas/<type>.v<N>.json and sample testdata/<type>.v<N>.json.
package events
