package ingest

import (
	"errors"
	"math"

	"github.com/ledongthuc/pdf"
)

// glyph is one shown character with its position in its reading frame:
// x grows along the text direction, y grows upward across lines.
type glyph struct {
	x, y   float64
	w      float64 // advance of the glyph itself (without Tc/Tw)
	size   float64 // font size in user space
	dir    uint8   // quarter turns of the text direction
	space  bool    // a space character: a word break, not a box
	marked bool    // text carries a combining mark folded in from an accent
	text   string
}

// pageStats says what a page drew besides text, for warnings.
type pageStats struct {
	images  int
	glyphs  int
	clipped bool // the glyph cap was hit
	// damagedForms counts form XObjects that could not be read.
	damagedForms int
}

type mat [6]float64 // a b c d e f

var identity = mat{1, 0, 0, 1, 0, 0}

// mul returns m × n (apply m first, then n).
func (m mat) mul(n mat) mat {
	return mat{
		m[0]*n[0] + m[1]*n[2], m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2], m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4], m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

type textState struct {
	ctm                 mat
	tc, tw, th, tl, tfs float64
	trise               float64
	font                *pdfFont
	fontName            string
}

// errAbort stops interpretation when the deadline passes.
var errAbort = errors.New("pdf: extraction aborted")

// maxGlyphsPerPage bounds memory on pages that draw absurd amounts of text.
const maxGlyphsPerPage = 400_000

// maxFormDepth bounds nested form XObjects (and loops among them);
// maxFormsPerPage bounds how many a page may draw in all (a form drawing
// itself many times would otherwise grow exponentially with depth).
const (
	maxFormDepth    = 8
	maxFormsPerPage = 10_000
)

type contentReader struct {
	fonts   *fontCache
	glyphs  []glyph
	stats   pageStats
	ops     int
	forms   int
	expired func() bool
}

// readPage interprets the page's content streams and collects glyphs. A
// panic from the library (damaged stream) propagates to the caller, which
// keeps the glyphs read up to then.
func (cr *contentReader) readPage(page pdf.Value) {
	cr.run(page.Key("Contents"), inherited(page, "Resources"), identity, 0)
}

// fallbackFont stands in when text is shown before any usable Tf: bytes
// as Latin-1, half an em wide.
var fallbackFont = func() *pdfFont {
	f := &pdfFont{scale: 0.001, dw: 0.5}
	for i := range f.simpleW {
		f.simpleW[i] = 0.5
		if i >= 0x20 {
			f.simple[i] = string(rune(i))
		}
	}
	return f
}()

