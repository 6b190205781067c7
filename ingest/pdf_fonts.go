package ingest

import (
	"strconv"
	"strings"
	"sync"

	"github.com/ledongthuc/pdf"
	"golang.org/x/text/encoding/charmap"
)

// pdfFont turns the raw bytes of a text-showing operator into glyphs: how
// many bytes make one code, what text a code stands for, and how far the
// pen moves after it. The library's own decoder cannot do this per glyph
// for multi-byte (CID) fonts and ignores /W widths, which is why words came
// out broken into letters; so the mapping is rebuilt here.
type pdfFont struct {
	cid       bool
	space     codespace
	toUnicode map[uint32]string
	ranges    []uniRange  // ToUnicode bfranges too large to expand
	simple    [256]string // simple fonts: code -> text (after ToUnicode)
	simpleW   [256]float64
	codeToCID map[uint32]uint32 // embedded CMap code -> CID (nil: identity)
	cidW      map[uint32]float64
	cidWR     []widthRange
	dw        float64 // default CID width, in text space units at size 1
	ucs2      bool    // predefined UCS-2 CMap: the code is the code point
	scale     float64 // glyph space -> text space (1/1000, or Type 3 FontMatrix)
}

type uniRange struct {
	lo, hi uint32
	base   []rune
}

type widthRange struct {
	lo, hi uint32
	w      float64
}

type codespace []codeRange

type codeRange struct {
	n      int
	lo, hi uint32
}

// next splits one code off raw and returns it with its byte length.
func (cs codespace) next(raw string) (code uint32, n int) {
	if len(cs) == 0 {
		return uint32(raw[0]), 1
	}
	for l := 1; l <= 4 && l <= len(raw); l++ {
		var c uint32
		for i := 0; i < l; i++ {
			c = c<<8 | uint32(raw[i])
		}
		for _, r := range cs {
			if r.n == l && c >= r.lo && c <= r.hi {
				return c, l
			}
		}
	}
	// No range matched: take the shortest length the font uses.
	l := 4
	for _, r := range cs {
		if r.n < l {
			l = r.n
		}
	}
	if l > len(raw) {
		l = len(raw)
	}
	var c uint32
	for i := 0; i < l; i++ {
		c = c<<8 | uint32(raw[i])
	}
	return c, l
}

// text returns the text of one code; "" when the font maps it to nothing.
func (f *pdfFont) text(code uint32) string {
	if !f.cid {
		return f.simple[code&0xff]
	}
	if s, ok := f.toUnicode[code]; ok {
		return s
	}
	if s, ok := rangeText(f.ranges, code); ok {
		return s
	}
	if f.ucs2 && code > 0 {
		return string(rune(code))
	}
	return "\uFFFD"
}

// width returns the glyph's advance in text space units for font size 1.
func (f *pdfFont) width(code uint32) float64 {
	if !f.cid {
		return f.simpleW[code&0xff]
	}
	cid := code
	if f.codeToCID != nil {
		if c, ok := f.codeToCID[code]; ok {
			cid = c
		}
	}
	if w, ok := f.cidW[cid]; ok {
		return w
	}
	for _, r := range f.cidWR {
		if cid >= r.lo && cid <= r.hi {
			return r.w
		}
	}
	return f.dw
}

func rangeText(rs []uniRange, code uint32) (string, bool) {
	for _, r := range rs {
		if code >= r.lo && code <= r.hi {
			if len(r.base) == 0 {
				return "", true
			}
			out := append([]rune(nil), r.base...)
			out[len(out)-1] += rune(code - r.lo)
			return expandLigature(stripNUL(string(out))), true
		}
	}
	return "", false
}

// fontCache shares parsed fonts between pages: parsing a ToUnicode CMap
// costs far more than laying out a page.
type fontCache struct {
	mu     sync.Mutex
	fonts  map[objKey]*pdfFont
	byName map[objKey]*pdfFont // (font resource dict, name) -> font
}

// lookup resolves a font by resource name. Resolving an object is costly
// in the library (objects in object streams are re-inflated on every
// access), so the answer is cached per resource dictionary and name.
func (c *fontCache) lookup(fontRes pdf.Value, name string) *pdfFont {
	rk, ok := refKey(fontRes, name)
	if !ok {
		rk, ok = objectKey(fontRes)
		rk.name = name
	}
	if ok {
		c.mu.Lock()
		f := c.byName[rk]
		c.mu.Unlock()
		if f != nil {
			return f
		}
	}
	f := c.get(name, fontRes.Key(name))
	if ok {
		c.mu.Lock()
		if c.byName == nil {
			c.byName = map[objKey]*pdfFont{}
		}
		c.byName[rk] = f
		c.mu.Unlock()
	}
	return f
}

