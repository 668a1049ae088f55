package cairnctl

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/client"
	"github.com/cairn-os/cairn/pkg/machinery/constants"
)

// importChunk is the size of one ImageImport message.
const importChunk = 1 << 20

func newImageImportCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "import FILE.tar",
		Short: "Import a container image tarball into the nodes' containerd, for pods to run",
		Long: `Send an image tarball (docker save, or an OCI image layout in a tar with named images) to
each node (--nodes) in turn; containerd imports it into its k8s.io namespace, the one kubelet
runs pods from, unpacked for the node's platform. Images must be named (NAME:TAG) to be
imported. It needs the os:admin role; a node takes one import at a time, at most 2 GiB.

Progress (bytes sent) goes to standard error; each node's imported images to standard output.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runImageImport(cmd, g, args[0]) },
	}
}

func runImageImport(cmd *cobra.Command, g *globals, path string) error {
	s, err := g.connect(nil)
	if err != nil {
		return err
	}
	defer s.Close()
	nodes := s.oneByOne()
	var failed []error
	for _, n := range nodes {
		if err := importTo(cmd, s, n, path); err != nil {
			failed = append(failed, nodeFailure(n, err))
		}
	}
	return errors.Join(failed...)
}

func nodeFailure(node string, err error) error {
	if node == "" || err == nil {
		return err
	}
	return fmt.Errorf("node %s: %w", printable(node), err)
}

// importTo sends the file to one node ("" for the endpoint) and prints what it imported.
func importTo(cmd *cobra.Command, s *session, node, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	if st, err := f.Stat(); err == nil && st.Size() > constants.MaxImageImportBytes {
		return fmt.Errorf("%s is %d bytes: a node imports at most %d bytes per image tarball; save fewer images per file", path, st.Size(), int64(constants.MaxImageImportBytes))
	}
	ctx := cmd.Context()
	if node != "" {
		ctx = client.WithNodes(ctx, node)
	}
	st, err := s.c.Machine.ImageImport(ctx)
	if err != nil {
		return apiError(err)
	}
	p := &progress{w: cmd.ErrOrStderr(), what: path, every: time.Second}
	send := func(b []byte) error { return st.Send(&machine.ImageImportRequest{Chunk: b}) }
	if err := sendChunks(send, f, p); err != nil {
		return err
	}
	resp, err := st.CloseAndRecv()
	if err != nil {
		return apiError(err)
	}
	p.done("imported")
	return eachNode(resp.GetMessages(), func(m *machine.ImageImport) error {
		for _, img := range m.GetImages() {
			_, _ = fmt.Fprintf(cmd.OutOrStdout(), "%s: imported %s\n", replyNode(m.GetMetadata()), printable(img))
		}
		return nil
	})
}

// sendChunks sends r in chunks of at most importChunk bytes; a send the node ended early is
// left for CloseAndRecv to explain.
func sendChunks(send func([]byte) error, r io.Reader, p *progress) error {
	buf := make([]byte, importChunk)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if serr := send(buf[:n]); serr != nil {
				if errors.Is(serr, io.EOF) {
					return nil
				}
				return apiError(serr)
			}
			p.add(n)
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// progress prints the bytes sent (of size, when known) at most every so often, then the total.
type progress struct {
	w     io.Writer
	what  string
	every time.Duration
	size  int64 // 0: unknown
	sent  int64
	last  time.Time
	verb  string // what happens to the bytes; "" is "sent"
}

func (p *progress) add(n int) {
	p.sent += int64(n)
	if now := time.Now(); now.Sub(p.last) >= p.every {
		p.last = now
		_, _ = fmt.Fprintf(p.w, "%s: %s %s\n", p.what, p.amount(), p.verbed())
	}
}

// amount is "N bytes", or "N of M bytes (P%)" when the size is known.
func (p *progress) amount() string {
	if p.size <= 0 {
		return fmt.Sprintf("%d bytes", p.sent)
	}
	return fmt.Sprintf("%d of %d bytes (%d%%)", p.sent, p.size, p.sent*100/p.size)
}

// done prints the total and what became of it ("imported").
func (p *progress) done(what string) {
	_, _ = fmt.Fprintf(p.w, "%s: %d bytes %s, %s\n", p.what, p.sent, p.verbed(), what)
}

func (p *progress) verbed() string {
	if p.verb == "" {
		return "sent"
	}
	return p.verb
}
