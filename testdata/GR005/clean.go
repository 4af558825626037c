package gr005

import (
	"context"
	"log"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"
)

func withContext(ctx context.Context, ch <-chan int) {
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-ch:
			}
		}
	}()
}

func doneChannel(done <-chan struct{}, ch <-chan int) {
	go func() {
		for {
			select {
			case <-done:
				return
			case v, ok := <-ch:
				if !ok {
					return
				}
				_ = v
			}
		}
	}()
}

func rangeEndsOnClose(ch <-chan int) {
	go func() {
		for v := range ch {
			_ = v
		}
	}()
}

func labelledBreak(ch <-chan int) {
	go func() {
	loop:
		for {
			select {
			case v := <-ch:
				if v < 0 {
					break loop
				}
			}
		}
	}()
}

func gotoOut(ch <-chan int) {
	go func() {
		for {
			if <-ch < 0 {
				goto out
			}
		}
	out:
	}()
}

func panics(ch <-chan int) {
	go func() {
		for {
			if <-ch < 0 {
				panic("negative")
			}
		}
	}()
}

func goexit(ch <-chan int) {
	go func() {
		for {
			if <-ch < 0 {
				runtime.Goexit()
			}
		}
	}()
}

func exits(ch <-chan int) {
	go func() {
		for {
			if <-ch < 0 {
				log.Fatal("negative")
			}
		}
	}()
}

func failNow(t *testing.T, ch <-chan int) {
	go func() {
		for {
			if <-ch < 0 {
				t.FailNow()
			}
		}
	}()
}

func conditionLoop(ch <-chan int) {
	go func() {
		for len(ch) > 0 {
			<-ch
		}
	}()
}

func parks() {
	go func() {
		select {}
	}()
}

func fatal(msg string) {
	os.Exit(1)
}

// A package function that never returns ends the goroutine.
func helperExits(ch <-chan int) {
	go func() {
		for {
			if <-ch < 0 {
				fatal("negative")
			}
		}
	}()
}

func init() {
	go func() {
		for {
			time.Sleep(time.Minute)
		}
	}()
}

func TestMain(m *testing.M) {
	go func() {
		for {
			time.Sleep(time.Minute)
		}
	}()
	os.Exit(m.Run())
}

var once sync.Once

func startJanitor() {
	once.Do(func() {
		go func() {
			for {
				time.Sleep(time.Minute)
			}
		}()
	})
}

var background = func() bool {
	go func() {
		for {
			time.Sleep(time.Minute)
		}
	}()
	return true
}()

// Started through a function value: unknown.
func unknown(f func()) {
	go f()
}
