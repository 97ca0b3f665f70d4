package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestPastedHTMLShowsAsWritten: HTML typed or pasted into a progress update
// shows with its angle brackets instead of vanishing; Markdown emphasis and
// lists still work; nothing becomes live markup.
var prose = regexp.MustCompile(`(?s)<div class="prose[^"]*">.*?</div>`)

func TestPastedHTMLShowsAsWritten(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t), 25)
	c := e.login(editorCoL)
	a := e.actionOf(colpOrg)
	path := "/actions/" + strconv.FormatInt(a.ID, 10)
	for i, typed := range []string{
		"<p>The Force accepts the recommendation.</p>",
		"Owner changed to <John Smith> and **agreed**:\n\n- first step\n- second <b>step</b>",
	} {
		cur := e.actionOf(colpOrg)
		c.post(path+"/updates", url.Values{"version": {strconv.Itoa(cur.Version)}, "date": {storetest.ISO(-1 - i)},
			"text": {typed}, "rag": {"green"}}, http.StatusSeeOther)
	}
	// Only the rendered texts count: the page's history also shows what
	// was typed, escaped, and would hide the loss.
	page := strings.Join(prose.FindAllString(c.get(path, http.StatusOK), -1), "\n")
	mustContain(t, text(page), "update text", "<p>The Force accepts the recommendation.</p>", "Owner changed to <John Smith> and", "second <b>step</b>")
	mustContain(t, page, "markdown", "<strong>agreed</strong>", "<li>first step</li>")
	for _, bad := range []string{"<John Smith>", "<b>step</b>", "<p>The Force", "raw HTML omitted"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
}

// TestLineBreaksShowAsWritten: a single line break in a typed update (the
// sub-items a.–c. of a list kept in a spreadsheet) is a break on the page,
// not a space that runs the items together; a blank line still starts a
// new paragraph, and angle brackets on those lines still show.
func TestLineBreaksShowAsWritten(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t), 25)
	c := e.login(editorCoL)
	a := e.actionOf(colpOrg)
	path := "/actions/" + strconv.FormatInt(a.ID, 10)
	typed := "The Force will:\na. brief every team;\nb. write to <all victims>;\nc. report back.\n\nA new paragraph."
	c.post(path+"/updates", url.Values{"version": {strconv.Itoa(a.Version)}, "date": {storetest.ISO(-1)},
		"text": {typed}, "rag": {"green"}}, http.StatusSeeOther)
	page := strings.Join(prose.FindAllString(c.get(path, http.StatusOK), -1), "\n")
	mustContain(t, page, "update", "The Force will:<br>\na. brief every team;<br>\nb. write to &lt;all victims&gt;;<br>\nc. report back.</p>", "<p>A new paragraph.</p>")
}
