package tracker

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// The tracker's rule for control characters, decided once: text may hold
// tab, line feed and carriage return, and no other C0 control character
// (U+0000 to U+001F). PostgreSQL cannot store U+0000 at all, and the rest
// are invisible on a page and in a PDF. Forms, JSON bodies and query strings
// that hold one are refused with the field named; imports remove them and
// count the removals among their repairs; a restore into PostgreSQL removes
// U+0000 and says how many it removed.

// IsForbiddenControl says whether r is a control character text may not hold.
func IsForbiddenControl(r rune) bool {
	return r < 0x20 && r != '\t' && r != '\n' && r != '\r'
}

// ForbiddenControl returns the first control character in s that text may
// not hold, and whether there is one.
func ForbiddenControl(s string) (rune, bool) {
	for i := 0; i < len(s); i++ {
		if r := rune(s[i]); IsForbiddenControl(r) {
			return r, true
		}
	}
	return 0, false
}

// StripControl removes the control characters text may not hold and says
// how many it removed.
func StripControl(s string) (string, int) {
	if _, ok := ForbiddenControl(s); !ok {
		return s, 0
	}
	n := 0
	out := strings.Map(func(r rune) rune {
		if IsForbiddenControl(r) {
			n++
			return -1
		}
		return r
	}, s)
	return out, n
}

// ControlMessage tells a person that a field holds a control character.
func ControlMessage(r rune) string {
	return fmt.Sprintf("The text contains an invisible control character (U+%04X) that the tracker cannot store; remove it (typing the text again usually does) and send it again", r)
}

const notUTF8Message = "The text contains characters that are not valid UTF-8; paste it again from the original document"

// MaxTextLength is the most characters one text field holds: a long
// recommendation or formal reply fits many times over, and a page showing
// it stays a page.
const MaxTextLength = 100_000

// TooLongMessage tells a person that a text is over MaxTextLength.
func TooLongMessage(n int) string {
	return fmt.Sprintf("The text is %d characters long and the tracker keeps up to %d; shorten it and send it again", n, MaxTextLength)
}

// TextProblem says what is wrong with a text a person sent, if anything:
// not UTF-8, a control character, or longer than MaxTextLength.
func TextProblem(s string) (string, bool) {
	if !utf8.ValidString(s) {
		return notUTF8Message, true
	}
	if r, ok := ForbiddenControl(s); ok {
		return ControlMessage(r), true
	}
	if len(s) > MaxTextLength {
		if n := utf8.RuneCountInString(s); n > MaxTextLength {
			return TooLongMessage(n), true
		}
	}
	return "", false
}
