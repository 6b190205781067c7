package ingest

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// minMaxTokens is the smallest budget: any single character fits in it
// (a byte-fallback character is at most 4 tokens), so cutting always
// makes progress within the budget.
const minMaxTokens = 8

// ChunkOptions set the chunker's token budget.
type ChunkOptions struct {
	MaxTokens int              // budget per chunk; default 300, at least minMaxTokens
	Overlap   int              // tokens repeated from the previous chunk; default 40, negative for none
	Count     func(string) int // token counter; nil = ApproxTokens
	// HardMaxTokens is how large a code block or table may grow and still
	// stay whole (as a chunk of its own, over MaxTokens); larger ones are
	// split at line boundaries with a note. Default 4*MaxTokens.
	HardMaxTokens int
}

// TextChunk is a passage to embed and cite; Chunk returns them. (Go does
// not allow a type and a function both named Chunk in one package, and the
// function name is the one callers spell.) Text == ex.Text[CharStart:CharEnd]
// exactly: overlap is part of the span (a chunk that repeats the end of
// its predecessor starts before that predecessor's CharEnd).
type TextChunk struct {
	Text        string   `json:"text"`
	PageStart   int      `json:"page_start,omitempty"` // 1-based, 0 if no pages
	PageEnd     int      `json:"page_end,omitempty"`
	HeadingPath []string `json:"heading_path,omitempty"`
	CharStart   int      `json:"char_start"` // byte span in ex.Text
	CharEnd     int      `json:"char_end"`
	Tokens      int      `json:"tokens"`         // by opt.Count, summed over the pieces
	Note        string   `json:"note,omitempty"` // e.g. why a code block was split
}

// blockKind says how the chunker may cut a block.
type blockKind uint8

const (
	kindPara    blockKind = iota // prose: split at sentences, words, bytes
	kindHeading                  // never ends a chunk
	kindCode                     // atomic up to HardMaxTokens, then lines
	kindTable                    // like code
	kindList                     // whole when it fits, else at items
	kindQuote                    // like prose
	kindSkip                     // not indexed (thematic breaks, link definitions)
)

// textBlock is a structural unit of ex.Text found by a loader.
type textBlock struct {
	start, end int
	kind       blockKind
	section    int         // index in ex.paths; -1 for none
	page       int         // page number; 0 for none
	subs       []textBlock // parts of a container (list items, their paragraphs, ...)
}

// boundary is how strong the break before a piece is; chunks prefer to end
// at strong ones.
type boundary uint8

const (
	brkInner   boundary = iota // inside a block (sentence, line, item)
	brkBlock                   // between blocks
	brkPage                    // between PDF pages
	brkSection                 // between Markdown sections
)

// chunkPiece is a span the packer never cuts: a block that fits the budget, or
// a sentence, word group or line group of one that does not.
type chunkPiece struct {
	start, end int
	tokens     int
	brk        boundary
	kind       blockKind
	section    int
	note       string
}

// Chunk cuts an extraction into chunks within a token budget, following its
// structure: sections, then blocks (paragraphs, lists, code, tables), then
// sentences, then words, then bytes. A chunk does not cross a Markdown
// section once it holds a quarter of the budget, nor a PDF page once it
// holds half; a heading never ends a chunk; code blocks and tables are
// never cut below HardMaxTokens. Overlap is added only inside running prose
// (never across a section or page break, never into code, tables or
// headings) and starts at a word boundary, preferably a sentence's start.
//
// Tokens stay within MaxTokens, except for a whole code block or table
// under the hard cap (with the headings that lead it). Token counts are
// summed over pieces and the white space between them, which for
// ApproxTokens equals a direct count up to rounding.
//
// If ex has no loader structure (built by hand or decoded from JSON),
// Chunk derives it, filling ex.Text from ex.Pages (joined with "\n\n") or
// ex.Sections when it is empty, so that spans refer to it; such an ex must
// not be chunked from two goroutines at once. Chunks are never empty.
func Chunk(ex *Extracted, opt ChunkOptions) []TextChunk {
	if ex == nil {
		return nil
	}
	ensureLayout(ex)
	c := newChunker(ex, opt)
	c.split()
	c.pack()
	return c.out
}

