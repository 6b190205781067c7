package ingest

import (
	"strings"
	"unicode/utf16"

	"github.com/ledongthuc/pdf"
)

// cmapData is what a CMap stream says: code space, code -> Unicode text,
// code -> CID.
type cmapData struct {
	space     codespace
	uni       map[uint32]string
	uniRanges []uniRange
	cids      map[uint32]uint32
	cidRanges []cidRange
}

type cidRange struct{ lo, hi, base uint32 }

// maxCMapEntries bounds how many codes one CMap may expand to.
const maxCMapEntries = 1 << 17

// parseCMap reads a CMap stream. scratch is any dictionary: the CMap
// preamble ("/CIDInit /ProcSet findresource begin") needs one to begin.
func parseCMap(s, scratch pdf.Value) (cm cmapData) {
	cm.uni = map[uint32]string{}
	cm.cids = map[uint32]uint32{}
	defer func() {
		// A damaged CMap keeps what was read before the damage.
		_ = recover()
	}()
	pdf.Interpret(s, func(stk *pdf.Stack, op string) {
		switch op {
		case "endcodespacerange":
			args := popAll(stk)
			for i := 0; i+1 < len(args); i += 2 {
				lo, hi := args[i].RawString(), args[i+1].RawString()
				if len(lo) == 0 || len(lo) != len(hi) || len(lo) > 4 {
					continue
				}
				cm.space = append(cm.space, codeRange{len(lo), codeOf(lo), codeOf(hi)})
			}
		case "endbfchar":
			args := popAll(stk)
			for i := 0; i+1 < len(args) && len(cm.uni) < maxCMapEntries; i += 2 {
				cm.uni[codeOf(args[i].RawString())] = expandLigature(utf16Text(args[i+1]))
			}
		case "endbfrange":
			args := popAll(stk)
			for i := 0; i+2 < len(args); i += 3 {
				lo, hi := codeOf(args[i].RawString()), codeOf(args[i+1].RawString())
				dst := args[i+2]
				if hi < lo {
					continue
				}
				if dst.Kind() == pdf.Array {
					for j := 0; j < dst.Len() && uint32(j) <= hi-lo && len(cm.uni) < maxCMapEntries; j++ {
						cm.uni[lo+uint32(j)] = expandLigature(utf16Text(dst.Index(j)))
					}
					continue
				}
				base := utf16Runes(dst)
				if hi-lo > 4096 || len(cm.uni) >= maxCMapEntries {
					cm.uniRanges = append(cm.uniRanges, uniRange{lo, hi, base})
					continue
				}
				for i := uint32(0); i <= hi-lo; i++ {
					if len(base) == 0 {
						cm.uni[lo+i] = ""
						continue
					}
					out := append([]rune(nil), base...)
					out[len(out)-1] += rune(i)
					cm.uni[lo+i] = expandLigature(stripNUL(string(out)))
				}
			}
		case "endcidchar":
			args := popAll(stk)
			for i := 0; i+1 < len(args) && len(cm.cids) < maxCMapEntries; i += 2 {
				cm.cids[codeOf(args[i].RawString())] = uint32(args[i+1].Int64())
			}
		case "endcidrange":
			args := popAll(stk)
			for i := 0; i+2 < len(args); i += 3 {
				lo, hi := codeOf(args[i].RawString()), codeOf(args[i+1].RawString())
				if hi >= lo {
					cm.cidRanges = append(cm.cidRanges, cidRange{lo, hi, uint32(args[i+2].Int64())})
				}
			}
		case "begincodespacerange", "beginbfchar", "beginbfrange", "begincidchar", "begincidrange":
			popAll(stk)
		case "findresource":
			stk.Pop()
			stk.Pop()
			stk.Push(scratch)
		case "defineresource":
			stk.Pop()
			v := stk.Pop()
			stk.Pop()
			stk.Push(v)
		}
	})
	return cm
}

func popAll(stk *pdf.Stack) []pdf.Value {
	n := stk.Len()
	out := make([]pdf.Value, n)
	for i := n - 1; i >= 0; i-- {
		out[i] = stk.Pop()
	}
	return out
}

func codeOf(s string) uint32 {
	var c uint32
	for i := 0; i < len(s) && i < 4; i++ {
		c = c<<8 | uint32(s[i])
	}
	return c
}

// utf16Text decodes a CMap destination string (UTF-16BE), or a glyph name.
func utf16Text(v pdf.Value) string {
	return stripNUL(string(utf16Runes(v)))
}

// utf16Runes decodes a CMap destination keeping NULs: a bfrange starting at
// <0000> counts up from them.
func utf16Runes(v pdf.Value) []rune {
	if v.Kind() == pdf.Name {
		return []rune(glyphText(v.Name()))
	}
	s := v.RawString()
	if len(s) == 1 {
		return []rune{rune(s[0])}
	}
	u := make([]uint16, 0, len(s)/2)
	for i := 0; i+1 < len(s); i += 2 {
		u = append(u, uint16(s[i])<<8|uint16(s[i+1]))
	}
	return utf16.Decode(u)
}

func stripNUL(s string) string {
	if strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(s, "\x00", "")
}
