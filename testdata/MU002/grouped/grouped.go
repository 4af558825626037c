package grouped

import "sync"

// One acquisition closes two cycles: one finding lists both.
type Plugins struct {
	mu      sync.Mutex
	plugins map[string]*Plugin
}

type Handlers struct {
	mu       sync.RWMutex
	handlers []func(*Plugin)
}

type Plugin struct {
	mu     sync.Mutex
	active bool
}

func (p *Plugin) activate(h *Handlers, ps *Plugins) {
	p.mu.Lock()
	defer p.mu.Unlock()
	h.mu.RLock()
	for _, f := range h.handlers {
		f(p)
	}
	h.mu.RUnlock()
	ps.mu.Lock()
	ps.plugins[""] = p
	ps.mu.Unlock()
	p.active = true
}

func (h *Handlers) Handle(ps *Plugins, f func(*Plugin)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	ps.mu.Lock()
	defer ps.mu.Unlock()
	h.handlers = append(h.handlers, f)
	for _, p := range ps.plugins {
		p.mu.Lock() // want "MU002: p.mu .Plugin.mu. is locked while holding h.mu .Handlers.mu., .*; 1 more cycle through it, listed below"
		f(p)
		p.mu.Unlock()
	}
}