// ensureLayout derives Text, page offsets and blocks for an Extracted that
// was not made by a loader.
func ensureLayout(ex *Extracted) {
	if ex.blocks != nil {
		return
	}
	switch {
	case len(ex.Pages) > 0:
		joinPages(ex)
	case len(ex.Sections) > 0 && ex.Text == "":
		var b strings.Builder
		ex.paths = ex.paths[:0]
		type span struct{ s, e int }
		spans := make([]span, len(ex.Sections))
		for i, s := range ex.Sections {
			if i > 0 {
				b.WriteString("\n\n")
			}
			spans[i].s = b.Len()
			b.WriteString(s.Text)
			spans[i].e = b.Len()
			ex.paths = append(ex.paths, s.HeadingPath)
		}
		ex.Text = b.String()
		for i, sp := range spans {
			ex.blocks = paragraphBlocks(ex.Text, sp.s, sp.e, 0, i, ex.blocks)
		}
	default:
		ex.paths = [][]string{{}}
		ex.blocks = paragraphBlocks(ex.Text, 0, len(ex.Text), 0, 0, nil)
	}
	if ex.blocks == nil {
		ex.blocks = []textBlock{}
	}
}

type chunker struct {
	ex       *Extracted
	text     string
	max      int // the budget
	pieceMax int // pieces' budget: leaves room for a heading to lead a piece
	overlap  int
	hard     int
	count    func(string) int
	approx   bool // count is ApproxTokens
	pieces   []chunkPiece
	out      []TextChunk
}

func newChunker(ex *Extracted, opt ChunkOptions) *chunker {
	c := &chunker{ex: ex, text: ex.Text, max: opt.MaxTokens, overlap: opt.Overlap, hard: opt.HardMaxTokens, count: opt.Count}
	if c.max <= 0 {
		c.max = 300
	}
	c.max = max(c.max, minMaxTokens)
	switch {
	case c.overlap == 0:
		c.overlap = 40
	case c.overlap < 0:
		c.overlap = 0
	}
	c.overlap = min(c.overlap, c.max/2)
	if c.hard < c.max {
		c.hard = 4 * c.max
	}
	if c.count == nil {
		c.count = ApproxTokens
		c.approx = true
	}
	c.pieceMax = c.max - c.max/8
	return c
}

// split turns blocks into pieces that each fit the budget, except code
// blocks and tables up to the hard cap, which stay whole.
func (c *chunker) split() {
	blocks := c.ex.blocks
	c.pieces = make([]chunkPiece, 0, len(blocks)+len(blocks)/4)
	for i, b := range blocks {
		brk := brkBlock
		if i > 0 {
			switch {
			case b.section != blocks[i-1].section:
				brk = brkSection
			case b.page != blocks[i-1].page:
				brk = brkPage
			}
		}
		first := len(c.pieces)
		c.splitBlock(b)
		if first < len(c.pieces) {
			c.pieces[first].brk = brk
		}
	}
}

// splitBlock emits b as one piece if it fits (code and tables up to the
// hard cap), else cuts it: a container between its parts, code and tables
// between lines, prose between sentences and words.
func (c *chunker) splitBlock(b textBlock) {
	t := c.count(c.text[b.start:b.end])
	atomic := b.kind == kindCode || b.kind == kindTable
	switch {
	case t <= c.pieceMax || atomic && t <= c.hard:
		c.add(chunkPiece{start: b.start, end: b.end, tokens: t, kind: b.kind, section: b.section})
	case atomic:
		what := "code block"
		if b.kind == kindTable {
			what = "table"
		}
		from := len(c.pieces)
		c.splitLines(b.start, b.end, b)
		n := len(c.pieces) - from
		for k := from; k < len(c.pieces); k++ {
			c.pieces[k].note = fmt.Sprintf("%s of %d tokens split at line boundaries (part %d of %d)", what, t, k-from+1, n)
		}
	case len(b.subs) > 0:
		for _, s := range b.subs {
			c.splitBlock(s)
		}
	default:
		c.splitProse(b.start, b.end, b)
	}
}