func (cr *contentReader) run(strm, res pdf.Value, ctm mat, depth int) {
	if strm.Kind() != pdf.Stream && strm.Kind() != pdf.Array {
		return
	}
	g := textState{ctm: ctm, th: 1}
	var stack []textState
	var tm, tlm mat
	fontRes := res.Key("Font")
	var xres pdf.Value
	xobjs := map[string]pdf.Value{}

	show := func(raw string) {
		f := g.font
		if f == nil {
			f = fallbackFont
		}
		m := mat{g.tfs * g.th, 0, 0, g.tfs, 0, g.trise}.mul(tm).mul(g.ctm)
		tmc := tm.mul(g.ctm)
		scaleX := math.Hypot(tmc[0], tmc[1])
		size := math.Hypot(m[2], m[3])
		dir := quarterTurns(m[0], m[1])
		for len(raw) > 0 {
			code, n := f.space.next(raw)
			if n <= 0 {
				n = 1
			}
			raw = raw[n:]
			w0 := f.width(code)
			tx := w0*g.tfs + g.tc
			if n == 1 && code == 32 {
				tx += g.tw
			}
			tx *= g.th
			if len(cr.glyphs) < maxGlyphsPerPage {
				s := f.text(code)
				x, y := m[4], m[5]
				fx, fy := frame(dir, x, y)
				cr.glyphs = append(cr.glyphs, glyph{
					x: fx, y: fy, w: w0 * g.tfs * g.th * scaleX, size: size, dir: dir,
					space: s == " " || s == "\u00a0", text: s,
				})
			} else {
				cr.stats.clipped = true
			}
			cr.stats.glyphs++
			// Advance along the text line: Tm' = translate(tx,0) × Tm.
			tm[4] += tx * tm[0]
			tm[5] += tx * tm[1]
			m[4] += tx * tmc[0]
			m[5] += tx * tmc[1]
		}
	}

	pdf.Interpret(strm, func(stk *pdf.Stack, op string) {
		cr.ops++
		if cr.ops&1023 == 0 && cr.expired != nil && cr.expired() {
			panic(errAbort)
		}
		switch op {
		case "q":
			if len(stack) < 1024 {
				stack = append(stack, g)
			}
		case "Q":
			if n := len(stack); n > 0 {
				g = stack[n-1]
				stack = stack[:n-1]
			}
		case "cm":
			a := numbers(stk, 6)
			if a != nil {
				g.ctm = mat{a[0], a[1], a[2], a[3], a[4], a[5]}.mul(g.ctm)
			}
		case "BT":
			tm, tlm = identity, identity
		case "Tc":
			if a := numbers(stk, 1); a != nil {
				g.tc = a[0]
			}
		case "Tw":
			if a := numbers(stk, 1); a != nil {
				g.tw = a[0]
			}
		case "Tz":
			if a := numbers(stk, 1); a != nil {
				g.th = a[0] / 100
			}
		case "TL":
			if a := numbers(stk, 1); a != nil {
				g.tl = a[0]
			}
		case "Ts":
			if a := numbers(stk, 1); a != nil {
				g.trise = a[0]
			}
		case "Tf":
			size := stk.Pop()
			name := stk.Pop().Name()
			g.tfs = size.Float64()
			if name != g.fontName || g.font == nil {
				g.fontName = name
				g.font = cr.fonts.lookup(fontRes, name)
			}
		case "Td", "TD":
			a := numbers(stk, 2)
			if a == nil {
				break
			}
			if op == "TD" {
				g.tl = -a[1]
			}
			tlm = mat{1, 0, 0, 1, a[0], a[1]}.mul(tlm)
			tm = tlm
		case "Tm":
			if a := numbers(stk, 6); a != nil {
				tm = mat{a[0], a[1], a[2], a[3], a[4], a[5]}
				tlm = tm
			}
		case "T*":
			tlm = mat{1, 0, 0, 1, 0, -g.tl}.mul(tlm)
			tm = tlm
		case "Tj":
			show(stk.Pop().RawString())
		case "'":
			s := stk.Pop().RawString()
			tlm = mat{1, 0, 0, 1, 0, -g.tl}.mul(tlm)
			tm = tlm
			show(s)
		case "\"":
			s := stk.Pop().RawString()
			if a := numbers(stk, 2); a != nil {
				g.tw, g.tc = a[0], a[1]
			}
			tlm = mat{1, 0, 0, 1, 0, -g.tl}.mul(tlm)
			tm = tlm
			show(s)
		case "TJ":
			arr := stk.Pop()
			for i := 0; i < arr.Len(); i++ {
				x := arr.Index(i)
				switch x.Kind() {
				case pdf.String:
					show(x.RawString())
				case pdf.Integer, pdf.Real:
					tx := -x.Float64() / 1000 * g.tfs * g.th
					tm[4] += tx * tm[0]
					tm[5] += tx * tm[1]
				}
			}
		case "Do":
			name := stk.Pop().Name()
			xo, ok := xobjs[name]
			if !ok {
				if xres.IsNull() {
					xres = res.Key("XObject")
				}
				xo = xres.Key(name)
				xobjs[name] = xo
			}
			switch xo.Key("Subtype").Name() {
			case "Image":
				cr.stats.images++
			case "Form":
				if depth >= maxFormDepth || cr.forms >= maxFormsPerPage {
					break
				}
				cr.forms++
				fm := identity
				if a := xo.Key("Matrix"); a.Len() == 6 {
					for i := range fm {
						fm[i] = a.Index(i).Float64()
					}
				}
				fres := xo.Key("Resources")
				if fres.Kind() != pdf.Dict {
					fres = res
				}
				cr.runForm(xo, fres, fm.mul(g.ctm), depth+1)
			}
		case "BI", "ID", "EI":
			if op == "EI" {
				cr.stats.images++
			}
		}
		// Operands of operators not handled above are dropped.
		for stk.Len() > 0 {
			stk.Pop()
		}
	})
}

// runForm interprets a form XObject; a damaged form (often an embedded
// figure) is skipped without losing the rest of the page.
func (cr *contentReader) runForm(xo, res pdf.Value, ctm mat, depth int) {
	defer func() {
		if x := recover(); x != nil {
			if e, ok := x.(error); ok && errors.Is(e, errAbort) {
				panic(x)
			}
			cr.stats.damagedForms++
		}
	}()
	cr.run(xo, res, ctm, depth)
}

// numbers pops n numeric operands (in order), or nil when they are not numbers.
func numbers(stk *pdf.Stack, n int) []float64 {
	if stk.Len() < n {
		return nil
	}
	out := make([]float64, n)
	ok := true
	for i := n - 1; i >= 0; i-- {
		v := stk.Pop()
		if k := v.Kind(); k != pdf.Integer && k != pdf.Real {
			ok = false
		}
		out[i] = v.Float64()
	}
	if !ok {
		return nil
	}
	for _, x := range out {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
	}
	return out
}

// quarterTurns classifies a text direction vector into 0..3 quarter turns.
func quarterTurns(a, b float64) uint8 {
	if math.Abs(a) >= math.Abs(b) {
		if a >= 0 {
			return 0
		}
		return 2
	}
	if b > 0 {
		return 1
	}
	return 3
}

// frame rotates page coordinates into the reading frame of a direction.
func frame(dir uint8, x, y float64) (float64, float64) {
	switch dir {
	case 1:
		return y, -x
	case 2:
		return -x, -y
	case 3:
		return -y, x
	}
	return x, y
}

// inherited looks a page attribute up the page tree (bounded depth).
func inherited(page pdf.Value, key string) pdf.Value {
	v := page
	for i := 0; i < 64 && !v.IsNull(); i++ {
		if r := v.Key(key); !r.IsNull() {
			return r
		}
		v = v.Key("Parent")
	}
	return pdf.Value{}
}
