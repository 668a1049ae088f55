package cairnctl

import (
	"errors"
	"fmt"
	"io"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
)

// receiver is a server stream of replies.
type receiver[T any] interface{ Recv() (T, error) }

// reply is any message that names its node.
type reply interface{ GetMetadata() *common.Metadata }

// drain hands every successful message of a stream to fn and records per-node errors. A
// stream that ends because the command was interrupted or timed out ends quietly.
func drain[T reply](s receiver[T], errs *nodeErrors, fn func(T) error) error {
	for {
		m, err := s.Recv()
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case status.Code(err) == codes.Canceled || status.Code(err) == codes.DeadlineExceeded:
			return nil
		case err != nil:
			return apiError(err)
		}
		if !errs.ok(m.GetMetadata()) {
			continue
		}
		if err := fn(m); err != nil {
			return err
		}
	}
}

// checkAll records the per-node errors of unary replies and returns the successful ones.
func checkAll[T reply](msgs []T, errs *nodeErrors) []T {
	var out []T
	for _, m := range msgs {
		if errs.ok(m.GetMetadata()) {
			out = append(out, m)
		}
	}
	return out
}

// drainNodes is drain for a command whose nodes' errors end it with one exit error once the
// stream is done.
func drainNodes[T reply](s receiver[T], fn func(T) error) error {
	var errs nodeErrors
	if err := drain(s, &errs, fn); err != nil {
		return err
	}
	return errs.err()
}

// eachNode hands every successful unary reply to fn, then reports the nodes that failed.
func eachNode[T reply](msgs []T, fn func(T) error) error {
	var errs nodeErrors
	for _, m := range checkAll(msgs, &errs) {
		if err := fn(m); err != nil {
			return err
		}
	}
	return errs.err()
}

// oneReply returns the one successful message of a reply from one node, or the node's error;
// what names the call in the error of an empty reply.
func oneReply[T reply](msgs []T, what string) (T, error) {
	var errs nodeErrors
	ok := checkAll(msgs, &errs)
	var zero T
	if err := errs.err(); err != nil {
		return zero, err
	}
	if len(ok) == 0 {
		return zero, fmt.Errorf("the node answered %s with nothing", what)
	}
	return ok[0], nil
}
