//go:build !linux

package sqlite

import "os"

// datasync flushes f.
func datasync(f *os.File) error { return f.Sync() }
