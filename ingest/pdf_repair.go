package ingest

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

var (
	rootRefRE = regexp.MustCompile(`/Root\s*(\d+)\s+(\d+)\s+R`)
	catalogRE = regexp.MustCompile(`/Type\s*/Catalog\b`)
)

// rebuildXref makes a damaged PDF readable the way viewers do: it finds
// every "n g obj" in the bytes (and the objects packed in object streams),
// writes a fresh cross-reference stream after them, and points startxref
// there. Files cut short keep the objects before the cut; files whose
// table points to the wrong offsets (edited by careless tools) are read
// whole. ok is false when no catalog was found or the file is encrypted
// (its keys live in the trailer that was lost).
func rebuildXref(data []byte) (fixed []byte, ok bool) {
	if bytes.Contains(data, []byte("/Encrypt")) {
		return nil, false
	}
	type entry struct {
		typ     byte // 1: at an offset, 2: in an object stream
		a, b    int  // offset and generation, or stream number and index
		catalog bool
	}
	entries := map[int]entry{}
	var streams []int
	for _, d := range objectDefs(data) {
		num, gen := d.num, d.gen
		if num <= 0 || num >= maxPDFObjects || gen > 65535 {
			continue
		}
		head := data[d.end:min(d.end+512, len(data))]
		if end := bytes.Index(head, []byte("endobj")); end >= 0 {
			head = head[:end]
		}
		// Later definitions win, as in incremental updates.
		entries[num] = entry{typ: 1, a: d.start, b: gen, catalog: catalogRE.Match(head)}
		if objStmRE.Match(head) {
			streams = append(streams, num)
		}
	}
	budget := maxRepairInflate
	for _, sn := range streams {
		e := entries[sn]
		members, text, used := objectStreamMembers(data[e.a:], budget)
		if budget -= used; budget <= 0 {
			break
		}
		for i, num := range members {
			if num <= 0 || num >= maxPDFObjects {
				continue
			}
			if old, found := entries[num]; found && old.typ == 1 {
				continue // a direct definition (often a later update) wins
			}
			entries[num] = entry{typ: 2, a: sn, b: i, catalog: i < len(text) && catalogRE.Match(text[i])}
		}
	}
	if len(entries) == 0 {
		return nil, false
	}
	root := -1
	if ms := rootRefRE.FindAllSubmatch(data, -1); len(ms) > 0 {
		if n, err := strconv.Atoi(string(ms[len(ms)-1][1])); err == nil {
			if _, found := entries[n]; found {
				root = n
			}
		}
	}
	if root < 0 {
		nums := make([]int, 0, len(entries))
		for n := range entries {
			nums = append(nums, n)
		}
		sort.Ints(nums)
		for _, n := range nums {
			if entries[n].catalog {
				root = n
				break
			}
		}
	}
	if root < 0 {
		return nil, false
	}
	size := 0
	for n := range entries {
		size = max(size, n+1)
	}
	// The new cross-reference stream is object number size.
	var rows bytes.Buffer
	rows.Grow(7 * (size + 1))
	for n := 0; n <= size; n++ {
		e, found := entries[n]
		switch {
		case n == size:
			e = entry{typ: 1, a: len(data) + 1}
		case !found:
			e = entry{typ: 0, b: 65535}
		}
		rows.Write([]byte{e.typ, byte(e.a >> 24), byte(e.a >> 16), byte(e.a >> 8), byte(e.a), byte(e.b >> 8), byte(e.b)})
	}
	var b bytes.Buffer
	b.Grow(len(data) + rows.Len() + 200)
	b.Write(data)
	b.WriteString("\n")
	fmt.Fprintf(&b, "%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root %d %d R /Length %d >>\nstream\n",
		size, size+1, root, rootGen(entries[root].typ, entries[root].b), rows.Len())
	b.Write(rows.Bytes())
	fmt.Fprintf(&b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", len(data)+1)
	return b.Bytes(), true
}

func rootGen(typ byte, gen int) int {
	if typ == 2 {
		return 0
	}
	return gen
}

type objectDef struct {
	num, gen   int
	start, end int // offset of the object number; just after "obj"
}

// objectDefs finds every "num gen obj" in data, scanning for "obj" and
// reading the two numbers before it (far faster than a regular expression
// on large files).
func objectDefs(data []byte) []objectDef {
	var out []objectDef
	for pos := 0; ; {
		i := bytes.Index(data[pos:], []byte("obj"))
		if i < 0 {
			return out
		}
		at := pos + i
		pos = at + 3
		if pos < len(data) && !isPDFDelim(data[pos]) {
			continue // "objstm" or a longer word
		}
		j := at
		gen, j, ok1 := numberBefore(data, j)
		num, j, ok2 := numberBefore(data, j)
		if !ok1 || !ok2 || (j > 0 && !isPDFDelim(data[j-1])) {
			continue
		}
		out = append(out, objectDef{num: num, gen: gen, start: j, end: pos})
	}
}

// numberBefore reads the decimal number that ends (after white space)
// just before data[j]; it returns the number and where it starts.
func numberBefore(data []byte, j int) (n, start int, ok bool) {
	k := j
	for k > 0 && isPDFSpace(data[k-1]) {
		k--
	}
	if k == j {
		return 0, j, false
	}
	end := k
	for k > 0 && data[k-1] >= '0' && data[k-1] <= '9' && end-k < 10 {
		k--
	}
	if k == end {
		return 0, j, false
	}
	n, err := strconv.Atoi(string(data[k:end]))
	return n, k, err == nil
}

func isPDFSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isPDFDelim(c byte) bool {
	return isPDFSpace(c) || strings.IndexByte("()<>[]{}/%", c) >= 0
}

// maxRepairInflate bounds the bytes inflated from object streams while
// rebuilding a table, whatever the file claims.
const maxRepairInflate = 256 << 20

var objStmRE = regexp.MustCompile(`/Type\s*/ObjStm\b`)

// objectStreamMembers inflates an object stream found at obj (the bytes
// from its "n g obj") and returns the object numbers it holds, in order,
// with the start of each object's text (for spotting the catalog).
func objectStreamMembers(obj []byte, budget int) (nums []int, texts [][]byte, used int) {
	i := bytes.Index(obj, []byte("stream"))
	if i < 0 || i > 4096 {
		return nil, nil, 0
	}
	dict := obj[:i]
	if !bytes.Contains(dict, []byte("/FlateDecode")) || bytes.Contains(dict, []byte("/DecodeParms")) {
		return nil, nil, 0
	}
	body := obj[i+len("stream"):]
	body = bytes.TrimLeft(body, "\r")
	body = bytes.TrimPrefix(body, []byte("\n"))
	if end := bytes.Index(body, []byte("endstream")); end >= 0 {
		body = body[:end]
	}
	zr, err := zlib.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil, nil, 0
	}
	// Read what inflates (a cut stream still yields its start), capped.
	raw, _ := io.ReadAll(io.LimitReader(zr, int64(budget)))
	used = len(raw)
	first := 0
	if m := firstRE.FindSubmatch(dict); m != nil {
		first, _ = strconv.Atoi(string(m[1]))
	}
	n := 0
	if m := countRE.FindSubmatch(dict); m != nil {
		n, _ = strconv.Atoi(string(m[1]))
	}
	if first <= 0 || first > len(raw) || n <= 0 {
		return nil, nil, used
	}
	fs := bytes.Fields(raw[:first])
	var offs []int
	for j := 0; j+1 < len(fs) && len(nums) < n; j += 2 {
		num, err1 := strconv.Atoi(string(fs[j]))
		off, err2 := strconv.Atoi(string(fs[j+1]))
		if err1 != nil || err2 != nil {
			break
		}
		nums = append(nums, num)
		offs = append(offs, first+off)
	}
	for j, off := range offs {
		end := len(raw)
		if j+1 < len(offs) {
			end = offs[j+1]
		}
		if off > end || end > len(raw) {
			texts = append(texts, nil)
			continue
		}
		texts = append(texts, raw[off:min(end, off+512)])
	}
	return nums, texts, used
}

var (
	firstRE = regexp.MustCompile(`/First\s+(\d+)`)
	countRE = regexp.MustCompile(`/N\s+(\d+)`)
)