func (c *fontCache) get(name string, v pdf.Value) *pdfFont {
	key, ok := objectKey(v)
	key.name = name
	if ok {
		c.mu.Lock()
		f := c.fonts[key]
		c.mu.Unlock()
		if f != nil {
			return f
		}
	}
	f := loadFont(v)
	if ok {
		c.mu.Lock()
		if c.fonts == nil {
			c.fonts = map[objKey]*pdfFont{}
		}
		c.fonts[key] = f
		c.mu.Unlock()
	}
	return f
}

func loadFont(v pdf.Value) *pdfFont {
	f := &pdfFont{scale: 0.001, dw: 1}
	switch v.Key("Subtype").Name() {
	case "Type0":
		f.loadCID(v)
	default:
		f.loadSimple(v)
	}
	return f
}

func (f *pdfFont) loadCID(v pdf.Value) {
	f.cid = true
	desc := v.Key("DescendantFonts").Index(0)
	enc := v.Key("Encoding")
	switch enc.Kind() {
	case pdf.Name:
		name := enc.Name()
		f.ucs2 = strings.Contains(name, "UCS2") || strings.Contains(name, "UTF16")
		f.space = codespace{{n: 2, lo: 0, hi: 0xffff}}
	case pdf.Stream:
		cm := parseCMap(enc, v)
		f.space = cm.space
		if len(cm.cids) > 0 || len(cm.cidRanges) > 0 {
			f.codeToCID = cm.cids
			for _, r := range cm.cidRanges {
				if r.hi-r.lo > 1<<16 {
					continue
				}
				for i := uint32(0); i <= r.hi-r.lo && len(f.codeToCID) < maxCMapEntries; i++ {
					f.codeToCID[r.lo+i] = r.base + i
				}
			}
		}
	}
	if len(f.space) == 0 {
		f.space = codespace{{n: 2, lo: 0, hi: 0xffff}}
	}
	if tu := v.Key("ToUnicode"); tu.Kind() == pdf.Stream {
		cm := parseCMap(tu, v)
		f.toUnicode, f.ranges = cm.uni, cm.uniRanges
	}
	f.dw = 1
	if dw := desc.Key("DW"); dw.Kind() == pdf.Integer || dw.Kind() == pdf.Real {
		f.dw = dw.Float64() / 1000
	}
	w := desc.Key("W")
	f.cidW = map[uint32]float64{}
	for i := 0; i < w.Len(); {
		first := w.Index(i)
		next := w.Index(i + 1)
		if next.Kind() == pdf.Array {
			c := uint32(first.Int64())
			for j := 0; j < next.Len() && len(f.cidW) < maxCMapEntries; j++ {
				f.cidW[c+uint32(j)] = next.Index(j).Float64() / 1000
			}
			i += 2
			continue
		}
		if i+2 >= w.Len() {
			break
		}
		lo, hi := uint32(first.Int64()), uint32(next.Int64())
		if hi >= lo {
			f.cidWR = append(f.cidWR, widthRange{lo, hi, w.Index(i+2).Float64() / 1000})
		}
		i += 3
	}
}

