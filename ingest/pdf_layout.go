package ingest

import (
	"math"
	"sort"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// Layout thresholds, in multiples of the font size. TeX's narrowest
// inter-word space is about 0.22 em and kerns stay under 0.1 em, so a gap
// above wordGap is a space. Pieces of text that meet on a baseline are
// one line if the gap is under columnGap (gutters are 1 em or more); text
// drawn in one go may stretch further (justified lines reach 1.4 em).
const (
	wordGap     = 0.12
	columnGap   = 0.9
	drawnGap    = 1.6
	baselineTol = 0.3
	dupTol      = 0.1
)

// fragment is a piece of one text line: glyphs on one baseline with no
// column-sized gap between them.
type fragment struct {
	x0, x1 float64
	y      float64 // baseline
	size   float64
	text   string
	drop   bool // running header or footer
}

// block is a run of fragments stacked in one column.
type block struct {
	frags               []*fragment
	x0, x1, top, bottom float64
}

// pageLayout is a page's text in reading order.
type pageLayout struct {
	blocks []*block
}

// layoutPage groups glyphs into words, lines, blocks and reading order.
func layoutPage(glyphs []glyph) pageLayout {
	var byDir [4][]glyph
	for _, g := range glyphs {
		byDir[g.dir] = append(byDir[g.dir], g)
	}
	var out pageLayout
	for d := range byDir {
		if len(byDir[d]) == 0 {
			continue
		}
		frags := fragments(byDir[d])
		out.blocks = append(out.blocks, orderBlocks(buildBlocks(frags))...)
	}
	return out
}

// run is a stretch of glyphs drawn one after another on one baseline.
type run struct {
	x0, x1, y, size float64
	b               strings.Builder
	pendingSpace    bool
	spaceX, spaceW  float64 // where the pending space glyph was drawn
	lastText        string
	lastX, lastW    float64
	marks           bool // holds combining marks: compose before use
}

func (r *run) add(g glyph) {
	gap := g.x - r.x1
	// A space glyph breaks words only if the next glyph is drawn past it
	// (some producers emit spaces and then back up over them).
	space := r.pendingSpace && g.x-r.spaceX >= 0.5*r.spaceW
	if r.b.Len() > 0 && (space || gap > wordGap*math.Max(g.size, r.size*0.5)) {
		if !strings.HasSuffix(r.b.String(), " ") {
			r.b.WriteByte(' ')
		}
	}
	r.pendingSpace = false
	r.b.WriteString(g.text)
	r.lastText, r.lastX, r.lastW = g.text, g.x, g.w
	r.marks = r.marks || g.marked
	if e := g.x + g.w; e > r.x1 {
		r.x1 = e
	}
	if g.size > r.size {
		r.size = g.size
	}
}

// fragments builds runs in drawing order (which keeps columns apart in
// most producers), then merges runs that share a baseline and touch.
func fragments(glyphs []glyph) []*fragment {
	var runs []*run
	var cur *run
	place := func(g glyph) {
		if g.size <= 0 {
			g.size = 1
		}
		if cur != nil {
			sameLine := math.Abs(g.y-cur.y) < baselineTol*math.Min(g.size, cur.size)
			gap := g.x - cur.x1
			if sameLine && gap > -0.6*g.size && gap < drawnGap*g.size {
				if g.space {
					cur.pendingSpace = true
					cur.spaceX, cur.spaceW = g.x, g.w
					return
				}
				// Fake bold: the same glyph drawn again a hair to the right.
				if g.text == cur.lastText && math.Abs(g.x-cur.lastX) < dupTol*g.size {
					return
				}
				cur.add(g)
				return
			}
		}
		if g.space {
			return
		}
		cur = &run{x0: g.x, x1: g.x, y: g.y, size: g.size}
		cur.add(g)
		runs = append(runs, cur)
	}

	// TeX draws accents as separate glyphs over the letter (before or
	// after it); they are folded into the letter as combining marks.
	var accent *glyph
	for _, g := range glyphs {
		if mark, ok := combiningMark(g.text); ok {
			c := g.x + g.w/2
			if cur != nil && c >= cur.lastX && c <= cur.lastX+cur.lastW && math.Abs(g.y-cur.y) < cur.size {
				cur.b.WriteString(mark)
				cur.marks = true
				continue
			}
			if accent != nil {
				place(*accent)
			}
			a := g
			accent = &a
			continue
		}
		if accent != nil {
			c := accent.x + accent.w/2
			if mark, _ := combiningMark(accent.text); c >= g.x && c <= g.x+g.w && math.Abs(accent.y-g.y) < g.size {
				g.text += mark
				g.marked = true
			} else {
				place(*accent)
			}
			accent = nil
		}
		place(g)
	}
	if accent != nil {
		place(*accent)
	}

	snapScripts(runs)

	// Merge runs on one baseline whose ends meet (text drawn piecewise).
	sort.SliceStable(runs, func(i, j int) bool {
		if math.Abs(runs[i].y-runs[j].y) >= 0.01 {
			return runs[i].y > runs[j].y
		}
		return runs[i].x0 < runs[j].x0
	})
	var frags []*fragment
	for i := 0; i < len(runs); {
		r := runs[i]
		f := &fragment{x0: r.x0, x1: r.x1, y: r.y, size: r.size, text: strings.TrimSpace(r.b.String())}
		marks := r.marks
		j := i + 1
		for ; j < len(runs); j++ {
			n := runs[j]
			tol := baselineTol * math.Min(f.size, n.size)
			if math.Abs(n.y-f.y) >= tol {
				break
			}
			gap := n.x0 - f.x1
			if gap > columnGap*math.Max(f.size, n.size) || n.x1 < f.x0 {
				break
			}
			t := strings.TrimSpace(n.b.String())
			marks = marks || n.marks
			if gap > wordGap*n.size || n.pendingSpace {
				f.text += " " + t
			} else {
				f.text += t
			}
			if n.x1 > f.x1 {
				f.x1 = n.x1
			}
			if n.size > f.size {
				f.size = n.size
			}
		}
		if marks {
			f.text = norm.NFC.String(f.text)
		}
		if f.text != "" {
			frags = append(frags, f)
		}
		i = j
	}
	return frags
}

// maxScriptRunes bounds what counts as a superscript or subscript run:
// footnote marks, exponents, indices.
const maxScriptRunes = 8

// snapScripts moves short runs in a smaller font that sit just above or
// below the baseline of a neighbouring larger run onto that baseline, so
// that "UNIX¹ kernel" stays one line instead of a stray "1" line.
func snapScripts(runs []*run) {
	if len(runs) < 2 {
		return
	}
	// Candidates for the line a script belongs to, sorted by baseline so
	// that each script looks only at lines within reach (pages of
	// thousands of table cells would otherwise cost a quadratic scan).
	byY := make([]*run, len(runs))
	copy(byY, runs)
	sort.Slice(byY, func(i, j int) bool { return byY[i].y < byY[j].y })
	maxSize := 0.0
	for _, r := range runs {
		maxSize = math.Max(maxSize, r.size)
	}
	for _, s := range runs {
		if s.b.Len() > 4*maxScriptRunes || len([]rune(s.b.String())) > maxScriptRunes {
			continue
		}
		// Lines l with s.y-0.6*l.size <= l.y <= s.y+0.35*l.size.
		lo := sort.Search(len(byY), func(i int) bool { return byY[i].y >= s.y-0.6*maxSize })
		for _, l := range byY[lo:] {
			if l.y > s.y+0.35*maxSize {
				break
			}
			if l == s || l.size < s.size*1.15 {
				continue
			}
			dy := s.y - l.y
			if dy < -0.35*l.size || dy > 0.6*l.size || math.Abs(dy) < 0.01 {
				continue
			}
			if s.x0 < l.x0-1 || s.x0 > l.x1+0.5*l.size {
				continue
			}
			s.y = l.y
			break
		}
	}
}

// buildBlocks stacks fragments into column blocks: a fragment continues the
// block whose last line sits just above it and overlaps it horizontally.
func buildBlocks(frags []*fragment) []*block {
	sort.SliceStable(frags, func(i, j int) bool {
		if math.Abs(frags[i].y-frags[j].y) > 0.5 {
			return frags[i].y > frags[j].y
		}
		return frags[i].x0 < frags[j].x0
	})
	maxSize := 0.0
	for _, f := range frags {
		maxSize = math.Max(maxSize, f.size)
	}
	// Fragments come top to bottom, so a block whose last line is further
	// above than any line spacing can reach will never grow again.
	var blocks, active []*block
	for _, f := range frags {
		var best *block
		bestDist := math.MaxFloat64
		keep := active[:0]
		for _, b := range active {
			if b.frags[len(b.frags)-1].y-f.y <= 2*maxSize+1 {
				keep = append(keep, b)
			}
		}
		active = keep
		for _, b := range active {
			last := b.frags[len(b.frags)-1]
			dy := last.y - f.y
			if dy <= 0.3*f.size || dy > 1.9*math.Max(f.size, last.size) {
				continue
			}
			if f.x1 <= last.x0 || f.x0 >= last.x1 {
				continue
			}
			ratio := f.size / last.size
			if ratio < 0.6 || ratio > 1.6 {
				continue
			}
			if dy < bestDist {
				best, bestDist = b, dy
			}
		}
		if best == nil {
			best = &block{x0: f.x0, x1: f.x1, top: f.y + f.size, bottom: f.y}
			blocks = append(blocks, best)
			active = append(active, best)
		}
		best.frags = append(best.frags, f)
		best.x0 = math.Min(best.x0, f.x0)
		best.x1 = math.Max(best.x1, f.x1)
		best.top = math.Max(best.top, f.y+f.size)
		best.bottom = math.Min(best.bottom, f.y)
	}
	return blocks
}

// maxOrderedBlocks bounds the cubic ordering; pages past it (big tables)
// are read top to bottom, left to right.
const maxOrderedBlocks = 150

// orderBlocks sorts blocks into reading order: a block comes before
// another below it in the same column, and a column comes before the
// column to its right unless something spanning both lies between them
// (Breuel's rules), then a topological sort that prefers the block nearest
// the top left.
func orderBlocks(blocks []*block) []*block {
	n := len(blocks)
	geo := func(i, j int) bool {
		a, b := blocks[i], blocks[j]
		if a.top != b.top {
			return a.top > b.top
		}
		return a.x0 < b.x0
	}
	if n <= 1 || n > maxOrderedBlocks {
		sort.SliceStable(blocks, geo)
		return blocks
	}
	overlap := func(a, b *block) bool {
		return math.Min(a.x1, b.x1)-math.Max(a.x0, b.x0) > 0.5
	}
	cy := func(b *block) float64 { return (b.top + b.bottom) / 2 }
	before := func(a, b *block) bool {
		if overlap(a, b) {
			return cy(a) > cy(b)
		}
		if a.x1 > b.x0 {
			return false
		}
		lo, hi := math.Min(cy(a), cy(b)), math.Max(cy(a), cy(b))
		for _, c := range blocks {
			if c == a || c == b {
				continue
			}
			if cy(c) > lo && cy(c) < hi && overlap(c, a) && overlap(c, b) {
				return false
			}
		}
		return true
	}
	indeg := make([]int, n)
	succ := make([][]int, n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if i != j && before(blocks[i], blocks[j]) {
				succ[i] = append(succ[i], j)
				indeg[j]++
			}
		}
	}
	done := make([]bool, n)
	out := make([]*block, 0, n)
	for len(out) < n {
		pick := -1
		for i := 0; i < n; i++ {
			if !done[i] && indeg[i] == 0 && (pick < 0 || geo(i, pick)) {
				pick = i
			}
		}
		if pick < 0 { // a cycle: take the top-left block
			for i := 0; i < n; i++ {
				if !done[i] && (pick < 0 || geo(i, pick)) {
					pick = i
				}
			}
		}
		done[pick] = true
		out = append(out, blocks[pick])
		for _, j := range succ[pick] {
			indeg[j]--
		}
	}
	return out
}