func (c *chunker) add(p chunkPiece) {
	for p.start < p.end && isSpaceByte(c.text[p.start]) {
		p.start++
	}
	if p.end > p.start {
		c.pieces = append(c.pieces, p)
	}
}

// splitProse emits [s,e) as one piece if it fits, else sentence by
// sentence, cutting sentences that are still too long by words.
func (c *chunker) splitProse(s, e int, b textBlock) {
	if t := c.count(c.text[s:e]); t <= c.pieceMax {
		c.add(chunkPiece{start: s, end: e, tokens: t, kind: b.kind, section: b.section})
		return
	}
	for s < e {
		z := sentenceEnd(c.text, s, e)
		if t := c.count(c.text[s:z]); t <= c.pieceMax {
			c.add(chunkPiece{start: s, end: z, tokens: t, kind: b.kind, section: b.section})
		} else {
			c.splitWords(s, z, b)
		}
		s = skipSpaceFwd(c.text, z, e)
	}
}

// sentenceEnd returns the end of the sentence starting at s: after a
// terminator (. ! ? or their CJK forms, with closing quotes or brackets)
// that is followed by white space, or e.
func sentenceEnd(t string, s, e int) int {
	for i := s; i < e; i++ {
		switch t[i] {
		case '.', '!', '?':
			j := i + 1
			for j < e && strings.IndexByte("\"')]”’", t[j]) >= 0 {
				j++
			}
			if j == e || isSpaceByte(t[j]) {
				if j-s > 1 {
					return j
				}
			}
		case 0xe3: // 。！？ are U+3002, U+FF01, U+FF1F
			if strings.HasPrefix(t[i:e], "。") {
				return i + len("。")
			}
		case 0xef:
			if strings.HasPrefix(t[i:e], "！") || strings.HasPrefix(t[i:e], "？") {
				return i + 3
			}
		}
	}
	return e
}

// splitWords packs the words of [s,e) greedily into pieces within budget.
func (c *chunker) splitWords(s, e int, b textBlock) {
	ps, pt := s, 0 // current piece start and tokens
	prevEnd := s   // end of the last word in the current piece
	for i := s; i < e; {
		ws := i
		we := ws
		for we < e && !isSpaceByte(c.text[we]) {
			we++
		}
		wt := c.count(c.text[ws:we])
		if wt > c.pieceMax {
			if pt > 0 {
				c.add(chunkPiece{start: ps, end: prevEnd, tokens: pt, kind: b.kind, section: b.section})
			}
			c.splitBytes(ws, we, b)
			i = skipSpaceFwd(c.text, we, e)
			ps, pt = i, 0
			continue
		}
		gap := 0 // newlines and indentation between words count too
		if pt > 0 && (ws-prevEnd != 1 || c.text[prevEnd] != ' ') {
			gap = c.count(c.text[prevEnd:ws])
		}
		if pt+gap+wt > c.pieceMax && pt > 0 {
			c.add(chunkPiece{start: ps, end: prevEnd, tokens: pt, kind: b.kind, section: b.section})
			ps, pt, gap = ws, 0, 0
		}
		pt += gap + wt
		prevEnd = we
		i = skipSpaceFwd(c.text, we, e)
	}
	if pt > 0 {
		c.add(chunkPiece{start: ps, end: prevEnd, tokens: pt, kind: b.kind, section: b.section})
	}
}

// splitBytes cuts a word too long for the budget at rune boundaries.
func (c *chunker) splitBytes(s, e int, b textBlock) {
	for s < e {
		n := min(e-s, 4*c.pieceMax)
		for {
			z := s + n
			for z < e && z > s && !utf8.RuneStart(c.text[z]) {
				z--
			}
			if z == s { // n is shorter than one rune
				_, size := utf8.DecodeRuneInString(c.text[s:e])
				z = s + size
			}
			t := c.count(c.text[s:z])
			if t <= c.pieceMax || z-s <= utf8.UTFMax && utf8.RuneCountInString(c.text[s:z]) == 1 {
				c.add(chunkPiece{start: s, end: z, tokens: t, kind: b.kind, section: b.section})
				s = z
				break
			}
			n = max(1, (z-s)*c.pieceMax/t*9/10)
		}
	}
}

