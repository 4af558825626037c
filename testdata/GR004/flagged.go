package gr004

import (
	"bufio"
	"context"
	"log"
	"os"
	"sync"
	"time"

	lg "log"
	sys "os"
)

type Store struct {
	mu   sync.Mutex
	data map[string]string
}

func (s *Store) MustGet(key string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.data[key]
	if !ok {
		log.Fatalf("missing key %q", key) // want "GR004: log.Fatalf exits the process without running the deferred s.mu.Unlock\(\); return an error to main"
	}
	return v
}

func writeReport(path string, lines []string) {
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	defer w.Flush()
	for _, l := range lines {
		if _, err := w.WriteString(l); err != nil {
			os.Exit(1) // want "GR004: os.Exit exits the process without running the deferred f.Close\(\), w.Flush\(\)"
		}
	}
}

func withTimeout(parent context.Context) {
	ctx, cancel := context.WithTimeout(parent, time.Second)
	defer cancel()
	if ctx.Err() != nil {
		lg.Fatalln("timeout") // want "GR004: lg.Fatalln .*cancel\(\)"
	}
}

func worker(wg *sync.WaitGroup, jobs <-chan int) {
	defer wg.Done()
	for j := range jobs {
		if j < 0 {
			sys.Exit(2) // want "GR004: sys.Exit .*wg.Done\(\)"
		}
	}
}

func tempDir() {
	dir, err := os.MkdirTemp("", "x")
	if err != nil {
		return
	}
	defer func() {
		_ = os.RemoveAll(dir)
	}()
	if len(dir) > 100 {
		log.Fatal("too long") // want "GR004: .*os.RemoveAll"
	}
}

func closeChan(ch chan int, n int) {
	defer close(ch)
	for i := 0; i < n; i++ {
		if i == 13 {
			os.Exit(13) // want "GR004: .*close\(ch\)"
		}
		ch <- i
	}
}

// The defer registered in an earlier iteration of the loop is pending at the exit.
func deferInLoop(paths []string) {
	for i, p := range paths {
		if i > 0 && p == "" {
			os.Exit(1) // want "GR004: .*f.Close"
		}
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		defer f.Close()
	}
}
