package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/ledongthuc/pdf"
)

// PDF defaults when Limits leaves a field zero.
const (
	defaultMaxPages   = 5000
	defaultPDFTimeout = 2 * time.Minute
	// maxPDFObjects refuses cross-reference tables the library would
	// allocate in full before reading anything (about 40 bytes an entry).
	maxPDFObjects = 5_000_000
)

// Errors a caller may want to tell apart.
var (
	ErrPDFEncrypted   = errors.New("PDF is encrypted with a password: remove the password (for example `qpdf --decrypt --password=... in.pdf out.pdf`) and upload it again")
	ErrPDFNoTextLayer = fmt.Errorf("%w: the PDF has no text layer on any page (probably scanned images); OCR is not supported, so run it through an OCR tool first", ErrNoText)
	ErrPDFMalformed   = errors.New("PDF is damaged or truncated")
	ErrPDFUndecodable = fmt.Errorf("%w: the PDF's text cannot be decoded (its fonts have no Unicode map); export it again with another tool, or OCR it", ErrNoText)
)

// extractPDF returns the text of each page (1-based numbers, every page
// present, possibly with empty text), the document title (Info /Title or
// "" ), warnings (e.g. "page 7: no text layer, probably a scan"), or an
// error that tells the user what is wrong with the file (encrypted,
// truncated/malformed, not a PDF, too many pages...).
//
// The library panics on damaged files and has no notion of time, so the
// work runs in its own goroutine under a deadline, every panic is turned
// into an error (per page where possible, keeping the other pages), and
// the interpreter checks the deadline as it goes so that an abandoned
// worker stops soon after the caller has been answered.
func extractPDF(ctx context.Context, data []byte, lim Limits) (pages []Page, title string, warnings []string, err error) {
	if lim.MaxPages <= 0 {
		lim.MaxPages = defaultMaxPages
	}
	if lim.Timeout <= 0 {
		lim.Timeout = defaultPDFTimeout
	}
	if lim.MaxBytes > 0 && int64(len(data)) > lim.MaxBytes {
		return nil, "", nil, fmt.Errorf("%w: PDF is %d bytes, over the %d-byte limit", ErrTooLarge, len(data), lim.MaxBytes)
	}
	ctx, cancel := context.WithTimeout(ctx, lim.Timeout)
	defer cancel()
	type result struct {
		pages    []Page
		title    string
		warnings []string
		err      error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		defer func() {
			if x := recover(); x != nil {
				r = result{err: panicError(x)}
			}
			done <- r
		}()
		prepared, repaired, err := preparePDF(data)
		if err != nil {
			r.err = err
			return
		}
		r.pages, r.title, r.warnings, r.err = readPDF(ctx, prepared, lim, repaired)
	}()
	select {
	case r := <-done:
		if r.err == nil && ctx.Err() != nil {
			r.err = deadlineError(ctx, lim)
		}
		return r.pages, r.title, r.warnings, r.err
	case <-ctx.Done():
		return nil, "", nil, deadlineError(ctx, lim)
	}
}

func deadlineError(ctx context.Context, lim Limits) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("PDF extraction took longer than %s (file too large or damaged); split the file or raise the timeout: %w", lim.Timeout, ctx.Err())
	}
	return fmt.Errorf("PDF extraction stopped: %w", ctx.Err())
}

func panicError(x any) error {
	if e, ok := x.(error); ok && errors.Is(e, errAbort) {
		return errAbort
	}
	if slog.Default().Enabled(context.Background(), slog.LevelDebug) {
		slog.Debug("pdf: recovered panic", "panic", x, "stack", string(debug.Stack()))
	}
	if e, ok := x.(error); ok {
		if errors.Is(e, ErrPDFMalformed) {
			return e
		}
		return fmt.Errorf("%w: %w", ErrPDFMalformed, e)
	}
	return fmt.Errorf("%w: %v", ErrPDFMalformed, x)
}

var (
	sizeRE  = regexp.MustCompile(`/Size\s+(\d+)`)
	indexRE = regexp.MustCompile(`/Index\s*\[([\d\s]*)\]`)
	prevRE  = regexp.MustCompile(`/Prev\s+(\d+)(\s+\d+\s+R)?`)
)

