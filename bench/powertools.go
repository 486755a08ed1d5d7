package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/eventshop/eventshop/contract"
)

// powertools is the peer: the notification consumer on Powertools for AWS
// Lambda (TypeScript), in bench/powertools, which make bench installs
// with npm ci from its package-lock.json; run by the Node.js that the
// repository's own package.json pins (node_modules/.bin/node).
type powertools struct {
	dir, node, version string
}

func installPowertools(ctx context.Context, root string) (*powertools, error) {
	p := &powertools{dir: filepath.Join(root, "bench", "powertools"), node: filepath.Join(root, "node_modules", ".bin", "node")}
	if _, err := os.Stat(p.node); err != nil {
		return nil, fmt.Errorf("no Node.js at %s: run make bench, which installs it with npm ci", p.node)
	}
	if _, err := os.Stat(filepath.Join(p.dir, "node_modules", "@aws-lambda-powertools", "batch")); err != nil {
		return nil, fmt.Errorf("bench/powertools is not installed: run make bench, or npm ci --prefix bench/powertools")
	}
	v, err := exec.CommandContext(ctx, p.node, "--version").Output()
	if err != nil {
		return nil, err
	}
	p.version = strings.TrimSpace(string(v))
	return p, nil
}

func (p *powertools) argv() []string { return []string{p.node, filepath.Join(p.dir, "index.mjs")} }

// peerTarget starts the peer as the notification function is started.
func peerTarget() coldTarget {
	return coldTarget{name: "powertools", source: "bench/powertools", payload: `{"Records":[]}`, env: warmEnv(contract.Notification)}
}

// measurePeerCold starts the peer and eventshop's notification bootstrap
// (goBin) runs times each, in turn.
func measurePeerCold(ctx context.Context, p *powertools, goBin string, runs int) (peer, eventshop []coldRun, err error) {
	goTarget := coldTarget{name: string(contract.Notification), payload: `{"Records":[]}`, env: warmEnv(contract.Notification)}
	for range runs {
		r, err := coldOnce(ctx, p.argv(), peerTarget())
		if err != nil {
			return nil, nil, fmt.Errorf("powertools: %w", err)
		}
		peer = append(peer, r)
		if r, err = coldOnce(ctx, []string{goBin}, goTarget); err != nil {
			return nil, nil, fmt.Errorf("notification: %w", err)
		}
		eventshop = append(eventshop, r)
	}
	return peer, eventshop, nil
}

// warmTargets are the handlers of the warm comparison: eventshop's
// notification function, the bare aws-lambda-go handler and, if it is
// installed, the Powertools peer; each with its AWS calls answered in its
// process and, with loopback, each again over the loopback.
func warmTargets(ctx context.Context, root, dir string, p *powertools, loopback bool) ([]warmTarget, error) {
	env := warmEnv(contract.Notification)
	modFile, err := warmModFile(ctx, root, dir)
	if err != nil {
		return nil, err
	}
	bare, err := buildWarm(ctx, root, dir, modFile, "bare", "bench/bare")
	if err != nil {
		return nil, err
	}
	eventshop, err := buildWarm(ctx, root, dir, modFile, "eventshop", contract.Notification.Source())
	if err != nil {
		return nil, err
	}
	handlers := []warmTarget{
		{name: "bare", cmd: []string{bare}, env: env, goMemStats: true},
		{name: "bare-concurrent", cmd: []string{bare}, env: append(slices.Clone(env), "BARE_CONCURRENT=1"), goMemStats: true},
		{name: "eventshop", cmd: []string{eventshop}, env: env, goMemStats: true},
	}
	if p != nil {
		handlers = append(handlers, warmTarget{name: "powertools", cmd: p.argv(), env: env})
	}
	var out []warmTarget
	for _, t := range handlers {
		t.inProcess = true
		out = append(out, t)
	}
	if loopback {
		for _, t := range handlers {
			t.name += loopbackSuffix
			out = append(out, t)
		}
	}
	return out, nil
}
