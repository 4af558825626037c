package gr004

import (
	"archive/zip"
	"bufio"
	"compress/gzip"
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

// What the end of the process releases anyway is not worth a report: a mutex, a cancel
// func, a WaitGroup, a channel, a file descriptor.
func (s *Store) MustGet(key string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.data[key]
	if !ok {
		log.Fatalf("missing key %q", key)
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
			os.Exit(1) // want "GR004: os.Exit exits the process without running the deferred w.Flush\(\) \(buffered output is lost\); return an error to main"
		}
	}
}

func withTimeout(parent context.Context) {
	ctx, cancel := context.WithTimeout(parent, time.Second)
	defer cancel()
	if ctx.Err() != nil {
		lg.Fatalln("timeout")
	}
}

func worker(wg *sync.WaitGroup, jobs <-chan int) {
	defer wg.Done()
	for j := range jobs {
		if j < 0 {
			sys.Exit(2)
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
			os.Exit(13)
		}
		ch <- i
	}
}

// The defer registered in an earlier iteration of the loop is pending at the exit.
func deferInLoop(paths []string) {
	for i, p := range paths {
		if i > 0 && p == "" {
			os.Exit(1) // want "GR004: .*os.Remove\(\) \(what it removes stays behind\)"
		}
		f, err := os.CreateTemp("", p)
		if err != nil {
			continue
		}
		defer os.Remove(f.Name())
	}
}

// Archive writers keep their last block and trailer until Close.
func archive(path string, files map[string][]byte) {
	out, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	defer out.Close()
	zw := zip.NewWriter(out)
	defer zw.Close()
	for name, data := range files {
		w, err := zw.Create(name)
		if err != nil {
			log.Fatalf("create %s: %v", name, err) // want "GR004: log.Fatalf .*deferred zw.Close\(\) \(the data it holds is never written\)"
		}
		if _, err := w.Write(data); err != nil {
			log.Fatal(err) // want "GR004: .*zw.Close"
		}
	}
}

func compressed(out *os.File, data []byte) {
	gz, err := gzip.NewWriterLevel(out, gzip.BestSpeed)
	if err != nil {
		log.Fatal(err)
	}
	defer func() {
		_ = gz.Close()
		_ = out.Sync()
	}()
	if _, err := gz.Write(data); err != nil {
		os.Exit(1) // want "GR004: .*deferred gz.Close\(\)"
	}
}
