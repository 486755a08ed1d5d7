package eventstore

import (
	"context"
	"slices"
	"sync"

	"github.com/eventshop/eventshop/events"
)

// Memory is an in-process event store with the same contract as [Dynamo],
// for tests. It is safe for concurrent use.
type Memory struct {
	mu      sync.Mutex
	streams map[string][]Record
}

// NewMemory returns an empty store.
func NewMemory() *Memory {
	return &Memory{streams: make(map[string][]Record)}
}

// Append implements the contract of [Dynamo.Append].
func (m *Memory) Append(_ context.Context, streamID string, expected int, envs ...events.Envelope) error {
	if err := checkAppend(streamID, expected, len(envs)); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	stream := m.streams[streamID]
	if len(stream) != expected {
		return &ConcurrencyError{StreamID: streamID, Expected: expected}
	}
	for i, env := range envs {
		stream = append(stream, Record{StreamID: streamID, Version: expected + 1 + i, Envelope: env})
	}
	m.streams[streamID] = stream
	return nil
}

// Load implements the contract of [Dynamo.Load].
func (m *Memory) Load(_ context.Context, streamID string, from int) ([]Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Record
	for _, r := range m.streams[streamID] {
		if r.Version >= from {
			out = append(out, r)
		}
	}
	return out, nil
}

// Version implements the contract of [Dynamo.Version].
func (m *Memory) Version(_ context.Context, streamID string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.streams[streamID]), nil
}

// ByCorrelation implements the contract of [Dynamo.ByCorrelation].
func (m *Memory) ByCorrelation(_ context.Context, correlationID string) ([]Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Record
	for _, stream := range m.streams {
		for _, r := range stream {
			if r.Envelope.Metadata.CorrelationID == correlationID {
				out = append(out, r)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Record) int { return a.Envelope.Timestamp.Compare(b.Envelope.Timestamp) })
	return out, nil
}
