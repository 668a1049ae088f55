//go:build !linux

package sdboot

// syncFS is Linux-only: elsewhere the ESP is only read (cairnctl), never written.
func syncFS(string) error { return nil }
