package fresh

import (
	"sync"
	"time"
)

// A hub of peers: settings are copied into each peer under settingsMu, and Reload takes
// settingsMu, then the hub's list, then each listed peer.
type Hub struct {
	mu         sync.Mutex
	settingsMu sync.RWMutex
	peers      []*Peer
	settings   string
}

type Peer struct {
	mu       sync.Mutex
	name     string
	settings string
	timer    *time.Timer
}

func (h *Hub) Reload(settings string) {
	h.settingsMu.Lock()
	defer h.settingsMu.Unlock()
	h.settings = settings
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, p := range h.peers {
		p.mu.Lock()
		p.settings = settings
		p.mu.Unlock()
	}
}

// The peer is new: nobody else can lock it before it is listed, so locking settingsMu while
// holding it orders nothing.
func (h *Hub) Join(name string) *Peer {
	p := &Peer{name: name}
	p.mu.Lock()
	p.describe()
	h.settingsMu.RLock()
	p.settings = h.settings
	h.settingsMu.RUnlock()
	p.mu.Unlock()
	h.add(p)
	return p
}

// The same through a constructor that returns a new peer.
func (h *Hub) JoinNew(name string) *Peer {
	p := newPeer(name)
	p.mu.Lock()
	h.settingsMu.RLock()
	p.settings = h.settings
	h.settingsMu.RUnlock()
	p.mu.Unlock()
	h.add(p)
	return p
}

// One branch hands the peer to a timer; settingsMu is taken only on the other branch
// (the same unchanged flag decides both).
func (h *Hub) JoinLater(name string, later bool) *Peer {
	p := &Peer{name: name}
	p.mu.Lock()
	if later {
		p.timer = time.AfterFunc(time.Second, p.expire)
	}
	if !later {
		h.settingsMu.RLock()
		p.settings = h.settings
		h.settingsMu.RUnlock()
	}
	p.mu.Unlock()
	h.add(p)
	return p
}

// Locking a new peer while holding the hub's lock orders nothing either.
func (h *Hub) Spare() *Peer {
	h.mu.Lock()
	defer h.mu.Unlock()
	var p Peer
	p.mu.Lock()
	p.name = "spare"
	p.mu.Unlock()
	return nil
}

func newPeer(name string) *Peer {
	p := &Peer{}
	p.name = name
	return p
}

func (h *Hub) add(p *Peer) {
	h.mu.Lock()
	h.peers = append(h.peers, p)
	h.mu.Unlock()
}

func (p *Peer) describe() string { return p.name + ": " + p.settings }

func (p *Peer) expire() {
	p.mu.Lock()
	p.settings = ""
	p.mu.Unlock()
}

// Listed first, then locked with the hub's settings: now Reload can wait for this peer while
// holding settingsMu.
type Room struct {
	mu         sync.Mutex
	settingsMu sync.RWMutex
	members    []*Member
	settings   string
}

type Member struct {
	mu       sync.Mutex
	settings string
	room     *Room
}

func (r *Room) Reload(settings string) {
	r.settingsMu.Lock()
	defer r.settingsMu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range r.members {
		m.mu.Lock()
		m.settings = settings
		m.mu.Unlock()
	}
}

func (r *Room) Enter() *Member {
	m := &Member{room: r}
	r.mu.Lock()
	r.members = append(r.members, m)
	r.mu.Unlock()
	m.mu.Lock()
	defer m.mu.Unlock()
	r.settingsMu.RLock() // want "MU002: r.settingsMu .Room.settingsMu. is locked while holding m.mu .Member.mu."
	m.settings = r.settings
	r.settingsMu.RUnlock()
	return m
}

// A new member's pointer field leads to the shared room: its lock is not new.
type Lobby struct {
	mu   sync.Mutex
	door sync.Mutex
}

type Guest struct {
	lobby *Lobby
}

func (l *Lobby) Open() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.door.Lock()
	l.door.Unlock()
}

func (l *Lobby) Arrive() {
	g := &Guest{lobby: l}
	g.lobby.door.Lock()
	defer g.lobby.door.Unlock()
	l.mu.Lock() // want "MU002: l.mu .Lobby.mu. is locked while holding g.lobby.door .Lobby.door."
	l.mu.Unlock()
}

// Started on a goroutine before it takes the other lock: the goroutine can lock it.
type Pool struct {
	mu      sync.Mutex
	workers []*Worker
}

type Worker struct {
	mu   sync.Mutex
	pool *Pool
}

func (p *Pool) Stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, w := range p.workers {
		w.mu.Lock()
		w.mu.Unlock()
	}
}

func (w *Worker) run() {
	w.mu.Lock()
	w.mu.Unlock()
}

func (p *Pool) Spawn() {
	w := &Worker{pool: p}
	go w.run()
	w.mu.Lock()
	defer w.mu.Unlock()
	p.mu.Lock() // want "MU002: p.mu .Pool.mu. is locked while holding w.mu .Worker.mu."
	p.workers = append(p.workers, w)
	p.mu.Unlock()
}

// The flag is new on each iteration: a peer handed to a timer on one iteration is locked
// with settingsMu on the next.
func (h *Hub) Batch(names []string) {
	p := &Peer{}
	for _, name := range names {
		later := name == ""
		if later {
			p.timer = time.AfterFunc(time.Second, p.expire)
		}
		p.mu.Lock()
		if !later {
			h.settingsMu.RLock() // want "MU002: h.settingsMu .Hub.settingsMu. is locked while holding p.mu .Peer.mu."
			p.settings = h.settings
			h.settingsMu.RUnlock()
		}
		p.mu.Unlock()
	}
}
