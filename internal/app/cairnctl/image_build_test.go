package cairnctl

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestImageBuildToolImages refuses the boot-asset flags with --tool-images and names the tool
// images the manifest has when asked for one it lacks; neither builds anything.
func TestImageBuildToolImages(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--tool-images", "kube-bench", "--format", "raw"}, "--format does not apply to --tool-images"},
		{[]string{"--tool-images", "kube-bench", "--tag", "v1.0.0"}, "--tag does not apply to --tool-images"},
		{[]string{"--tool-images", "nosuch"}, `the image manifest has no tool image "nosuch" (it has kube-bench, busybox, agnhost, jessie-dnsutils)`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := append([]string{"image", "build", "--out", t.TempDir(), "--cache", t.TempDir()}, tc.args...)
			code := Context{Args: args, Stdout: &out, Stderr: &errOut}.Execute(context.Background())
			if code == 0 || !strings.Contains(errOut.String(), tc.want) {
				t.Errorf("cairnctl %s: exit %d, stderr %q; want an error containing %q", strings.Join(args, " "), code, errOut.String(), tc.want)
			}
		})
	}
}
