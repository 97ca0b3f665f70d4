package importer

import (
	"bytes"
	"testing"
)

// TestSampleImports: each kind's sample names every field, the importer
// guesses every column back to its field, and its example row validates.
func TestSampleImports(t *testing.T) {
	for _, k := range []Kind{KindRecommendations, KindActions} {
		tab, err := Read(bytes.NewReader(Sample(k)), ReadOptions{})
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		m := GuessMapping(k, tab.Headers)
		for _, f := range Fields(k) {
			if got := m[SampleHeader(f)]; got != f.Field {
				t.Errorf("%s: the column %q is taken for %q, want %q", k, SampleHeader(f), got, f.Field)
			}
		}
		b, err := Validate(k, tab, m, Options{})
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		if len(b.Errors) > 0 || len(b.Recommendations)+len(b.Actions) != 1 {
			t.Errorf("%s: the example row gives %d records and errors %v", k, len(b.Recommendations)+len(b.Actions), b.Errors)
		}
	}
	// Every field has an example entry, empty where none fits, so that a
	// field added to the importer is not forgotten here.
	for _, k := range []Kind{KindRecommendations, KindActions} {
		for _, f := range Fields(k) {
			if _, ok := sampleValues[k][f.Field]; !ok {
				t.Errorf("%s: no example value (empty or not) for %q", k, f.Field)
			}
		}
	}
}
