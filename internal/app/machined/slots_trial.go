package machined

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cairn-os/cairn/internal/controllers/kubeservice"
	"github.com/cairn-os/cairn/internal/pkg/sdboot"
	"github.com/cairn-os/cairn/internal/pkg/supervisor"
)

// Bounds of a trial boot: how long the new slot has to become healthy, how long it must stay
// so, and how often it is checked.
const (
	trialDeadline = 20 * time.Minute
	trialSettle   = 30 * time.Second
	trialPoll     = 5 * time.Second
)

// watchTrial decides a trial boot: when the booted slot's entry is on trial, it is blessed
// once the node has been healthy for trialSettle, or marked bad and the node rebooted (into
// the previous slot) when trialDeadline passes first. Any other boot is left alone.
//
// health returns what it checked (the console names it when the slot is marked good).
func (d *diskSlots) watchTrial(ctx context.Context, health func(context.Context) (string, error)) {
	cur, err := d.current()
	if err != nil || cur.Status() != "trial" {
		return
	}
	limit := d.deadline()
	d.log.Info("booted a new slot on trial: checking health", "slot", cur.Slot, "version", cur.Version,
		"deadline", limit, "tries_left", cur.TriesLeft)
	deadline := time.Now().Add(limit)
	var healthySince time.Time
	for time.Now().Before(deadline) {
		checked, err := health(ctx)
		switch {
		case err != nil:
			healthySince = time.Time{}
			d.log.Debug("trial: not healthy yet", "error", err)
		case healthySince.IsZero():
			healthySince = time.Now()
		case time.Since(healthySince) >= d.settle:
			d.bless(cur, checked)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(d.poll):
		}
	}
	_, err = health(ctx)
	d.fail(cur, err)
}

func (d *diskSlots) bless(cur sdboot.Entry, checked string) {
	d.write.Lock()
	defer d.write.Unlock()
	e, err := d.current()
	if err == nil {
		_, err = d.esp.Bless(e)
	}
	if err != nil {
		d.log.Error("trial: healthy, but the slot could not be marked good: systemd-boot will count this boot as a failed try", "entry", cur.FileName(), "error", err)
		return
	}
	d.log.Info("trial passed: slot marked good", "slot", e.Slot, "version", e.Version, "checked", checked, "healthy_for", d.settle)
	d.forgetExpectations()
}

func (d *diskSlots) fail(cur sdboot.Entry, why error) {
	d.write.Lock()
	e, err := d.current()
	if err == nil {
		_, err = d.esp.MarkBad(e)
	}
	d.write.Unlock()
	d.log.Error("trial failed: slot marked bad, rebooting into the previous slot", "entry", cur.FileName(), "why", why, "mark_error", err)
	d.forgetExpectations()
	if err := d.reboot(); err != nil {
		d.log.Error("trial failed and the reboot was refused", "error", err)
	}
}

// trialExpectFile is where an upgrade records that the node's Kubernetes Node was Ready.
func (n *daemon) trialExpectFile() string {
	return filepath.Join(n.opts.State, "trial-expects-kubernetes")
}

// upgradeHealth says what it checks and why the node is not healthy, or nil: it has a
// configuration, no service is failing (restarting after exits, or given up), and where the
// node was a Ready Kubernetes node before the upgrade, it is again. apid and trustd are
// services: a failing API fails the trial.
func (n *daemon) upgradeHealth(ctx context.Context) (string, error) {
	checked := "configuration applied, no service failing"
	n.mu.Lock()
	configured := n.cfg != nil
	n.mu.Unlock()
	if !configured {
		return checked, errors.New("no configuration (maintenance mode)")
	}
	var down []string
	for _, s := range n.sup.List() {
		if s.State == supervisor.StateBackoff || s.State == supervisor.StateFailed {
			down = append(down, fmt.Sprintf("%s %s", s.Name, s.State))
		}
	}
	if len(down) > 0 {
		return checked, fmt.Errorf("services failing: %s", strings.Join(down, ", "))
	}
	if _, err := os.Stat(n.trialExpectFile()); err == nil {
		return checked + ", Kubernetes node Ready", nodeReady(ctx)
	}
	return checked, nil
}

// nodeReady asks the API server, with the kubelet's credentials, whether this node is Ready.
func nodeReady(ctx context.Context) error {
	c, err := kubeClient(kubeservice.KubeletKubeconfig)
	if err != nil {
		return err
	}
	defer c.CloseIdleConnections()
	host, err := os.Hostname()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var node struct {
		Status struct {
			Conditions []struct{ Type, Status string } `json:"conditions"`
		} `json:"status"`
	}
	if err := c.Get(ctx, "/api/v1/nodes/"+strings.ToLower(host), &node); err != nil {
		return fmt.Errorf("this node in Kubernetes: %w", err)
	}
	for _, cond := range node.Status.Conditions {
		if cond.Type == "Ready" && cond.Status == "True" {
			return nil
		}
	}
	return errors.New("this node is not Ready in Kubernetes")
}

func (d *diskSlots) forgetExpectations() {
	if d.expectFile != "" {
		_ = os.Remove(d.expectFile)
	}
}
