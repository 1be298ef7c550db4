//go:build race

package inventory

// raceEnabled: the race detector makes the big dataset tests too slow.
const raceEnabled = true
