package qemu

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"time"
)

// PowerButton presses the ACPI power button of a node through its QMP socket (QEMU's
// system_powerdown), as a person would on a real machine.
func PowerButton(dir, node string) error {
	c, err := dialQMP(dir, node)
	if err != nil {
		return fmt.Errorf("qmp %s: %w", node, err)
	}
	defer func() { _ = c.Close() }()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	if _, err := r.ReadBytes('\n'); err != nil { // greeting
		return fmt.Errorf("qmp %s: greeting: %w", node, err)
	}
	for _, cmd := range []string{"qmp_capabilities", "system_powerdown"} {
		if err := qmpCommand(c, r, cmd); err != nil {
			return fmt.Errorf("qmp %s: %s: %w", node, cmd, err)
		}
	}
	return nil
}

// qmpSocket is a node's QMP socket, relative to its cluster's directory.
func qmpSocket(node string) string { return node + ".qmp" }

// qmpCommand sends one command and waits for its return, skipping asynchronous events.
func qmpCommand(c net.Conn, r *bufio.Reader, cmd string) error {
	if err := json.NewEncoder(c).Encode(map[string]string{"execute": cmd}); err != nil {
		return err
	}
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			return err
		}
		var msg struct {
			Return json.RawMessage `json:"return"`
			Error  *struct {
				Desc string `json:"desc"`
			} `json:"error"`
		}
		if err := json.Unmarshal(line, &msg); err != nil {
			return err
		}
		if msg.Error != nil {
			return fmt.Errorf("%s", msg.Error.Desc)
		}
		if msg.Return != nil {
			return nil
		}
	}
}
