package demo

import (
	"errors"
	"time"
)

// poll never stops its ticker: before Go 1.23 it keeps firing after poll returns.
func poll(done <-chan struct{}, check func() bool) bool {
	t := time.NewTicker(time.Second)
	for {
		select {
		case <-done:
			return false
		case <-t.C:
			if check() {
				return true
			}
		}
	}
}

// waitReady stops its timer only when it fires.
func waitReady(ready <-chan struct{}, timeout time.Duration) error {
	timer := time.NewTimer(timeout)
	select {
	case <-ready:
		return nil
	case <-timer.C:
		return errors.New("not ready in time")
	}
}

// heartbeat resets its ticker but never stops it.
func heartbeat(beats <-chan time.Duration, send func() error) error {
	ticker := time.NewTicker(time.Minute)
	for {
		select {
		case d, ok := <-beats:
			if !ok {
				return nil
			}
			ticker.Reset(d)
		case <-ticker.C:
			if err := send(); err != nil {
				return err
			}
		}
	}
}

// alreadyRight must be left alone.
func alreadyRight(done <-chan struct{}, tick func()) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			tick()
		}
	}
}
