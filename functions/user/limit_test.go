package main

import (
	"testing"
	"time"
)

func TestTheResetLimitIsOneAMinuteAndFiveAnHour(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	ago := func(d ...time.Duration) []time.Time {
		var out []time.Time
		for _, x := range d {
			out = append(out, now.Add(-x))
		}
		return out
	}
	for _, tt := range []struct {
		name   string
		recent []time.Time
		want   time.Duration
	}{
		{"none before", nil, 0},
		{"one 30 s ago", ago(30 * time.Second), 30 * time.Second},
		{"one a minute ago", ago(time.Minute), 0},
		{"four this hour", ago(50*time.Minute, 40*time.Minute, 30*time.Minute, 2*time.Minute), 0},
		{"five this hour", ago(50*time.Minute, 40*time.Minute, 30*time.Minute, 20*time.Minute, 2*time.Minute), 10 * time.Minute},
		{"five, the oldest over an hour ago", ago(61*time.Minute, 40*time.Minute, 30*time.Minute, 20*time.Minute, 2*time.Minute), 0},
		{"five this hour, the last 10 s ago", ago(59*time.Minute, 40*time.Minute, 30*time.Minute, 20*time.Minute, 10*time.Second), time.Minute},
	} {
		if got := resetWait(tt.recent, now); got != tt.want {
			t.Errorf("%s: wait %v, want %v", tt.name, got, tt.want)
		}
	}
	if kept := inWindow(ago(90*time.Minute, 50*time.Minute, 40*time.Minute, 30*time.Minute, 20*time.Minute, 10*time.Minute, time.Minute), now); len(kept) != 5 || !kept[0].Equal(now.Add(-40*time.Minute)) {
		t.Errorf("kept %v, want the last five of the hour", kept)
	}
}
