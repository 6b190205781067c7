package ingest

import (
	"strconv"
	"strings"
	"sync"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// maxNesting bounds how deep block containers (block quotes, list items)
// may nest on one line before parsing. Real documents stay under ten;
// thousands of levels would cost the parser time per line per level.
const maxNesting = 32

// maxIndent bounds leading white space: nesting by indentation needs it to
// grow with depth, so capping it caps that depth too.
const maxIndent = 256

// mdParser parses block structure only, with GFM tables. Inline parsers are
// left out on purpose: chunking needs blocks and heading text, and skipping
// inline parsing removes its cost and its pathological inputs. Heading text
// is cleaned of inline markup by plainHeading instead.
var mdParser = sync.OnceValue(func() parser.Parser {
	return parser.NewParser(
		parser.WithBlockParsers(parser.DefaultBlockParsers()...),
		parser.WithParagraphTransformers(append(parser.DefaultParagraphTransformers(),
			util.Prioritized(extension.NewTableParagraphTransformer(), 200))...),
		parser.WithASTTransformers(util.Prioritized(extension.NewTableASTTransformer(), 0)),
	)
})

// extractMarkdown builds an Extraction from decoded Markdown: front matter
// gives the title and is not indexed (it is metadata, and YAML keys make
// poor passages); the body is normalized, its nesting bounded, and parsed;
// each top-level block becomes a chunking block tagged with its heading
// path.
func extractMarkdown(src string) *Extracted {
	ex := &Extracted{Type: TypeMarkdown}
	src = normalize(src, true)
	fmTitle, body, found := splitFrontMatter(src)
	if found {
		body = strings.TrimLeft(body, "\n")
	}
	body, capped := capNesting(body)
	if capped {
		ex.Warnings = append(ex.Warnings, "Markdown nested deeper than 32 levels was flattened")
	}
	ex.Text = body
	ex.Title = fmTitle

	doc := mdParser().Parse(text.NewReader([]byte(body)))

	type hd struct {
		level int
		text  string
	}
	var stack []hd
	section := 0
	ex.paths = [][]string{{}}
	var nodes []ast.Node // the node of each block
	for c := doc.FirstChild(); c != nil; c = c.NextSibling() {
		start := nodeStart(c, 0)
		if start < 0 {
			continue
		}
		start = lineStartAt(body, start)
		n := len(ex.blocks)
		if n > 0 && start <= ex.blocks[n-1].start {
			continue // nothing new; stays part of the previous block
		}
		if n > 0 {
			ex.blocks[n-1].end = start
		}
		b := textBlock{start: start, end: len(body), section: section, kind: kindPara}
		switch c := c.(type) {
		case *ast.Heading:
			t := plainHeading(linesText(c, body))
			if t == "" {
				break
			}
			if ex.Title == "" && c.Level == 1 {
				ex.Title = t
			}
			for len(stack) > 0 && stack[len(stack)-1].level >= c.Level {
				stack = stack[:len(stack)-1]
			}
			stack = append(stack, hd{c.Level, t})
			path := make([]string, len(stack))
			for i, h := range stack {
				path[i] = h.text
			}
			ex.paths = append(ex.paths, path)
			section = len(ex.paths) - 1
			b.section, b.kind = section, kindHeading
		case *ast.FencedCodeBlock, *ast.CodeBlock:
			b.kind = kindCode
		case *east.Table:
			b.kind = kindTable
		case *ast.List:
			b.kind = kindList
		case *ast.Blockquote:
			b.kind = kindQuote
		case *ast.ThematicBreak, *ast.LinkReferenceDefinition:
			b.kind = kindSkip
		}
		ex.blocks = append(ex.blocks, b)
		nodes = append(nodes, c)
	}
	// Trim each block to its text, drop the ones with none, and give
	// containers their parts so that the chunker can cut between them.
	kept := ex.blocks[:0]
	for i, b := range ex.blocks {
		if b.kind == kindSkip {
			continue
		}
		b.start = skipSpaceFwd(body, b.start, b.end)
		b.end = trimSpaceEnd(body, b.start, b.end)
		if b.end <= b.start {
			continue
		}
		if b.kind == kindList || b.kind == kindQuote {
			b.subs = mdParts(nodes[i], body, b, 0)
		}
		kept = append(kept, b)
	}
	ex.blocks = kept
	ex.Sections = markdownSections(ex)
	return ex
}

// mdParts splits a container block (list, list item, block quote) into
// its children, each running to the next child's start, so that an
// oversized list can be cut between items and never inside a table or
// code block nested in it. Depth is bounded by capNesting.
func mdParts(n ast.Node, body string, parent textBlock, depth int) []textBlock {
	if depth > maxNesting*2 {
		return nil
	}
	var parts []textBlock
	var nodes []ast.Node
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		st := parent.start
		if len(parts) > 0 {
			p := nodeStart(c, 0)
			if p < 0 {
				continue
			}
			st = lineStartAt(body, p)
			if st <= parts[len(parts)-1].start || st >= parent.end {
				continue
			}
			parts[len(parts)-1].end = st
		}
		parts = append(parts, textBlock{start: st, end: parent.end, kind: mdKind(c), section: parent.section, page: parent.page})
		nodes = append(nodes, c)
	}
	if len(parts) < 2 {
		// One child: descend into it if it is a container itself.
		if len(parts) == 1 && (parts[0].kind == kindList || parts[0].kind == kindQuote) {
			return mdParts(nodes[0], body, parent, depth+1)
		}
		return nil
	}
	kept := parts[:0]
	for i, p := range parts {
		p.start = skipSpaceFwd(body, p.start, p.end)
		p.end = trimSpaceEnd(body, p.start, p.end)
		if p.end <= p.start {
			continue
		}
		if p.kind == kindList || p.kind == kindQuote {
			p.subs = mdParts(nodes[i], body, p, depth+1)
		}
		kept = append(kept, p)
	}
	return kept
}

