//go:build unix

package gguf

import (
	"fmt"
	"os"
	"syscall"
)

// mapFile maps size bytes of fd read-only and shared, so pages come from the
// page cache and many processes share one copy of the weights.
func mapFile(fd *os.File, size int64) ([]byte, func() error, error) {
	if int64(int(size)) != size {
		return nil, nil, fmt.Errorf("file of %d bytes is too large to map", size)
	}
	data, err := syscall.Mmap(int(fd.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, err
	}
	return data, func() error { return syscall.Munmap(data) }, nil
}
