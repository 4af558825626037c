package syntax

import (
	"strings"
	"sync"
	"time"
)

// Go 1.26: new takes an expression, and a generic type may refer to itself in its own
// type parameter list.

type Ordered[T Ordered[T]] interface {
	Less(T) bool
}

type Celsius float64

func (c Celsius) Less(d Celsius) bool { return c < d }

func Smallest[T Ordered[T]](xs ...T) T {
	m := xs[0]
	for _, x := range xs[1:] {
		if x.Less(m) {
			m = x
		}
	}
	return m
}

type Config struct {
	Name    *string
	Timeout *time.Duration
	Retries *int
	Tags    *[]string
	Enabled *bool
	Ratio   *float64
	Letter  *rune
	Raw     *string
	Hook    *func() int
	Limits  *map[string]int
	Point   *struct{ X, Y int }
	Next    *Celsius
	Pick    *int
	Sub     *[]int
	Any     *any
	Recv    *int
	Conv    *int64
	Inst    *Celsius
	Paren   *int
	Deref   *Config
	Neg     *int
	Not     *bool
	Cmp     *bool
	Complex *complex128
	Shift   *int
}

func Use126(name string, ch chan int, xs []int, v any, base *Config, n int) *Config {
	ch <- 1
	return &Config{
		Name:    new(strings.ToUpper(name)),
		Timeout: new(3 * time.Second),
		Retries: new(3),
		Tags:    new([]string{"a", "b"}),
		Enabled: new(true),
		Ratio:   new(0.5),
		Letter:  new('x'),
		Raw:     new(`raw`),
		Hook:    new(func() int { return n }),
		Limits:  new(map[string]int{"cpu": 2}),
		Point:   new(struct{ X, Y int }{1, 2}),
		Next:    new(Celsius(1.5)),
		Pick:    new(xs[0]),
		Sub:     new(xs[1:]),
		Any:     new(v),
		Recv:    new(<-ch),
		Conv:    new(int64(n)),
		Inst:    new(Smallest[Celsius](1, 2)),
		Paren:   new((n + 1)),
		Deref:   new(*base),
		Neg:     new(-n),
		Not:     new(!(n > 2)),
		Cmp:     new(n > 2),
		Complex: new(1 + 2i),
		Shift:   new(n << 2),
	}
}

func Asserted(v any) *string { return new(v.(string)) }

func Selected(c *Config) *string { return new(*c.Name) }

func Copied(n int) (*int, *sync.Mutex) { return new(n), new(sync.Mutex) }

var counts = map[string]int{}

// Locked holds a mutex made with new(T), still read as a mutex.
func Locked(key string) int {
	mu := new(sync.Mutex)
	mu.Lock()
	defer mu.Unlock()
	counts[key]++
	return counts[key]
}
