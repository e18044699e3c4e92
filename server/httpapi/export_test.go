package httpapi

// OnSynced makes f hear of every path synced to disk until the returned
// function is called.
func OnSynced(f func(path string)) (restore func()) {
	synced = f
	return func() { synced = nil }
}
