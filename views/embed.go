// Package views holds the HTML templates, embedded so the binary runs from
// any directory.
package views

import "embed"

// FS holds layout.html, partials/*.html and pages/*.html.
//
//go:embed layout.html partials/*.html pages/*.html
var FS embed.FS