// splitLines packs whole lines of an oversized code block or table into
// pieces within budget; a single line over budget is cut by words.
func (c *chunker) splitLines(s, e int, b textBlock) {
	ps, pt := s, 0
	for i := s; i < e; {
		le := e
		if j := strings.IndexByte(c.text[i:e], '\n'); j >= 0 {
			le = i + j
		}
		lt := c.count(c.text[i:le]) + 1
		if lt > c.pieceMax {
			if pt > 0 {
				c.add(chunkPiece{start: ps, end: trimSpaceEnd(c.text, ps, i), tokens: pt, kind: b.kind, section: b.section})
			}
			c.splitWords(i, le, b)
			ps, pt = min(le+1, e), 0
		} else {
			if pt+lt > c.pieceMax && pt > 0 {
				c.add(chunkPiece{start: ps, end: trimSpaceEnd(c.text, ps, i), tokens: pt, kind: b.kind, section: b.section})
				ps, pt = i, 0
			}
			pt += lt
		}
		i = min(le+1, e)
	}
	if pt > 0 {
		c.add(chunkPiece{start: ps, end: trimSpaceEnd(c.text, ps, e), tokens: pt, kind: b.kind, section: b.section})
	}
}

func trimSpaceEnd(t string, s, e int) int {
	for e > s && isSpaceByte(t[e-1]) {
		e--
	}
	return e
}

func skipSpaceFwd(t string, i, e int) int {
	for i < e && isSpaceByte(t[i]) {
		i++
	}
	return i
}

// pack groups pieces greedily into chunks.
func (c *chunker) pack() {
	first, start, tokens := -1, 0, 0 // current chunk: first piece, span start, tokens
	flush := func(last int) {        // emit pieces [first, last)
		if first >= 0 && last > first {
			c.emit(start, c.pieces[last-1].end, tokens, first, last)
		}
		first, tokens = -1, 0
	}
	atomic := func(p chunkPiece) bool { return (p.kind == kindCode || p.kind == kindTable) && p.note == "" }
	for i, p := range c.pieces {
		if first >= 0 {
			gap := c.gapTokens(i)
			switch {
			case tokens+gap+p.tokens <= c.max:
				if p.brk == brkSection && tokens >= c.max/4 || p.brk == brkPage && tokens >= c.max/2 {
					flush(i)
				}
			default:
				k := i // trailing headings move on with what follows them
				for k > first && c.pieces[k-1].kind == kindHeading {
					k--
				}
				switch {
				case k > first && k < i:
					moved := c.pieces[k].tokens
					for j := k + 1; j < i; j++ {
						moved += c.gapTokens(j) + c.pieces[j].tokens
					}
					tokens -= moved + c.gapTokens(k)
					flush(k)
					first, start, tokens = k, c.pieces[k].start, moved
					if tokens+gap+p.tokens > c.max && !atomic(p) {
						flush(i) // a heading too long to share: rare
					}
				case k == first && atomic(p):
					// Only headings so far: they lead the code block or
					// table even over the budget.
				default:
					prevStart, prevEnd, prevFirst := start, c.pieces[i-1].end, first
					flush(i)
					if p.brk <= brkBlock && !atomic(p) {
						if os, ot := c.overlapStart(prevStart, prevEnd, prevFirst, i, p.section); ot > 0 && ot+gap+p.tokens <= c.max {
							first, start, tokens = i, os, ot
						}
					}
				}
			}
		}
		if first < 0 {
			first, start, tokens = i, p.start, 0
		} else {
			tokens += c.gapTokens(i)
		}
		tokens += p.tokens
		if tokens > c.max && atomic(p) { // an oversized code block or table stands alone
			flush(i + 1)
		}
	}
	flush(len(c.pieces))
}

