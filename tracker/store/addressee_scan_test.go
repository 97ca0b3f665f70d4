package store

import (
	"testing"

	"github.com/civic-tracker/tracker/tracker"
)

// TestChooseScan: an organisation addressed by a good share of the
// recommendations has its pages read by walking the list in order; one
// addressed by few, a page deep in the list of one addressed by a tenth,
// and the whole list of one addressed by a small share, from its addressee
// rows.
func TestChooseScan(t *testing.T) {
	for _, c := range []struct {
		name       string
		p          tracker.Page
		total, all int64
		want       addresseeScan
	}{
		{"a quarter, first page", tracker.Page{Number: 1, Size: 25}, 2500, 10000, inListOrder},
		{"a quarter, last page", tracker.Page{Number: 100, Size: 25}, 2500, 10000, inListOrder},
		{"a quarter, the middle page", tracker.Page{Number: 50, Size: 25}, 2500, 10000, inListOrder},
		{"a tenth, first page", tracker.Page{Number: 1, Size: 25}, 1000, 10000, inListOrder},
		{"a tenth, the middle page", tracker.Page{Number: 20, Size: 25}, 1000, 10000, byAddressees},
		{"half, every row", tracker.AllRows, 5000, 10000, inListOrder},
		{"a few", tracker.Page{Number: 1, Size: 25}, 6, 10000, byAddressees},
		{"two hundred of a million", tracker.Page{Number: 1, Size: 25}, 200, 1000000, byAddressees},
		{"one in ten, every row", tracker.AllRows, 1000, 10000, byAddressees},
		{"none", tracker.Page{Number: 1, Size: 25}, 0, 10000, byAddressees},
	} {
		if got := chooseScan(c.p, c.total, c.all); got != c.want {
			t.Errorf("%s: walks in order %v, want %v", c.name, got, c.want)
		}
	}
}
