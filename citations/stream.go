package citations

import (
	"sort"
	"strconv"
	"strings"
)

// Stream finds [n] markers in a model's answer as it is generated, token
// by token, and maps them to the numbered sources of the prompt. It holds
// back only what could still become a marker ("[", "[1", "[1,", the spaces
// before them), so the text it releases is final: a marker split over
// tokens ("[", "1", "]") is recognized, and the result never depends on how
// the answer was cut into tokens.
//
// What counts as a marker: "[1]", "[1, 3]", "[1,3]", "[ 2 ]", "[1; 2]",
// "[1-3]" (a range of at most maxRange numbers), "[Source 2]",
// "[sources: 1, 2]", "[^1]" and "[1,]". Markers are rewritten in one form,
// "[1, 3]". Numbers outside 1..n are dropped from the text and recorded; a
// marker left with no valid number disappears with the spaces before it.
// Not markers: "[a]", "[ ]", "[1 2]", a "[" never closed, brackets right
// after a word character or ")" ("x[1]" is indexing), and anything inside
// `code` or a ``` fence.
type Stream struct {
	byN map[int]Source

	held   strings.Builder // spaces, then possibly "[...", not yet released
	spaces int             // length of the leading spaces in held
	inMark bool            // held has an open "[" after the spaces
	// dropSpaces is true when held is the spaces before a marker that was
	// removed: they go too, unless another marker follows at once.
	dropSpaces bool
	ticks      int  // backticks seen in a row, not yet interpreted
	code       int  // 0: prose; n: inside inline code opened by n backticks
	fence      bool // inside a ``` block
	last       byte // last byte released

	text    strings.Builder // everything released
	cited   []Source
	seen    map[int]bool
	dropped map[int]bool
}

// Result is a finished answer: its text as released (markers normalized,
// invalid ones removed), the sources it cites in order of first citation,
// each once, and the marker numbers that matched no source, ascending.
type Result struct {
	Text    string
	Cited   []Source
	Dropped []int
}

// Bounds on what is taken as a marker.
const (
	maxMarker = 48 // bytes between "[" and "]"
	maxRange  = 10 // numbers in a range "[a-b]"
)

// NewStream starts parsing an answer whose prompt offered sources.
func NewStream(sources []Source) *Stream {
	s := &Stream{byN: map[int]Source{}, seen: map[int]bool{}, dropped: map[int]bool{}}
	for _, src := range sources {
		s.byN[src.N] = src
	}
	return s
}

// Push takes the next piece of the answer and returns the text now safe to
// show and the sources cited for the first time by markers this piece
// completed.
func (s *Stream) Push(token string) (text string, found []Source) {
	mark := s.text.Len()
	nCited := len(s.cited)
	for i := 0; i < len(token); i++ {
		s.byte(token[i])
	}
	if len(s.cited) > nCited {
		found = s.cited[nCited:len(s.cited):len(s.cited)]
	}
	return s.text.String()[mark:], found
}

// Finish ends the answer: what was held back is released as text (an
// unclosed "[12" stays text) and the whole result is returned.
func (s *Stream) Finish() (rest string, result Result) {
	mark := s.text.Len()
	s.flushTicks()
	s.releaseHeld()
	result.Text = s.text.String()
	result.Cited = append([]Source(nil), s.cited...)
	for n := range s.dropped {
		result.Dropped = append(result.Dropped, n)
	}
	sort.Ints(result.Dropped)
	return result.Text[mark:], result
}

func (s *Stream) byte(c byte) {
	if c == '`' {
		if s.inMark {
			s.releaseHeld()
		}
		s.ticks++
		return
	}
	s.flushTicks()
	if s.fence || s.code > 0 {
		if c == '\n' {
			s.code = 0 // inline code does not run past a line
		}
		s.emit(c)
		return
	}
	if s.inMark {
		switch {
		case c == ']':
			s.closeMarker()
			return
		case markerByte(c) && s.held.Len()-s.spaces < maxMarker:
			s.held.WriteByte(c)
			return
		}
		// Not a marker after all: release it and look at c afresh.
		s.releaseHeld()
	}
	if s.dropSpaces && c != '[' {
		s.releaseHeld() // discards them
	}
	s.dropSpaces = false
	switch {
	case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		s.held.WriteByte(c)
		s.spaces++
	case c == '[' && (s.spaces > 0 || !wordByte(s.last)):
		s.held.WriteByte(c)
		s.inMark = true
	default:
		s.releaseHeld()
		s.emit(c)
	}
}