// render writes the kept fragments: lines end with "\n", blocks are
// separated by a blank line, and a word hyphenated across a line end is
// joined when a lowercase letter follows.
func (p pageLayout) render() string {
	var b strings.Builder
	for _, bl := range p.blocks {
		wrote := false
		for _, f := range bl.frags {
			if f.drop {
				continue
			}
			if wrote {
				b.WriteByte('\n')
			} else if b.Len() > 0 {
				b.WriteString("\n\n")
			}
			b.WriteString(f.text)
			wrote = true
		}
	}
	return joinHyphens(b.String())
}

// joinHyphens removes "-\n" (and "-\n\n") between a letter and a lowercase
// letter: "exam-\nple" becomes "example".
func joinHyphens(s string) string {
	if !strings.Contains(s, "-\n") && !strings.Contains(s, "\u00ad\n") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if (r == '-' || r == '\u00ad') && i > 0 && isLetter(rs[i-1]) {
			j := i + 1
			nl := 0
			for j < len(rs) && rs[j] == '\n' && nl < 2 {
				j++
				nl++
			}
			if nl > 0 && j < len(rs) && isLower(rs[j]) {
				i = j - 1
				continue
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

// spacingAccents maps accents drawn as glyphs of their own to the
// combining marks that compose with a letter.
var spacingAccents = map[string]string{
	"\u00A8": "\u0308", "\u00B4": "\u0301", "`": "\u0300", "\u02C6": "\u0302",
	"\u02DC": "\u0303", "\u00AF": "\u0304", "\u02D8": "\u0306", "\u02D9": "\u0307",
	"\u02DA": "\u030A", "\u02DD": "\u030B", "\u02C7": "\u030C", "\u00B8": "\u0327",
	"\u02DB": "\u0328",
}

func combiningMark(s string) (string, bool) {
	if m, ok := spacingAccents[s]; ok {
		return m, true
	}
	if len(s) == 2 && s[0] == 0xCC || len(s) == 2 && s[0] == 0xCD && s[1] <= 0xAF {
		return s, true // U+0300..U+036F drawn on its own
	}
	return "", false
}
