// Package static holds the stylesheet and images, embedded so the binary
// runs from any directory.
package static

import "embed"

// FS holds the files served under /static/.
//
//go:embed *.css *.svg
var FS embed.FS