// gapTokens counts the white space between piece i and its predecessor.
func (c *chunker) gapTokens(i int) int {
	if i == 0 {
		return 0
	}
	g := c.text[c.pieces[i-1].end:c.pieces[i].start]
	if c.approx {
		switch g { // the common joins, without a call
		case " ":
			return 0
		case "\n", "\n\n":
			return len(g)
		}
	}
	return c.count(g)
}

// overlapStart picks where the chunk after [prevStart,prevEnd) begins so
// that it repeats about c.overlap tokens: walking back word by word over
// prose pieces of the same section, no further than half the previous
// chunk, then moving forward to a sentence start if one is near.
func (c *chunker) overlapStart(prevStart, prevEnd, prevFirst, next, section int) (int, int) {
	if c.overlap == 0 {
		return 0, 0
	}
	// The lowest offset overlap may reach: prose pieces only.
	low := prevEnd
	for j := next - 1; j >= prevFirst; j-- {
		p := c.pieces[j]
		if p.section != section || p.kind != kindPara && p.kind != kindQuote && p.kind != kindList {
			break
		}
		low = p.start
		if prevEnd-low > 16*c.overlap {
			break
		}
	}
	low = max(low, prevStart+(prevEnd-prevStart)/2)
	pos, tok := prevEnd, 0
	for pos > low && tok < c.overlap {
		j := pos
		for j > low && isSpaceByte(c.text[j-1]) {
			j--
		}
		k := j
		for k > low && !isSpaceByte(c.text[k-1]) {
			k--
		}
		if k == j || k == low && k > 0 && !isSpaceByte(c.text[k-1]) {
			break // a word cut by the limit: stop before it
		}
		tok += c.count(c.text[k:j])
		pos = k
	}
	if pos >= prevEnd {
		return 0, 0
	}
	// Prefer starting at a sentence: the first sentence start in the first
	// half of the overlap.
	if z := sentenceEnd(c.text, pos, pos+(prevEnd-pos)/2); z < pos+(prevEnd-pos)/2 {
		if s := skipSpaceFwd(c.text, z, prevEnd); s < prevEnd {
			pos = s
		}
	}
	if pos >= prevEnd {
		return 0, 0
	}
	return pos, c.count(c.text[pos:prevEnd])
}

// emit appends the chunk [start,end) made of pieces [first,last).
func (c *chunker) emit(start, end, tokens, first, last int) {
	if end <= start {
		return
	}
	ch := TextChunk{Text: c.text[start:end], CharStart: start, CharEnd: end, Tokens: tokens}
	if len(c.ex.pageStarts) > 0 {
		ch.PageStart = c.pageAt(start)
		ch.PageEnd = c.pageAt(end - 1)
	}
	ch.HeadingPath = c.headingPath(first, last)
	for j := first; j < last; j++ {
		if n := c.pieces[j].note; n != "" {
			ch.Note = n
			break
		}
	}
	c.out = append(c.out, ch)
}

func (c *chunker) pageAt(off int) int {
	i := sort.Search(len(c.ex.pageStarts), func(i int) bool { return c.ex.pageStarts[i] > off }) - 1
	if i < 0 {
		i = 0
	}
	return c.ex.Pages[i].Number
}

// headingPath is the common prefix of the heading paths of the chunk's
// content pieces (its heading pieces only when it has nothing else).
func (c *chunker) headingPath(first, last int) []string {
	var path []string
	set := false
	for pass := 0; pass < 2 && !set; pass++ {
		for j := first; j < last; j++ {
			p := c.pieces[j]
			if pass == 0 && p.kind == kindHeading || p.section < 0 || p.section >= len(c.ex.paths) {
				continue
			}
			sp := c.ex.paths[p.section]
			if !set {
				path, set = sp, true
				continue
			}
			n := 0
			for n < len(path) && n < len(sp) && path[n] == sp[n] {
				n++
			}
			path = path[:n]
		}
	}
	if len(path) == 0 {
		return nil
	}
	return path
}
