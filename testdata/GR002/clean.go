package gr002

import (
	"errors"
	"log"
	"sync"
	"testing"
)

func TestErrorsAreFine(t *testing.T) {
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.Errorf("worker %d", i)
			t.Error("again")
			t.Log("log is fine")
		}()
	}
	wg.Wait()
}

// Fatal in the test's own goroutine, after the goroutine reports back.
func TestReportBack(t *testing.T) {
	errc := make(chan error, 1)
	go func() {
		errc <- errors.New("x")
	}()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	defer t.SkipNow()
	func() {
		t.FailNow() // a directly called closure runs in the test goroutine
	}()
}

// Subtests run in their own test goroutine: Fatal is fine there, even when t.Run is
// called from a helper.
func TestSubtests(t *testing.T) {
	for _, name := range []string{"a", "b"} {
		t.Run(name, func(t *testing.T) {
			t.Fatal(name)
		})
	}
	b := func(t *testing.T) { t.Fatal("subtest body") }
	t.Run("b", b)
}

func BenchmarkSub(b *testing.B) {
	b.Run("x", func(b *testing.B) {
		b.Fatal("fine")
	})
}

func FuzzClean(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		if s == "" {
			t.Skip()
		}
	})
}

// log.Fatal ends the process; custom types named like testing's methods are not tests.
type reporter int

func (r *reporter) Fatalf(format string, args ...any) {}
func (r *reporter) FailNow()                          {}

func TestOtherFatals(t *testing.T) {
	r := new(reporter)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		r.Fatalf("custom %d", 1)
		r.FailNow()
	}()
	go func() {
		defer wg.Done()
		if t == nil {
			log.Fatal("process exit")
		}
	}()
	wg.Wait()
}

// A helper started with a fake TB that is not a test value.
type fakeTB struct {
	testing.TB
	failed bool
}

func (f *fakeTB) Fatal(args ...any) { f.failed = true }

func expectFailure(tb testing.TB) {
	tb.Fatal("expected")
}

func TestFake(t *testing.T) {
	fake := &fakeTB{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		expectFailure(fake)
	}()
	<-done
	go helperNoTesting(3)
}

func helperNoTesting(n int) int { return n * 2 }

// A helper that only uses Error.
func softCheck(t *testing.T, err error) {
	if err != nil {
		t.Error(err)
	}
}

func TestSoft(t *testing.T) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		softCheck(t, nil)
	}()
	<-done
}


// The RunParallel body: not reported (see Limitations).
func BenchmarkParallel(b *testing.B) {
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if b.N < 0 {
				b.Fatal("negative") // accepted, as by go vet
			}
		}
	})
}
