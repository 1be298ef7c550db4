package cache

// SetNoMarkerHook sets the function check calls between finding no
// marker and listing the folder (nil: none).
func SetNoMarkerHook(fn func(dir string)) { testHookNoMarker = fn }
