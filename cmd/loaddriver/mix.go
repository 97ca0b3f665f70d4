package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The people the driver plays.
const (
	chair     = "chair"     // a working-group chair updating actions
	secretary = "secretary" // a committee secretary downloading PDFs
	board     = "board"     // a board member browsing lists, items and search
	lists     = "lists"     // list pages alone: overview, action log, recommendations, sources, references
)

var personas = []string{chair, secretary, board, lists}

const defaultMix = "chair=1,secretary=1,board=4"

// weight is how many visits a persona makes in each round of the mix.
type weight struct {
	persona string
	n       int
}

// parseMix reads "chair=1,secretary=1,board=4".
func parseMix(s string) ([]weight, error) {
	var out []weight
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, num, ok := strings.Cut(part, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		if !ok {
			return nil, fmt.Errorf("-mix: %q should be persona=weight, such as board=4", part)
		}
		if !slices.Contains(personas, name) {
			return nil, fmt.Errorf("-mix: %q is not one of %s", name, strings.Join(personas, ", "))
		}
		if seen[name] {
			return nil, fmt.Errorf("-mix: %s is given twice", name)
		}
		seen[name] = true
		n, err := strconv.Atoi(strings.TrimSpace(num))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("-mix: the weight of %s must be a whole number, 0 or more, not %q", name, num)
		}
		if n > 0 {
			out = append(out, weight{name, n})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-mix: give at least one persona a weight above 0, such as %s", defaultMix)
	}
	return out, nil
}

// parseOnly reads "board" or "board,secretary": those personas, equally.
func parseOnly(s string) ([]weight, error) {
	var parts []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p+"=1")
		}
	}
	w, err := parseMix(strings.Join(parts, ","))
	if err != nil {
		return nil, fmt.Errorf("-only%s", strings.TrimPrefix(err.Error(), "-mix"))
	}
	return w, nil
}

// roundLength is the number of visits in one round of the mix.
func roundLength(ws []weight) int {
	n := 0
	for _, w := range ws {
		n += w.n
	}
	return max(n, 1)
}

func mixString(ws []weight) string {
	var parts []string
	for _, w := range ws {
		parts = append(parts, fmt.Sprintf("%s=%d", w.persona, w.n))
	}
	return strings.Join(parts, ",")
}

// schedule takes the personas in turn by smooth weighted round robin, so
// chair=1,board=4 gives board four visits in every five, spread out.
type schedule struct {
	ws      []weight
	current []int
	total   int
}

// newSchedule starts a client's turn offset places into the round, so
// clients started together do not all play the same persona at once.
func newSchedule(ws []weight, offset int) *schedule {
	s := &schedule{ws: ws, current: make([]int, len(ws))}
	for _, w := range ws {
		s.total += w.n
	}
	for range offset {
		s.next()
	}
	return s
}

func (s *schedule) next() string {
	best := -1
	for i, w := range s.ws {
		s.current[i] += w.n
		if best < 0 || s.current[i] > s.current[best] {
			best = i
		}
	}
	s.current[best] -= s.total
	return s.ws[best].persona
}
