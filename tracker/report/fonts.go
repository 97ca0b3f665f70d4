// Package report writes the tracker's PDF documents with gofpdf: the
// reference response, the source status report, the outstanding and
// overdue report and the action log. Each takes domain data and writes to
// an io.Writer; none reads the database.
package report

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gobolditalic"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
)

// Fonts are the four faces reports are set in, with the set of characters
// the regular face can draw.
type Fonts struct {
	Name                              string
	Regular, Bold, Italic, BoldItalic []byte
	// covered has a bit for every character of the Basic Multilingual
	// Plane the regular face can draw; gofpdf cannot set anything beyond it.
	covered [0x10000 / 64]uint64
}

// systemFontDirs are where Debian's fonts-dejavu-core and similar packages
// put DejaVu Sans, which covers far more of Unicode than the Go fonts.
var systemFontDirs = []string{
	"/usr/share/fonts/truetype/dejavu",
	"/usr/share/fonts/dejavu",
	"/usr/share/fonts/TTF",
	"/usr/local/share/fonts",
	"/Library/Fonts",
}

var dejaVuFaces = [4]string{"DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSans-BoldOblique.ttf"}

// LoadFonts picks the report font. dir, when set (TRACKER_PDF_FONT_DIR),
// must hold the four DejaVu Sans faces; otherwise DejaVu Sans is used if the
// system has it, and the Go fonts (golang.org/x/image/font/gofont), which
// are always there, if not.
func LoadFonts(dir string) (*Fonts, error) {
	dirs := systemFontDirs
	if dir != "" {
		dirs = []string{dir}
	}
	for _, d := range dirs {
		var faces [4][]byte
		ok := true
		for i, name := range dejaVuFaces {
			b, err := os.ReadFile(filepath.Join(d, name))
			if err != nil {
				ok = false
				break
			}
			faces[i] = b
		}
		if ok {
			return newFonts("DejaVu Sans", faces)
		}
	}
	if dir != "" {
		return nil, fmt.Errorf("the font folder %s does not hold %s", dir, strings.Join(dejaVuFaces[:], ", "))
	}
	return newFonts("Go", [4][]byte{goregular.TTF, gobold.TTF, goitalic.TTF, gobolditalic.TTF})
}

func newFonts(name string, faces [4][]byte) (*Fonts, error) {
	face, err := sfnt.Parse(faces[0])
	if err != nil {
		return nil, fmt.Errorf("read font %s: %w", name, err)
	}
	f := &Fonts{Name: name, Regular: faces[0], Bold: faces[1], Italic: faces[2], BoldItalic: faces[3]}
	var buf sfnt.Buffer
	for r := rune(0); r < 0x10000; r++ {
		if g, err := face.GlyphIndex(&buf, r); err == nil && g != 0 {
			f.covered[r/64] |= 1 << (r % 64)
		}
	}
	return f, nil
}

// face is the font file of a style: "", "B", "I" or "BI".
func (f *Fonts) face(style string) []byte {
	switch style {
	case "B":
		return f.Bold
	case "I":
		return f.Italic
	case "BI":
		return f.BoldItalic
	}
	return f.Regular
}

// Covers reports whether the font can draw r.
func (f *Fonts) Covers(r rune) bool {
	return r >= 0 && r < 0x10000 && f.covered[r/64]&(1<<(r%64)) != 0
}

// Replacement is what stands in for a character the font cannot draw: the
// Unicode replacement character when the font has it, else "?".
func (f *Fonts) Replacement() string {
	if f.Covers('\uFFFD') {
		return "\uFFFD"
	}
	return "?"
}

var lineEnds = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\t", " ", "\u00a0", " ")

// plainASCII reports whether s is printable ASCII and newlines only, which
// every font draws and needs no cleaning.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\n') || c >= 0x7f {
			return false
		}
	}
	return true
}

// Clean makes text safe to set: characters the font lacks (including every
// one above U+FFFF, which gofpdf cannot handle at all) and control
// characters become the visible replacement; tabs become spaces, and
// Windows and old Mac line ends become "\n". It reports how many were
// replaced.
func (f *Fonts) Clean(s string) (string, int) {
	if plainASCII(s) {
		return s, 0
	}
	s = lineEnds.Replace(s)
	var b strings.Builder
	b.Grow(len(s))
	n := 0
	rep := f.Replacement()
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteRune(r)
		case r > 0xFFFF, r == unicode.ReplacementChar && !f.Covers(r), unicode.IsControl(r), !f.Covers(r) && !unicode.IsSpace(r):
			if r == '\u200b' || r == '\u200c' || r == '\u200d' || r == '\ufeff' {
				// Zero-width marks and joiners carry no glyph of their own.
				continue
			}
			b.WriteString(rep)
			n++
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), n
}
