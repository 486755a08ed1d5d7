package runner

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/eventshop/eventshop/localstack/provision"
)

// keptServices are the emulator's snapshots that a restart keeps: the services
// whose resources hold data (provision.HoldsData). Every other service's
// resources are created afresh from the template on each start.
var keptServices = []string{"dynamodb", "sqs", "kms", "sesv2"}

// state is what a local stack keeps between runs in its directory: the
// emulator's data (kumo/) and the record of the deployment that made it
// (stack.json). One stack at a time holds it (lock).
type state struct {
	dir    string
	lock   *os.File
	record record // of the previous run; empty if it starts fresh
}

// record names the resources that hold data, so that the next run takes
// them over instead of creating them.
type record struct {
	Stack     string            `json:"stack"`
	Since     time.Time         `json:"since"`     // when the state started afresh
	Resources map[string]string `json:"resources"` // physical id by logical id
}

// openState takes dir for one stack, starting afresh if reset, or if what
// it holds is not of stack.
func openState(dir, stack string, reset bool) (*state, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	lock, err := lockState(filepath.Join(dir, "lock"))
	if err != nil {
		return nil, err
	}
	s := &state{dir: dir, lock: lock}
	if !reset {
		b, err := os.ReadFile(s.recordFile())
		if err == nil {
			err = json.Unmarshal(b, &s.record)
		}
		// A state with no readable record, or another stack's, cannot be
		// taken over: start afresh rather than beside orphans.
		reset = err != nil || s.record.Stack != stack
	}
	if reset {
		s.record = record{}
		err = errors.Join(os.RemoveAll(s.DataDir()), os.Remove(s.recordFile()))
		if errors.Is(err, os.ErrNotExist) {
			err = nil
		}
	} else {
		err = s.prune()
	}
	if err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// lockState takes the lock of a state directory without waiting, and
// writes this process's id in it; a stack that holds it already is named
// by its process id.
func lockState(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		b, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			who := "another process"
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				who = "process " + strconv.Itoa(pid)
			}
			return nil, fmt.Errorf("a local stack of this checkout is already running (%s holds %s): "+
				"stop it with Ctrl-C, or run a second one with make local STATE=<another directory> PORT=… EMULATOR_PORT=…", who, filepath.Dir(path))
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := errors.Join(f.Truncate(0), writeAt0(f, strconv.Itoa(os.Getpid())+"\n")); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func writeAt0(f *os.File, s string) error {
	_, err := f.WriteAt([]byte(s), 0)
	return err
}

// DataDir is the emulator's data directory (KUMO_DATA_DIR).
func (s *state) DataDir() string { return filepath.Join(s.dir, "kumo") }

func (s *state) recordFile() string { return filepath.Join(s.dir, "stack.json") }

// prune removes the snapshots of the services whose resources are created
// afresh, so that the emulator starts with none of them.
func (s *state) prune() error {
	entries, err := os.ReadDir(s.DataDir())
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		service := strings.TrimSuffix(strings.TrimSuffix(e.Name(), ".tmp"), ".json")
		if !slices.Contains(keptServices, service) || strings.HasSuffix(e.Name(), ".tmp") {
			if err := os.RemoveAll(filepath.Join(s.DataDir(), e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// adopt returns what the previous run created that holds data, for
// provision.Deployer.Adopt.
func (s *state) adopt() map[string]string { return s.record.Resources }

// kept says whether this run takes over a previous run's state.
func (s *state) kept() bool { return len(s.record.Resources) > 0 }

// save records what this run deployed that holds data.
func (s *state) save(stack *provision.Stack) error {
	r := record{Stack: stack.Name, Since: s.record.Since, Resources: map[string]string{}}
	if r.Since.IsZero() {
		r.Since = time.Now().UTC()
	}
	for id, res := range stack.Resources {
		if slices.Contains(provision.HoldsData, res.Type) {
			r.Resources[id] = res.PhysicalID
		}
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	tmp := s.recordFile() + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, s.recordFile())
}

// close lets another stack take the state.
func (s *state) close() {
	if s != nil && s.lock != nil {
		s.lock.Close()
		s.lock = nil
	}
}
