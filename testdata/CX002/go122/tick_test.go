package cx002

import (
	"testing"
	"time"
)

// Tests are exempt from the time.Tick check, as in staticcheck.
func TestTick(t *testing.T) {
	for range time.Tick(time.Millisecond) {
		break
	}
}
