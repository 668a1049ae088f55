// Package supervisor runs a node's services as child processes: it starts them in dependency
// order, restarts them with exponential backoff when they exit, keeps each one's output in an
// in-memory ring, and reports every state change.
package supervisor

import (
	"context"
	"os"
	"os/exec"
	"time"

	"github.com/cairn-os/cairn/internal/pkg/sandbox"
)

// Spec describes one service.
type Spec struct {
	// Name identifies the service (e.g. "apid").
	Name string
	// DependsOn names services that must be running before this one starts.
	DependsOn []string
	// Command builds the command to run; it is called for every (re)start.
	Command func() *exec.Cmd
	// Files, when set, opens descriptors for one start only: they are added to the command's
	// ExtraFiles after those it has, and closed once the process has started (or failed to).
	// An error fails the start.
	Files func() ([]*os.File, error)
	// Protected services cannot be stopped through Stop (the API refuses it).
	Protected bool
	// Sandbox restricts the process; nil runs it with the supervisor's privileges.
	Sandbox *Sandbox
	// Limits are the resource limits of the service's cgroup (Sandbox.Cgroup), written at
	// every start. Without a cgroup they are not enforced, and the service's status says so.
	Limits sandbox.Limits
	// StopTimeout is how long Stop waits after SIGTERM before SIGKILL (default 5s).
	StopTimeout time.Duration
	// Ready reports whether a started process serves (e.g. its port answers); the service is
	// Starting until it returns nil, polled every readyPoll at first, then less often (up to
	// readyPollMax). Nil: ready once started.
	Ready func(ctx context.Context) error
	// ReadyWithin, when set, bounds how long a started process may take to become ready: one
	// that is not is stopped and started again, counted as a failure (with backoff).
	ReadyWithin time.Duration
	// StartAfter, when set, must pass before each start: until it returns nil the service is
	// Waiting and its process is not started (polled every gatePoll at first, then up to
	// gatePollMax). It holds back a program that could do nothing yet but compete for the CPU,
	// as a kubelet before its cluster's apiserver answers. What it waits for is described by
	// StartAfterWhat ("the apiserver at ...").
	StartAfter     func(ctx context.Context) error
	StartAfterWhat string
}

// State is the lifecycle state of a service.
type State string

// Service states.
const (
	StateWaiting  State = "Waiting"
	StateStarting State = "Starting"
	StateRunning  State = "Running"
	StateBackoff  State = "Backoff"
	StateStopping State = "Stopping"
	StateStopped  State = "Stopped"
	StateFailed   State = "Failed"
)

// Status is a snapshot of one service.
type Status struct {
	Name      string
	State     State
	PID       int
	Restarts  uint32
	LastError string
	Since     time.Time
	DependsOn []string
	// Cgroup is the service's cgroup (zero: it has none and runs in the supervisor's).
	Cgroup sandbox.CgroupPath
	// Limits are the limits of the service's definition; Unenforced names those its cgroup
	// does not enforce, each with why.
	Limits     sandbox.Limits
	Unenforced []string
}

// Change is reported for every state transition.
type Change struct {
	Status
	Message string
}