// mdKind says how the chunker may cut a block nested in a container.
func mdKind(n ast.Node) blockKind {
	switch n.(type) {
	case *ast.FencedCodeBlock, *ast.CodeBlock:
		return kindCode
	case *east.Table:
		return kindTable
	case *ast.List, *ast.ListItem:
		return kindList
	case *ast.Blockquote:
		return kindQuote
	}
	return kindPara
}

// markdownSections groups blocks by section for the JSON view: each
// section's text runs from its first non-heading block to its last block.
func markdownSections(ex *Extracted) []Section {
	var out []Section
	for i := 0; i < len(ex.blocks); {
		sec := ex.blocks[i].section
		j := i
		start, end := -1, -1
		for ; j < len(ex.blocks) && ex.blocks[j].section == sec; j++ {
			if ex.blocks[j].kind == kindHeading {
				continue
			}
			if start < 0 {
				start = ex.blocks[j].start
			}
			end = ex.blocks[j].end
		}
		if start >= 0 {
			out = append(out, Section{HeadingPath: ex.paths[sec], Text: ex.Text[start:end]})
		}
		i = j
	}
	return out
}

// nodeStart finds where a block begins in the source: its own position, or
// its first line, or its first child's (tables and some containers do not
// record one). depth bounds the search.
func nodeStart(n ast.Node, depth int) int {
	if p := n.Pos(); p >= 0 {
		return p
	}
	if n.Type() == ast.TypeBlock {
		if l := n.Lines(); l != nil && l.Len() > 0 {
			return l.At(0).Start
		}
	}
	if depth > maxNesting*2 {
		return -1
	}
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if p := nodeStart(c, depth+1); p >= 0 {
			return p
		}
	}
	return -1
}

func linesText(n ast.Node, src string) string {
	var b strings.Builder
	l := n.Lines()
	for i := 0; i < l.Len(); i++ {
		s := l.At(i)
		b.WriteString(src[s.Start:s.Stop])
	}
	return b.String()
}