// preparePDF checks what the library would otherwise trip over: the
// header (it accepts only %PDF-1.0..1.7 followed by a newline, at offset 0),
// the end marker (it reads only the last 100 bytes), absurd object counts
// (it allocates the whole table first) and cross-reference chains that
// loop (it follows them forever).
func preparePDF(data []byte) (_ []byte, repaired bool, err error) {
	if len(data) == 0 {
		return nil, false, fmt.Errorf("%w: 0 bytes, not a PDF", ErrEmpty)
	}
	head := data
	if len(head) > 1024 {
		head = head[:1024]
	}
	i := bytes.Index(head, []byte("%PDF-"))
	if i < 0 {
		return nil, false, fmt.Errorf("%w: not a PDF (the file does not start with a %%PDF- header)", ErrUnsupported)
	}
	data = data[i:]
	eof := bytes.LastIndex(data, []byte("%%EOF"))
	if eof < 0 || !bytes.Contains(data[:eof], []byte("startxref")) {
		fixed, ok := rebuildXref(data)
		if !ok {
			return nil, false, fmt.Errorf("%w: the end of the file is missing (cut short?) and no pages could be recovered; upload the complete file", ErrPDFMalformed)
		}
		data, repaired = fixed, true
		eof = bytes.LastIndex(data, []byte("%%EOF"))
	}
	data = data[:eof+len("%%EOF")]
	for _, m := range sizeRE.FindAllSubmatch(data, -1) {
		n, err := strconv.ParseInt(string(m[1]), 10, 64)
		if err != nil || n > maxPDFObjects {
			return nil, false, fmt.Errorf("%w: it declares %s objects, more than the %d this server reads", ErrPDFMalformed, m[1], maxPDFObjects)
		}
	}
	// Cross-reference subsections ("first count") and xref-stream /Index
	// pairs also size the table.
	if err := checkSubsections(data); err != nil {
		return nil, false, err
	}
	for _, m := range indexRE.FindAllSubmatch(data, -1) {
		fs := bytes.Fields(m[1])
		for i := 0; i+1 < len(fs); i += 2 {
			if err := checkObjectRange(fs[i], fs[i+1]); err != nil {
				return nil, false, err
			}
		}
	}
	prevs := map[string]bool{}
	for _, m := range prevRE.FindAllSubmatch(data, -1) {
		if len(m[2]) > 0 {
			continue // an outline item's /Prev reference, not an xref offset
		}
		if prevs[string(m[1])] {
			return nil, false, fmt.Errorf("%w: its cross-reference sections form a loop", ErrPDFMalformed)
		}
		prevs[string(m[1])] = true
	}
	if j := bytes.LastIndex(data, []byte("startxref")); j >= 0 {
		fs := bytes.Fields(data[j+len("startxref"):])
		if len(fs) > 0 && prevs[string(fs[0])] {
			return nil, false, fmt.Errorf("%w: its cross-reference sections form a loop", ErrPDFMalformed)
		}
	}
	// Normalise the header so that PDF 2.0 and odd spacing are read too;
	// the first line is a comment, so rewriting it changes no offsets.
	if len(data) >= 9 && !validHeader(data) {
		nl := bytes.IndexAny(data, "\r\n")
		if nl >= 8 && nl < 1024 {
			fixed := make([]byte, len(data))
			copy(fixed, data)
			copy(fixed, "%PDF-1.7")
			for k := 8; k < nl; k++ {
				fixed[k] = ' '
			}
			if nl == 8 {
				return fixed, repaired, nil
			}
			// "%PDF-1.7   \n" is still rejected (needs a newline at byte 8):
			// move the newline forward and pad after it with a comment.
			fixed[8] = '\n'
			if nl > 9 {
				fixed[9] = '%'
			}
			data = fixed
		}
	}
	return data, repaired, nil
}

