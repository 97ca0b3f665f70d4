//go:build unix

package storetest

import (
	"syscall"
	"time"
)

// ProcessCPU is the user and system time this process has used so far,
// for benchmarks that report CPU per operation (on a shared machine the
// wall clock says little).
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
