package ingest

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/ledongthuc/pdf"
	"golang.org/x/text/encoding/charmap"
)

// TeX's 7-bit (OT1) and 8-bit (T1) font encodings below code 32; bitmap
// fonts from TeX name their glyphs only by code ("a28"), so which one a
// font uses is guessed from the slots it fills: OT1 keeps its ligatures
// in 11-15, T1 in 27-31.
var (
	texOT1Low = map[int]string{0: "Γ", 1: "Δ", 2: "Θ", 3: "Λ", 4: "Ξ", 5: "Π", 6: "Σ", 7: "Υ", 8: "Φ", 9: "Ψ", 10: "Ω",
		11: "ff", 12: "fi", 13: "fl", 14: "ffi", 15: "ffl", 16: "ı", 25: "ß", 26: "æ", 27: "œ", 28: "ø", 29: "Æ", 30: "Œ", 31: "Ø"}
	texT1Low = map[int]string{13: "‚", 14: "‹", 15: "›", 16: "“", 17: "”", 18: "„", 19: "«", 20: "»", 21: "–", 22: "—",
		25: "ı", 27: "ff", 28: "fi", 29: "fl", 30: "ffi", 31: "ffl"}
)

func texLowSlots(simple *[256]string, diff pdf.Value) {
	var low []int
	code := -1
	for i := 0; i < diff.Len(); i++ {
		x := diff.Index(i)
		switch x.Kind() {
		case pdf.Integer:
			code = int(x.Int64())
		case pdf.Name:
			if code >= 0 && code < 32 && simple[code] == "" && numericGlyphName(x.Name()) == code {
				low = append(low, code)
			}
			code++
		}
	}
	table := texT1Low
	for _, c := range low {
		if c >= 11 && c <= 15 {
			table = texOT1Low
			break
		}
	}
	for _, c := range low {
		simple[c] = table[c]
	}
}

// numericGlyphName returns N for names like "a65" or "g12", else -1.
func numericGlyphName(name string) int {
	i := strings.IndexAny(name, "0123456789")
	if i < 1 || i > 2 || len(name)-i > 3 {
		return -1
	}
	n, err := strconv.Atoi(name[i:])
	if err != nil {
		return -1
	}
	return n
}

func tableRunes(cm *charmap.Charmap) [256]rune {
	var out [256]rune
	for c := 0; c < 256; c++ {
		out[c] = cm.DecodeByte(byte(c))
	}
	// PDF's WinAnsi and MacRoman put ordinary ASCII in the low half.
	for c := 0; c < 0x20; c++ {
		out[c] = 0
	}
	return out
}

// type1Encoding reads the built-in encoding from the clear-text part of a
// Type 1 font program ("dup 65 /A put"). TeX fonts rely on it.
func type1Encoding(ff pdf.Value) (names [256]string, ok bool) {
	n := ff.Key("Length1").Int64()
	if n <= 0 || n > 1<<20 {
		n = 1 << 16
	}
	rd := ff.Reader()
	buf, err := io.ReadAll(io.LimitReader(rd, n))
	rd.Close()
	if err != nil && len(buf) == 0 {
		return names, false
	}
	if i := bytes.Index(buf, []byte("eexec")); i >= 0 {
		buf = buf[:i]
	}
	i := bytes.Index(buf, []byte("/Encoding"))
	if i < 0 {
		return names, false
	}
	rest := buf[i+len("/Encoding"):]
	if bytes.HasPrefix(bytes.TrimSpace(rest), []byte("StandardEncoding")) {
		return standardEncoding, true
	}
	fields := bytes.Fields(rest)
	for j := 0; j+3 < len(fields); j++ {
		if string(fields[j]) == "def" {
			break
		}
		if string(fields[j]) != "dup" || string(fields[j+3]) != "put" {
			continue
		}
		code, err := strconv.Atoi(string(fields[j+1]))
		nm := fields[j+2]
		if err != nil || code < 0 || code > 255 || len(nm) < 2 || nm[0] != '/' {
			continue
		}
		names[code] = string(nm[1:])
		ok = true
	}
	return names, ok
}

var (
	glyphNamesOnce sync.Once
	glyphNames     map[string]rune
)

// glyphText maps a glyph name to text: the Adobe Glyph List, then the
// uniXXXX / uXXXX[XX] conventions, then names like "f_i" for ligatures.
func glyphText(name string) string {
	glyphNamesOnce.Do(func() {
		glyphNames = make(map[string]rune, 4300)
		for _, line := range strings.Split(glyphNameList, "\n") {
			n, h, ok := strings.Cut(line, " ")
			if !ok {
				continue
			}
			r, err := strconv.ParseUint(h, 16, 32)
			if err == nil {
				glyphNames[n] = rune(r)
			}
		}
	})
	if r, ok := glyphNames[name]; ok {
		return string(r)
	}
	if i := strings.IndexByte(name, '.'); i > 0 {
		return glyphText(name[:i])
	}
	if strings.Contains(name, "_") {
		var b strings.Builder
		for _, part := range strings.Split(name, "_") {
			b.WriteString(glyphText(part))
		}
		return b.String()
	}
	if len(name) == 7 && strings.HasPrefix(name, "uni") {
		if r, err := strconv.ParseUint(name[3:], 16, 32); err == nil {
			return string(rune(r))
		}
	}
	if len(name) >= 5 && len(name) <= 7 && name[0] == 'u' {
		if r, err := strconv.ParseUint(name[1:], 16, 32); err == nil && r <= 0x10ffff {
			return string(rune(r))
		}
	}
	// Bitmap (Type 3) fonts from TeX name glyphs by code: "a65", "g65".
	if n := numericGlyphName(name); n >= 32 && n < 127 {
		return string(rune(n))
	}
	return ""
}

// expandLigature spells out Latin ligatures so that "ﬁnd" is the word "find".
func expandLigature(s string) string {
	switch s {
	case "\uFB00":
		return "ff"
	case "\uFB01":
		return "fi"
	case "\uFB02":
		return "fl"
	case "\uFB03":
		return "ffi"
	case "\uFB04":
		return "ffl"
	case "\uFB05", "\uFB06":
		return "st"
	}
	return s
}
