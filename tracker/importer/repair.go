package importer

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/civic-tracker/tracker/tracker"
)

// Kinds of repair RepairCell makes; Repairs counts cells by kind.
const (
	// RepairExcelEscape is Excel's _xHHHH_ escape decoded, such as the
	// _x000D_ it writes for a carriage return.
	RepairExcelEscape = "excel_escape"
	// RepairLineEnding is a Windows (CR LF) or old Mac (CR) line break
	// turned into a plain line break.
	RepairLineEnding = "line_ending"
	// RepairMojibake is UTF-8 text that was read as Windows-1252 somewhere
	// on its way ("â€™" for "’") put back as it was written.
	RepairMojibake = "mojibake"
	// RepairControl is a cell with control characters removed: any C0
	// control other than tab and line break (tracker.ForbiddenControl),
	// such as the NUL a database cannot store.
	RepairControl = "control_character"
	// RepairTrimmed is a single-line value that lost the spaces (or line
	// breaks) around it, or a name whose repeated spaces became one.
	RepairTrimmed = "trimmed_space"
)

// RepairKinds lists the kinds of repair in the order a summary names them.
var RepairKinds = []string{RepairExcelEscape, RepairLineEnding, RepairMojibake, RepairControl, RepairTrimmed}

// Repairs counts repaired cells by kind of repair.
type Repairs map[string]int

// Total is the number of repairs of every kind.
func (r Repairs) Total() int {
	n := 0
	for _, v := range r {
		n += v
	}
	return n
}

// Add adds other's counts to r.
func (r Repairs) Add(other Repairs) {
	for k, v := range other {
		r[k] += v
	}
}

// String lists the counts in a stable order: "excel_escape 57, mojibake 321".
func (r Repairs) String() string {
	keys := make([]string, 0, len(r))
	for k, v := range r {
		if v > 0 {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return "none"
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + " " + strconv.Itoa(r[k])
	}
	return strings.Join(parts, ", ")
}

// RepairLabel is how a summary names a kind of repair.
func RepairLabel(kind string) string {
	switch kind {
	case RepairExcelEscape:
		return "Excel escape codes such as _x000D_ decoded"
	case RepairLineEnding:
		return "Windows line breaks made plain"
	case RepairMojibake:
		return "garbled characters such as â€™ put right"
	case RepairControl:
		return "invisible control characters removed"
	case RepairTrimmed:
		return "spaces around a value trimmed"
	}
	return kind
}

var excelEscape = regexp.MustCompile(`_x[0-9A-Fa-f]{4}_`)

// RepairCell repairs one cell and says which kinds of repair it needed.
// Nothing else changes: spaces and line breaks inside the cell stay.
func RepairCell(s string) (string, []string) {
	var kinds []string
	if strings.Contains(s, "_x") {
		if out := DecodeExcelEscapes(s); out != s {
			s = out
			kinds = append(kinds, RepairExcelEscape)
			// The CR that _x000D_ stood for is part of that repair.
			s = normaliseLineEndings(s)
		}
	}
	if strings.ContainsRune(s, '\r') {
		s = normaliseLineEndings(s)
		kinds = append(kinds, RepairLineEnding)
	}
	if out := FixMojibake(s); out != s {
		s = out
		kinds = append(kinds, RepairMojibake)
	}
	if out, n := tracker.StripControl(s); n > 0 {
		s = out
		kinds = append(kinds, RepairControl)
	}
	return s, kinds
}

func normaliseLineEndings(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// DecodeExcelEscapes decodes Excel's _xHHHH_ escapes: _x000D_ is a carriage
// return, _x005F_ a literal underscore (so "_x005F_x000D_" is the text
// "_x000D_"). Escapes naming no character are left as they are.
func DecodeExcelEscapes(s string) string {
	return excelEscape.ReplaceAllStringFunc(s, func(m string) string {
		n, err := strconv.ParseUint(m[2:6], 16, 32)
		if err != nil || !utf8.ValidRune(rune(n)) || n == 0 {
			return m
		}
		return string(rune(n))
	})
}

// cp1252 maps each character of Windows-1252's upper half back to its byte.
// The five bytes Windows-1252 leaves undefined come through most decoders as
// the C1 control of the same number, so they map back to themselves.
var cp1252 = func() map[rune]byte {
	m := map[rune]byte{}
	for b := 0x80; b <= 0xFF; b++ {
		r := charmap.Windows1252.DecodeByte(byte(b))
		if r == utf8.RuneError {
			r = rune(b)
		}
		m[r] = byte(b)
	}
	for _, b := range []byte{0x81, 0x8D, 0x8F, 0x90, 0x9D} {
		m[rune(b)] = b
	}
	return m
}()

// plausible says whether a character is one that mojibake commonly hides:
// Latin letters with accents and macrons, combining accents, punctuation,
// currency, symbols and emoji. Other scripts are left out so that a
// legitimate pair such as "Ó’" is never turned into a Cyrillic letter.
func plausible(r rune) bool {
	switch {
	case r >= 0xA0 && r <= 0x24F,
		r >= 0x300 && r <= 0x36F,
		r >= 0x2000 && r <= 0x2BFF,
		r >= 0x1F000 && r <= 0x1FAFF,
		r == 0xFEFF:
		return true
	}
	return false
}

// FixMojibake puts back UTF-8 text that was decoded as Windows-1252: each
// run of characters from Windows-1252's upper half is turned back into its
// bytes, and each stretch of those bytes that is valid UTF-8 for a plausible
// character replaces the characters it came from. Text that was right to
// begin with ("Café", "£250,000", "Victims’ Code", "Ⅱ") never forms such a
// stretch and is left alone. Doubly garbled text is repaired twice.
func FixMojibake(s string) string {
	for pass := 0; pass < 3; pass++ {
		out := repairMojibakeOnce(s)
		if out == s {
			break
		}
		s = out
	}
	return s
}

func repairMojibakeOnce(s string) string {
	if isASCII(s) {
		return s
	}
	var b strings.Builder
	runes := []rune(s)
	for i := 0; i < len(runes); {
		if _, ok := cp1252[runes[i]]; !ok || runes[i] < 0x80 {
			b.WriteRune(runes[i])
			i++
			continue
		}
		j := i
		for j < len(runes) && runes[j] >= 0x80 {
			if _, ok := cp1252[runes[j]]; !ok {
				break
			}
			j++
		}
		b.WriteString(repairRun(runes[i:j]))
		i = j
	}
	return b.String()
}

func repairRun(run []rune) string {
	if len(run) < 2 {
		return string(run)
	}
	bs := make([]byte, len(run))
	for i, r := range run {
		bs[i] = cp1252[r]
	}
	var b strings.Builder
	for i := 0; i < len(bs); {
		r, size := utf8.DecodeRune(bs[i:])
		if size > 1 && r != utf8.RuneError && plausible(r) {
			if r != 0xFEFF {
				b.WriteRune(r)
			}
			i += size
			continue
		}
		b.WriteRune(run[i])
		i++
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
