//go:build !unix

package ingest

// allocOffHeap returns n zeroed values of T; m is always nil here.
func allocOffHeap[T any](n int) (s []T, m []byte) { return make([]T, n), nil }

// freeOffHeap is a no-op where tables live on the Go heap.
func freeOffHeap(m []byte) {}
