package report

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"sync"

	"github.com/klauspost/compress/zlib"
)

// gofpdf compresses each page with a zlib writer of its own, and a new
// writer allocates and clears over a megabyte: for a report of 1,400 pages
// that was most of the time spent writing it. So the document is written
// uncompressed and its page streams are compressed here afterwards, with
// writers that are reused and on every core. The output is the same for
// the same input.

var (
	xrefAt    = regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n?$`)
	plainHead = regexp.MustCompile(`\A(\d+) 0 obj\n<</Length (\d+)>>\nstream\n`)
	zlibPool  = sync.Pool{New: func() any {
		w, _ := zlib.NewWriterLevel(nil, zlib.BestSpeed)
		return w
	}}
)

// object is one indirect object of the file: its number and its bytes.
type object struct {
	num  int
	body []byte
}

// streamEdit replaces every old in a stream's data with new.
type streamEdit struct{ old, new []byte }

// compressStreams returns the PDF in with every uncompressed stream that
// has only a length (gofpdf's page contents) compressed with FlateDecode,
// after the edits, and the cross-reference table rebuilt. It reports how
// many streams it compressed.
func compressStreams(in []byte, edits ...streamEdit) ([]byte, int, error) {
	m := xrefAt.FindSubmatch(in)
	if m == nil {
		return nil, 0, errors.New("compress: no startxref at the end of the PDF")
	}
	xref, _ := strconv.Atoi(string(m[1]))
	if xref <= 0 || xref >= len(in) || !bytes.HasPrefix(in[xref:], []byte("xref\n0 ")) {
		return nil, 0, errors.New("compress: the cross-reference table is not where startxref says")
	}
	tail := in[xref:]
	lines := bytes.SplitN(tail, []byte("\n"), 3)
	count, err := strconv.Atoi(string(bytes.TrimPrefix(lines[1], []byte("0 "))))
	if err != nil || count < 1 {
		return nil, 0, fmt.Errorf("compress: cannot read the size of the cross-reference table")
	}
	// Each entry is 20 bytes: ten digits of offset, generation, type, EOL.
	entries := lines[2]
	if len(entries) < count*20 {
		return nil, 0, errors.New("compress: the cross-reference table is cut short")
	}
	trailer := entries[count*20:]
	type at struct{ num, off int }
	offsets := make([]at, 0, count-1)
	for i := 1; i < count; i++ {
		e := entries[i*20 : i*20+20]
		off, err := strconv.Atoi(string(e[:10]))
		if err != nil || e[17] != 'n' {
			return nil, 0, fmt.Errorf("compress: cannot read cross-reference entry %d", i)
		}
		offsets = append(offsets, at{i, off})
	}
	sort.Slice(offsets, func(a, b int) bool { return offsets[a].off < offsets[b].off })
	if len(offsets) == 0 || offsets[0].off <= 0 {
		return nil, 0, errors.New("compress: no objects")
	}
	objs := make([]object, len(offsets))
	for i, o := range offsets {
		end := xref
		if i+1 < len(offsets) {
			end = offsets[i+1].off
		}
		if o.off >= end {
			return nil, 0, fmt.Errorf("compress: object %d overlaps the next", o.num)
		}
		objs[i] = object{num: o.num, body: in[o.off:end]}
	}

	// Compress the plain streams on every core.
	var todo []int
	for i, o := range objs {
		if plainHead.Match(o.body) {
			todo = append(todo, i)
		}
	}
	var (
		wg   sync.WaitGroup
		next = make(chan int)
		errs = make([]error, len(objs))
	)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				objs[i].body, errs[i] = deflateObject(objs[i].num, objs[i].body, edits)
			}
		}()
	}
	for _, i := range todo {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, 0, err
	}

	var out bytes.Buffer
	out.Grow(len(in) / 3)
	out.Write(in[:offsets[0].off])
	newOff := make([]int, count)
	for _, o := range objs {
		newOff[o.num] = out.Len()
		out.Write(o.body)
	}
	start := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", count)
	for i := 1; i < count; i++ {
		fmt.Fprintf(&out, "%010d 00000 n \n", newOff[i])
	}
	// The trailer up to startxref stays as it was.
	tr := trailer[:bytes.LastIndex(trailer, []byte("startxref\n"))]
	out.Write(tr)
	fmt.Fprintf(&out, "startxref\n%d\n%%%%EOF\n", start)
	return out.Bytes(), len(todo), nil
}

// deflateObject rewrites one "N 0 obj <</Length L>> stream … endstream
// endobj" with its data edited and compressed.
func deflateObject(num int, body []byte, edits []streamEdit) ([]byte, error) {
	m := plainHead.FindSubmatchIndex(body)
	length, _ := strconv.Atoi(string(body[m[4]:m[5]]))
	data := body[m[1]:]
	if len(data) < length || !bytes.Equal(data[length:], []byte("\nendstream\nendobj\n")) {
		return nil, fmt.Errorf("compress: object %d: the stream is not %d bytes long", num, length)
	}
	data = data[:length]
	for _, e := range edits {
		if bytes.Contains(data, e.old) {
			data = bytes.ReplaceAll(data, e.old, e.new)
		}
	}
	var z bytes.Buffer
	z.Grow(len(data)/3 + 64)
	w := zlibPool.Get().(*zlib.Writer)
	w.Reset(&z)
	_, err := w.Write(data)
	if err == nil {
		err = w.Close()
	}
	zlibPool.Put(w)
	if err != nil {
		return nil, fmt.Errorf("compress: object %d: %w", num, err)
	}
	var out bytes.Buffer
	out.Grow(z.Len() + 80)
	fmt.Fprintf(&out, "%d 0 obj\n<</Filter /FlateDecode /Length %d>>\nstream\n", num, z.Len())
	out.Write(z.Bytes())
	out.WriteString("\nendstream\nendobj\n")
	return out.Bytes(), nil
}
