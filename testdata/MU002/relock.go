package mu002

import "sync"

type DeviceSet struct {
	sync.Mutex
	infos map[string]*DevInfo
}

type DevInfo struct {
	lock sync.Mutex
	name string
}

// DeviceSet then DevInfo.lock; the helper drops DeviceSet and takes it again while
// DevInfo.lock is still held: DevInfo.lock then DeviceSet, the inverse order.
func (d *DeviceSet) Delete(hash string) {
	d.Lock()
	defer d.Unlock()
	info := d.infos[hash]
	info.lock.Lock()
	defer info.lock.Unlock()
	d.waitRemoved(info.name) // want "MU002: d .DeviceSet.Mutex. is locked while holding info.lock .DevInfo.lock."
}

func (d *DeviceSet) waitRemoved(name string) {
	d.Unlock()
	_ = name
	d.Lock()
}
