package main

import (
	"os"
	"testing"

	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestMain drops the test databases when the tests are done.
func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }
