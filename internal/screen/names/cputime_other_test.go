//go:build !linux

package names

import "time"

// threadCPU is not available here; it returns zero.
func threadCPU() time.Duration { return 0 }
