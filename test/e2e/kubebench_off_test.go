//go:build e2e && !kubebench

package e2e

const kubeBenchOn = false
