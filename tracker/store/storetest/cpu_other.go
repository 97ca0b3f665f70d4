//go:build !unix

package storetest

import "time"

// ProcessCPU is not measured here: benchmarks report 0 CPU.
func ProcessCPU() time.Duration { return 0 }
