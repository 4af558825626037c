package anonymous

import "sync"

// Mutexes embedded in struct types written in place, the way a struct groups the fields a
// lock guards: `s.mu.Lock()` is the lock `Cluster.mu`, and `s.mu.replicas[i]` a *Replica.
type Cluster struct {
	mu struct {
		sync.RWMutex
		replicas map[int]*Replica
	}
	outbox struct {
		sync.Mutex
		pending []int
	}
}

type Replica struct {
	mu   sync.Mutex
	node *Cluster
}

func (n *Cluster) Flush() {
	n.outbox.Lock()
	defer n.outbox.Unlock()
	for _, id := range n.outbox.pending {
		p := n.replica(id)
		p.mu.Lock()
		p.mu.Unlock()
	}
}

func (n *Cluster) replica(id int) *Replica {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.mu.replicas[id]
}

func (p *Replica) Tick() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.node.outbox.Lock() // want "MU002: p.node.outbox .Cluster.outbox. is locked while holding p.mu .Replica.mu."
	p.node.outbox.pending = append(p.node.outbox.pending, 0)
	p.node.outbox.Unlock()
}
