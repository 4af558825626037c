package crossfile

// Session then Server.mu: the inverse order, in another file.
func (se *Session) Close() {
	se.Lock()
	defer se.Unlock()
	se.srv.mu.Lock() // want "MU002: se.srv.mu .Server.mu. is locked while holding se .Session.Mutex., but Server.Rename locks them in the opposite order"
	delete(se.srv.sessions, se.name)
	se.srv.mu.Unlock()
}