func lineStartAt(s string, p int) int {
	if p > len(s) {
		p = len(s)
	}
	return strings.LastIndexByte(s[:p], '\n') + 1
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\n' || c == '\t' }

// plainHeading strips inline Markdown from heading text: emphasis and code
// markers, link and image syntax (the text stays), HTML tags and
// backslash escapes; white space collapses. Headings are capped at 200 bytes.
func plainHeading(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '*', '`', '~':
		case '_':
			// Keep snake_case: drop only underscores at word edges.
			prevWord := i > 0 && isWordByte(s[i-1])
			nextWord := i+1 < len(s) && isWordByte(s[i+1])
			if prevWord && nextWord {
				b.WriteByte(c)
			}
		case '!':
			if i+1 < len(s) && s[i+1] == '[' {
				continue
			}
			b.WriteByte(c)
		case '[':
		case ']':
			if i+1 < len(s) && s[i+1] == '(' {
				if j := strings.IndexByte(s[i:], ')'); j >= 0 {
					i += j
				}
			}
		case '<':
			if j := strings.IndexByte(s[i:], '>'); j > 0 && !strings.ContainsAny(s[i:i+j], " \t") || j > 0 && strings.HasPrefix(s[i+1:], "/") {
				i += j
				continue
			}
			b.WriteByte(c)
		case '\t', '\n':
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
		}
	}
	out := strings.Join(strings.Fields(b.String()), " ")
	if len(out) > 200 {
		out = strings.ToValidUTF8(out[:200], "")
	}
	return out
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// splitFrontMatter cuts YAML (---) or TOML (+++) front matter off the top
// of a Markdown document and returns its title. The closing line must come
// within the first 64 KB, or the opening line is ordinary Markdown.
func splitFrontMatter(s string) (title, body string, found bool) {
	var delim string
	switch {
	case strings.HasPrefix(s, "---\n"):
		delim = "---"
	case strings.HasPrefix(s, "+++\n"):
		delim = "+++"
	default:
		return "", s, false
	}
	pos := 4
	for pos < len(s) && pos < 64<<10 {
		end := strings.IndexByte(s[pos:], '\n')
		line := s[pos:]
		next := len(s)
		if end >= 0 {
			line = s[pos : pos+end]
			next = pos + end + 1
		}
		if line == delim || delim == "---" && line == "..." {
			return frontMatterTitle(s[4:pos], delim == "+++"), s[next:], true
		}
		pos = next
	}
	return "", s, false
}

// frontMatterTitle reads a top-level `title: ...` (YAML) or `title = ...`
// (TOML) line. Full YAML is not needed for one scalar, and a hand-rolled
// reader cannot be made to expand aliases or recurse.
func frontMatterTitle(fm string, toml bool) string {
	sep := ":"
	if toml {
		sep = "="
	}
	for _, line := range strings.Split(fm, "\n") {
		key, val, ok := strings.Cut(line, sep)
		if !ok || !strings.EqualFold(strings.TrimSpace(key), "title") || key != strings.TrimLeft(key, " \t") {
			continue
		}
		val = strings.TrimSpace(val)
		switch {
		case len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"':
			if u, err := strconv.Unquote(val); err == nil {
				val = u
			} else {
				val = val[1 : len(val)-1]
			}
		case len(val) >= 2 && val[0] == '\'' && val[len(val)-1] == '\'':
			val = strings.ReplaceAll(val[1:len(val)-1], "''", "'")
		case !toml:
			if i := strings.Index(val, " #"); i >= 0 {
				val = strings.TrimSpace(val[:i])
			}
			if val == "|" || val == ">" || strings.HasPrefix(val, "|") || strings.HasPrefix(val, ">") {
				val = ""
			}
		}
		return strings.Join(strings.Fields(val), " ")
	}
	return ""
}

// capNesting flattens lines whose block containers (">", list markers)
// nest deeper than maxNesting, and caps leading white space at maxIndent, so
// that hostile input cannot make parsing slow. Ordinary documents come out
// unchanged (and uncopied).
func capNesting(s string) (string, bool) {
	var b strings.Builder
	changed := false
	rest := s
	done := 0 // bytes of s already copied to b
	for off := 0; len(rest) > 0; {
		line := rest
		nl := strings.IndexByte(rest, '\n')
		if nl >= 0 {
			line = rest[:nl]
		}
		if fixed, ok := capLine(line); ok {
			if !changed {
				b.Grow(len(s))
				changed = true
			}
			b.WriteString(s[done:off])
			b.WriteString(fixed)
			done = off + len(line)
		}
		if nl < 0 {
			break
		}
		off += nl + 1
		rest = rest[nl+1:]
	}
	if !changed {
		return s, false
	}
	b.WriteString(s[done:])
	return b.String(), true
}