func (f *pdfFont) loadSimple(v pdf.Value) {
	base := v.Key("BaseFont").Name()
	if i := strings.IndexByte(base, '+'); i == 6 {
		base = base[i+1:]
	}
	sub := v.Key("Subtype").Name()
	desc := v.Key("FontDescriptor")
	symbolic := desc.Key("Flags").Int64()&4 != 0

	// Base encoding: the font program's own for embedded Type 1 fonts,
	// StandardEncoding for non-symbolic Latin fonts, WinAnsi otherwise.
	var names [256]string
	var runes [256]rune
	haveRunes := false
	enc := v.Key("Encoding")
	baseName := enc.Name()
	if enc.Kind() == pdf.Dict {
		baseName = enc.Key("BaseEncoding").Name()
	}
	switch baseName {
	case "WinAnsiEncoding":
		runes, haveRunes = tableRunes(charmap.Windows1252), true
	case "MacRomanEncoding":
		runes, haveRunes = tableRunes(charmap.Macintosh), true
	case "StandardEncoding":
		names = standardEncoding
	default:
		switch {
		case sub == "Type1" && desc.Key("FontFile").Kind() == pdf.Stream:
			if builtin, ok := type1Encoding(desc.Key("FontFile")); ok {
				names = builtin
			} else {
				names = standardEncoding
			}
		case sub == "TrueType" || symbolic:
			runes, haveRunes = tableRunes(charmap.Windows1252), true
		default:
			names = standardEncoding
		}
	}
	for c := 0; c < 256; c++ {
		switch {
		case haveRunes && runes[c] != 0 && runes[c] != '\uFFFD':
			f.simple[c] = string(runes[c])
		case names[c] != "":
			f.simple[c] = glyphText(names[c])
		}
	}
	if d := enc.Key("Differences"); d.Kind() == pdf.Array {
		code := -1
		for i := 0; i < d.Len(); i++ {
			x := d.Index(i)
			switch x.Kind() {
			case pdf.Integer:
				code = int(x.Int64())
			case pdf.Name:
				if code >= 0 && code < 256 {
					f.simple[code] = glyphText(x.Name())
				}
				code++
			}
		}
	}
	if d := enc.Key("Differences"); d.Kind() == pdf.Array && sub == "Type3" {
		texLowSlots(&f.simple, d)
	}
	if tu := v.Key("ToUnicode"); tu.Kind() == pdf.Stream {
		cm := parseCMap(tu, v)
		for c := 0; c < 256; c++ {
			if s, ok := cm.uni[uint32(c)]; ok {
				f.simple[c] = s
			} else if s, ok := rangeText(cm.uniRanges, uint32(c)); ok {
				f.simple[c] = s
			}
		}
	}
	for c := range f.simple {
		f.simple[c] = expandLigature(f.simple[c])
	}

	// Widths: /Widths (scaled by FontMatrix for Type 3), else the
	// standard-14 metrics, else half an em.
	if sub == "Type3" {
		if m := v.Key("FontMatrix"); m.Len() == 6 {
			f.scale = m.Index(0).Float64()
		}
	}
	missing := desc.Key("MissingWidth").Float64() * f.scale
	first := int(v.Key("FirstChar").Int64())
	ws := v.Key("Widths")
	std := std14Widths(base)
	for c := 0; c < 256; c++ {
		w := -1.0
		if i := c - first; ws.Kind() == pdf.Array && i >= 0 && i < ws.Len() {
			w = ws.Index(i).Float64() * f.scale
		} else if std != nil {
			if r := []rune(f.simple[c]); len(r) == 1 {
				if sw, ok := std[r[0]]; ok {
					w = sw / 1000
				}
			}
		} else if isCourier(base) {
			w = 0.6
		}
		if w < 0 {
			w = missing
		}
		if w <= 0 && ws.Kind() != pdf.Array {
			w = 0.5
		}
		f.simpleW[c] = w
	}
}

var (
	std14Once  sync.Once
	std14Table map[string]map[rune]float64
)

// std14Widths returns the AFM widths (per 1000 em) of a standard-14 font or
// a common metric-compatible alias, or nil.
func std14Widths(base string) map[rune]float64 {
	std14Once.Do(func() {
		std14Table = map[string]map[rune]float64{}
		for font, pairs := range std14AFM {
			m := map[rune]float64{}
			fs := strings.Fields(pairs)
			for i := 0; i+1 < len(fs); i += 2 {
				r, err1 := strconv.ParseUint(fs[i], 16, 32)
				w, err2 := strconv.Atoi(fs[i+1])
				if err1 == nil && err2 == nil {
					m[rune(r)] = float64(w)
				}
			}
			std14Table[font] = m
		}
	})
	name := strings.ReplaceAll(base, " ", "")
	bold := strings.Contains(name, "Bold")
	italic := strings.Contains(name, "Italic") || strings.Contains(name, "Oblique")
	switch {
	case strings.HasPrefix(name, "Helvetica"), strings.HasPrefix(name, "Arial"):
		if bold {
			return std14Table["Helvetica-Bold"]
		}
		return std14Table["Helvetica"]
	case strings.HasPrefix(name, "Times"):
		switch {
		case bold && italic:
			return std14Table["Times-BoldItalic"]
		case bold:
			return std14Table["Times-Bold"]
		case italic:
			return std14Table["Times-Italic"]
		}
		return std14Table["Times-Roman"]
	}
	return nil
}

func isCourier(base string) bool {
	return strings.HasPrefix(base, "Courier")
}
