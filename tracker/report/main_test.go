package report_test

import (
	"os"
	"testing"

	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestMain drops the test databases when the tests are done, and what the
// benchmarks made.
func TestMain(m *testing.M) {
	code := storetest.Main(m)
	for _, f := range benchCleanup {
		f()
	}
	os.Exit(code)
}
