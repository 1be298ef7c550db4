package cache

// SetNoMarkerHook sets the function check calls between finding no
// marker and listing the folder (nil: none).
func SetNoMarkerHook(fn func(dir string)) { testHookNoMarker = fn }

// SetNoSnapshots makes runs neither use nor write snapshots (true), for
// the tests of the entries and the index themselves.
func SetNoSnapshots(off bool) { testNoSnapshots = off }
