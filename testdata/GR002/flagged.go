package gr002

import (
	"sync"
	"testing"
)

func TestLoopWorkers(t *testing.T) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for n := 0; n < 3; n++ {
		wg.Add(1)
		go func(worker int) {
			defer wg.Done()
			t.Fatalf("worker %d failed", worker) // want "GR002: t.Fatalf is called from a goroutine"
		}(n)
	}
}

func TestPlainFatal(t *testing.T) {
	done := make(chan bool)
	go func() {
		defer close(done)
		t.Fatal("boom") // want "GR002: t.Fatal is called from a goroutine"
	}()
	<-done
}

func BenchmarkWorkers(b *testing.B) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for n := 0; n < b.N; n++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.Fatal("bench worker") // want "GR002: b.Fatal is called"
		}()
	}
}

// Started as a named function with the test value bound.
func failing(t *testing.T, msg string) {
	t.Fatal(msg)
}

func TestGoNamed(t *testing.T) {
	go failing(t, "first") // want "GR002: failing\(...\) runs in a new goroutine and calls t.Fatal"

	local := func(tt *testing.T, msg string) {
		tt.Fatal(msg)
	}
	go local(t, "second") // want "GR002: local\(...\) runs in a new goroutine"
}

// Nested goroutines, conditionals, nested direct calls, deferred and in loop clauses.
func BenchmarkNested(b *testing.B) {
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Add(1)
	go func() {
		go func() {
			defer wg.Done()
			b.Fatal("deep") // want "GR002"
		}()
	}()
	if b.N > 0 {
		defer b.Fatal("deferred in the benchmark goroutine: fine")
	}
	func() {
		func() {
			go func() {
				b.SkipNow() // want "GR002: b.SkipNow"
			}()
		}()
	}()
	_ = func() bool {
		go b.Fatal("direct") // want "GR002: b.Fatal is called"
		return true
	}
	defer func() {
		go b.FailNow() // want "GR002: b.FailNow"
	}()
}

func TestSkips(t *testing.T) {
	for i := 0; i < 10; i++ {
		if i == 3 {
			go t.Skip("later") // want "GR002: t.Skip is called"
		}
		if i == 4 {
			go func() {
				go func() {
					t.Skipf("now %d", i) // want "GR002: t.Skipf"
				}()
			}()
		}
	}
}

func TestDeferAndLoopClause(ty *testing.T) {
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer ty.Fatalf("why") // want "GR002: ty.Fatalf"
		go func() {
			for j := 0; j < 2; ty.FailNow() { // want "GR002: ty.FailNow"
				j++
				ty.Errorf("fine")
			}
		}()
	}()
}

// The testing.TB interface, and a helper called from the goroutine.
func checkNoErr(tb testing.TB, err error) {
	if err != nil {
		tb.Fatalf("unexpected: %v", err)
	}
}

func runAll(tb testing.TB, jobs []func() error) {
	var wg sync.WaitGroup
	for _, job := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			checkNoErr(tb, job()) // want "GR002: checkNoErr\(...\) is called in a goroutine and calls tb.Fatalf"
		}()
	}
	wg.Wait()
}

// Fuzz targets too.
func FuzzParse(f *testing.F) {
	go f.Fatal("no") // want "GR002: f.Fatal"
}

