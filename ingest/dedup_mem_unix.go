//go:build unix

package ingest

import (
	"syscall"
	"unsafe"
)

// offHeapMin is the size from which dedup tables live outside the Go heap.
const offHeapMin = 64 << 10

// allocOffHeap returns n zeroed values of T (which must hold no pointers).
// Large ones are mapped outside the Go heap, so that these long-lived
// tables do not raise the garbage collector's heap goal (GOGC would let
// the heap grow by that much again); m is then the mapping, for
// freeOffHeap. It falls back to the Go heap (m nil) when mmap fails.
func allocOffHeap[T any](n int) (s []T, m []byte) {
	var zero T
	size := n * int(unsafe.Sizeof(zero))
	if size < offHeapMin {
		return make([]T, n), nil
	}
	m, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([]T, n), nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&m[0])), n), m
}

// freeOffHeap unmaps what allocOffHeap mapped; nil is a no-op. Nothing may
// use the values afterwards.
func freeOffHeap(m []byte) {
	if m != nil {
		syscall.Munmap(m)
	}
}