// capLine returns line rewritten when it nests too deep.
func capLine(line string) (string, bool) {
	if len(line) <= maxNesting {
		return "", false
	}
	i, depth, cut := 0, 0, -1
	ws := 0
	for {
		j := i
		for j < len(line) && (line[j] == ' ' || line[j] == '\t') {
			j++
		}
		ws += j - i
		if j >= len(line) {
			i = j
			break
		}
		m := listMarker(line[j:])
		if line[j] == '>' {
			m = 1
		}
		if m == 0 {
			i = j
			break
		}
		depth++
		i = j + m
		if depth == maxNesting {
			cut = i
		}
	}
	switch {
	case depth > maxNesting:
		return line[:cut] + " " + strings.TrimLeft(line[i:], " \t"), true
	case ws > maxIndent:
		// Keep the markers, squeeze the white space between them.
		var b strings.Builder
		for k := 0; k < i; k++ {
			if c := line[k]; c != ' ' && c != '\t' {
				b.WriteByte(c)
				b.WriteByte(' ')
			}
		}
		b.WriteString(line[i:])
		return b.String(), true
	}
	return "", false
}

// listMarker returns the length of a list marker ("-", "*", "+", "12.",
// "3)") at the start of s when followed by white space or the line's end.
func listMarker(s string) int {
	n := 0
	switch {
	case len(s) > 0 && (s[0] == '-' || s[0] == '*' || s[0] == '+'):
		n = 1
	default:
		for n < len(s) && n < 9 && s[n] >= '0' && s[n] <= '9' {
			n++
		}
		if n == 0 || n >= len(s) || s[n] != '.' && s[n] != ')' {
			return 0
		}
		n++
	}
	if n < len(s) && s[n] != ' ' && s[n] != '\t' {
		return 0
	}
	return n
}

// isMarkdown looks for Markdown structure in the first 64 KB: one strong
// sign (ATX heading, code fence, table delimiter row, [link](url), front
// matter) or three weak ones (list items, block quotes, setext underlines).
// A Markdown file name tips ambiguous text to Markdown.
func isMarkdown(s string, mdName bool) bool {
	if mdName {
		return true
	}
	s = s[:min(len(s), 64<<10)]
	if strings.HasPrefix(s, "---\n") || strings.HasPrefix(s, "---\r\n") || strings.HasPrefix(s, "+++\n") {
		if _, _, ok := splitFrontMatter(strings.ReplaceAll(s, "\r\n", "\n")); ok {
			return true
		}
	}
	weak := 0
	prevText := false
	for lines := 0; len(s) > 0 && lines < 5000; lines++ {
		line := s
		if j := strings.IndexByte(s, '\n'); j >= 0 {
			line, s = s[:j], s[j+1:]
		} else {
			s = ""
		}
		line = strings.TrimRight(line, "\r \t")
		t := strings.TrimLeft(line, " ")
		if len(line)-len(t) > 3 {
			prevText = t != ""
			continue
		}
		switch {
		case atxHeading(t):
			return true
		case strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~"):
			return true
		case tableDelimiter(t):
			return true
		case hasLink(t):
			return true
		case t != "" && prevText && strings.Trim(t, "=") == "" || prevText && len(t) >= 3 && strings.Trim(t, "-") == "":
			weak++
		case listMarker(t) > 0 || strings.HasPrefix(t, ">"):
			weak++
		}
		if weak >= 3 {
			return true
		}
		prevText = t != ""
	}
	return false
}

func atxHeading(t string) bool {
	n := 0
	for n < len(t) && t[n] == '#' {
		n++
	}
	return n >= 1 && n <= 6 && n < len(t) && (t[n] == ' ' || t[n] == '\t')
}

// tableDelimiter matches a GFM table delimiter row such as "|---|:--:|".
func tableDelimiter(t string) bool {
	if !strings.Contains(t, "-") || !strings.Contains(t, "|") && !strings.Contains(t, ":") {
		return false
	}
	cells := strings.Split(strings.Trim(t, "|"), "|")
	if len(cells) < 2 && !strings.HasPrefix(t, "|") {
		return false
	}
	for _, c := range cells {
		c = strings.Trim(strings.TrimSpace(c), ":")
		if len(c) < 1 || strings.Trim(c, "-") != "" {
			return false
		}
	}
	return true
}

// hasLink finds "[text](target)" with no space in target.
func hasLink(t string) bool {
	for {
		i := strings.Index(t, "](")
		if i < 0 {
			return false
		}
		if strings.LastIndexByte(t[:i], '[') >= 0 {
			rest := t[i+2:]
			if j := strings.IndexByte(rest, ')'); j > 0 && !strings.ContainsAny(rest[:j], " \t") {
				return true
			}
		}
		t = t[i+2:]
	}
}