// checkSubsections reads the "first count" headers of every classic
// cross-reference table (a hand-written scan: a regular expression over
// the whole file costs seconds on large files).
func checkSubsections(data []byte) error {
	for pos := 0; ; {
		i := bytes.Index(data[pos:], []byte("xref"))
		if i < 0 {
			return nil
		}
		start := pos + i
		pos = start + len("xref")
		if start > 0 && data[start-1] == 't' { // "startxref"
			continue
		}
		rest := data[pos:]
		for lines := 0; lines < 1<<20 && len(rest) > 0; lines++ {
			nl := bytes.IndexAny(rest, "\r\n")
			if nl < 0 {
				nl = len(rest)
			}
			fs := bytes.Fields(rest[:nl])
			rest = rest[min(nl+1, len(rest)):]
			if len(fs) == 0 || len(fs) == 3 {
				continue // blank line or an entry
			}
			if len(fs) != 2 {
				break // "trailer" or anything else ends the table
			}
			if err := checkObjectRange(fs[0], fs[1]); err != nil {
				return err
			}
		}
	}
}

func checkObjectRange(first, count []byte) error {
	a, err1 := strconv.ParseInt(string(first), 10, 64)
	n, err2 := strconv.ParseInt(string(count), 10, 64)
	if err1 != nil || err2 != nil || a+n > maxPDFObjects {
		return fmt.Errorf("%w: it declares objects numbered up to %s+%s, more than the %d this server reads", ErrPDFMalformed, first, count, maxPDFObjects)
	}
	return nil
}

func validHeader(b []byte) bool {
	return bytes.HasPrefix(b, []byte("%PDF-1.")) && b[7] >= '0' && b[7] <= '7' && (b[8] == '\r' || b[8] == '\n')
}

// readPDF does the work of extractPDF on the worker goroutine.
func readPDF(ctx context.Context, data []byte, lim Limits, repaired bool) ([]Page, string, []string, error) {
	expired := func() bool { return ctx.Err() != nil }
	doc, err := openTree(data, lim, expired)
	if err != nil && errors.Is(err, ErrPDFMalformed) && !repaired {
		// A broken cross-reference table or page tree: rebuild the table
		// from the objects in the file and try once more.
		if fixed, ok := rebuildXref(data); ok {
			if doc2, err2 := openTree(fixed, lim, expired); err2 == nil {
				doc, err, repaired = doc2, nil, true
			}
		}
	}
	if errors.Is(err, errAbort) {
		return nil, "", nil, deadlineError(ctx, lim)
	}
	if err != nil {
		return nil, "", nil, err
	}
	title, leaves, looped := doc.title, doc.leaves, doc.looped
	var warnings []string
	if repaired {
		warnings = append(warnings, "the file is damaged (cut short or with a broken cross-reference table); its text was recovered from the objects found")
	}
	if looped {
		warnings = append(warnings, "the page tree refers back to itself; pages reached twice were read once")
	}

	fonts := &fontCache{}
	layouts := make([]pageLayout, len(leaves))
	stats := make([]pageStats, len(leaves))
	damaged := make([]bool, len(leaves))
	for i, leaf := range leaves {
		if expired() {
			return nil, "", nil, deadlineError(ctx, lim)
		}
		cr := contentReader{fonts: fonts, expired: expired}
		perr := guard(func() { cr.readPage(leaf) })
		if errors.Is(perr, errAbort) {
			return nil, "", nil, deadlineError(ctx, lim)
		}
		damaged[i] = perr != nil || leaf.IsNull()
		stats[i] = cr.stats
		if err := guard(func() { layouts[i] = layoutPage(cr.glyphs) }); err != nil {
			damaged[i] = true
		}
	}
	dropRunningLines(layouts)

	pages := make([]Page, len(leaves))
	empty, undecodable := 0, 0
	for i := range layouts {
		raw := layouts[i].render()
		text := cleanPageText(raw)
		pages[i] = Page{Number: i + 1, Text: text}
		n := i + 1
		switch {
		case damaged[i] && text == "":
			warnings = append(warnings, fmt.Sprintf("page %d: content is damaged, no text could be read", n))
		case damaged[i]:
			warnings = append(warnings, fmt.Sprintf("page %d: content is damaged, text may be incomplete", n))
		}
		if stats[i].damagedForms > 0 {
			warnings = append(warnings, fmt.Sprintf("page %d: %d embedded drawing(s) could not be read; their text is missing", n, stats[i].damagedForms))
		}
		if stats[i].clipped {
			warnings = append(warnings, fmt.Sprintf("page %d: more than %d characters, the rest was skipped", n, maxGlyphsPerPage))
		}
		why := garbled(raw)
		if why != "" {
			undecodable++
			warnings = append(warnings, fmt.Sprintf("page %d: %s", n, why))
		}
		if strings.TrimSpace(text) == "" {
			empty++
			if !damaged[i] && why == "" {
				switch {
				case stats[i].glyphs > 0:
					// Only running headers or footers: nothing to say.
				case stats[i].images > 0:
					warnings = append(warnings, fmt.Sprintf("page %d: no text layer, probably a scan", n))
				default:
					warnings = append(warnings, fmt.Sprintf("page %d: no text (blank page?)", n))
				}
			}
		}
	}
	if empty == len(pages) {
		if countTrue(damaged) == len(pages) {
			return nil, "", nil, fmt.Errorf("%w: no page could be read", ErrPDFMalformed)
		}
		if undecodable > 0 {
			return nil, "", nil, ErrPDFUndecodable
		}
		return nil, "", nil, ErrPDFNoTextLayer
	}
	return pages, title, warnings, nil
}