// flushTicks interprets a run of backticks once it has ended: three or
// more open or close a fence, fewer open inline code or close the inline
// code opened by as many.
func (s *Stream) flushTicks() {
	n := s.ticks
	if n == 0 {
		return
	}
	s.ticks = 0
	s.releaseHeld()
	switch {
	case n >= 3 && s.code == 0:
		s.fence = !s.fence
	case s.fence:
	case s.code == 0:
		s.code = n
	case s.code == n:
		s.code = 0
	}
	for range n {
		s.emit('`')
	}
}

// closeMarker ends "[...]": a marker is written normalized with its valid
// numbers, or removed with its spaces when none is valid; anything else is
// released as text.
func (s *Stream) closeMarker() {
	held := s.held.String()
	inner := held[s.spaces+1:]
	nums, ok := parseMarker(inner)
	if !ok {
		s.held.WriteByte(']')
		s.releaseHeld()
		return
	}
	var valid []int
	for _, n := range nums {
		src, ok := s.byN[n]
		if !ok {
			s.dropped[n] = true
			continue
		}
		if !containsInt(valid, n) {
			valid = append(valid, n)
		}
		if !s.seen[n] {
			s.seen[n] = true
			s.cited = append(s.cited, src)
		}
	}
	spaces := held[:s.spaces]
	s.held.Reset()
	s.spaces, s.inMark = 0, false
	if len(valid) == 0 {
		// "claim [9]." becomes "claim.", but "claim [9][1]" keeps its
		// space for the marker that follows.
		s.held.WriteString(spaces)
		s.spaces = len(spaces)
		s.dropSpaces = true
		return
	}
	out := spaces + "[" + joinInts(valid) + "]"
	for i := 0; i < len(out); i++ {
		s.emit(out[i])
	}
}

func (s *Stream) releaseHeld() {
	held := s.held.String()
	s.held.Reset()
	s.spaces, s.inMark = 0, false
	if s.dropSpaces {
		s.dropSpaces = false
		return
	}
	for i := 0; i < len(held); i++ {
		s.emit(held[i])
	}
}

func (s *Stream) emit(c byte) {
	s.text.WriteByte(c)
	s.last = c
}

// markerByte is a byte that may appear between "[" and "]" of a marker.
func markerByte(c byte) bool {
	return c >= '0' && c <= '9' || c == ',' || c == ';' || c == '-' || c == ' ' || c == ':' || c == '^' ||
		c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// wordByte is a byte that, right before "[", makes it indexing: "x[1]".
func wordByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ')'
}

// parseMarker reads the inside of a marker: an optional "^" or
// "source"/"sources" word, then numbers or ranges separated by commas or semicolons. Empty
// items ("1,") are tolerated; at least one number is needed.
func parseMarker(inner string) ([]int, bool) {
	s := strings.TrimSpace(strings.ToLower(inner))
	s = strings.TrimPrefix(s, "^") // footnote style "[^1]"
	for _, p := range []string{"sources", "source", "src"} {
		if rest, ok := strings.CutPrefix(s, p); ok {
			s = strings.TrimLeft(rest, " :")
			break
		}
	}
	var out []int
	for _, item := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(item, "-")
		a, err := smallInt(strings.TrimSpace(lo))
		if err != nil {
			return nil, false
		}
		if !isRange {
			out = append(out, a)
			continue
		}
		b, err := smallInt(strings.TrimSpace(hi))
		if err != nil || b < a || b-a >= maxRange {
			return nil, false
		}
		for n := a; n <= b; n++ {
			out = append(out, n)
		}
	}
	return out, len(out) > 0
}

// smallInt parses 1 to 6 digits.
func smallInt(s string) (int, error) {
	if len(s) == 0 || len(s) > 6 || strings.Trim(s, "0123456789") != "" {
		return 0, strconv.ErrSyntax
	}
	return strconv.Atoi(s)
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ", ")
}
