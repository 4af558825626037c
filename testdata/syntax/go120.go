package syntax

import (
	"context"
	"errors"
	"unsafe"
)

// Go 1.20: slice to array conversion, comparable satisfied by interfaces, unsafe.String
// and friends, joined errors, cancellation causes.

func Equal[T comparable](a, b T) bool { return a == b }

func Use120(ctx context.Context, s []byte) ([4]byte, bool, string, error) {
	head := [4]byte(s[:4])
	var x, y any = 1, 1
	text := unsafe.String(unsafe.SliceData(s), len(s))
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	return head, Equal(x, y), text, errors.Join(context.Cause(ctx), errors.New("x"))
}