// pdfDoc is an opened file's page list.
type pdfDoc struct {
	title  string
	leaves []pdf.Value
	looped bool
}

// openTree opens the bytes and walks the page tree.
func openTree(data []byte, lim Limits, expired func() bool) (pdfDoc, error) {
	var doc pdfDoc
	r, err := openPDF(data)
	if err != nil {
		return doc, err
	}
	doc.title = safeTitle(r)
	err = guard(func() {
		root := r.Trailer().Key("Root").Key("Pages")
		var werr error
		doc.leaves, doc.looped, werr = pageList(root, lim.MaxPages, expired)
		if werr != nil {
			panic(werr)
		}
	})
	var tooMany errTooManyPages
	switch {
	case errors.As(err, &tooMany):
		return doc, tooMany
	case errors.Is(err, errAbort):
		return doc, errAbort
	case err != nil:
		return doc, err
	case len(doc.leaves) == 0:
		return doc, fmt.Errorf("%w: no pages found", ErrPDFMalformed)
	}
	return doc, nil
}

func countTrue(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// openPDF opens the bytes and maps the library's errors to ones a user
// can act on.
func openPDF(data []byte) (r *pdf.Reader, err error) {
	err = guard(func() {
		var e error
		r, e = pdf.NewReader(bytes.NewReader(data), int64(len(data)))
		if e != nil {
			panic(e)
		}
	})
	if err == nil {
		return r, nil
	}
	msg := err.Error()
	switch {
	case errors.Is(err, pdf.ErrInvalidPassword):
		return nil, ErrPDFEncrypted
	case strings.Contains(msg, "encrypt") || strings.Contains(msg, "unsupported PDF"):
		return nil, fmt.Errorf("PDF uses an encryption this server cannot read (%s); decrypt it first (for example `qpdf --decrypt`)", strings.TrimPrefix(msg, ErrPDFMalformed.Error()+": "))
	case errors.Is(err, ErrPDFMalformed):
		return nil, err
	}
	return nil, fmt.Errorf("%w: %v", ErrPDFMalformed, err)
}

// guard runs f and turns a panic into an error.
func guard(f func()) (err error) {
	defer func() {
		if x := recover(); x != nil {
			err = panicError(x)
		}
	}()
	f()
	return nil
}

func safeTitle(r *pdf.Reader) (title string) {
	_ = guard(func() {
		title = strings.TrimSpace(strings.ToValidUTF8(r.Trailer().Key("Info").Key("Title").Text(), ""))
	})
	if len(title) > 500 {
		title = title[:500]
	}
	return title
}
