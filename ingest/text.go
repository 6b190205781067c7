package ingest

import "strings"

// extractText builds an Extraction from decoded plain text: one section
// with no heading, paragraphs separated by blank lines.
func extractText(src string) *Extracted {
	t := normalize(src, false)
	ex := &Extracted{
		Type:     TypeText,
		Text:     t,
		Sections: []Section{{HeadingPath: []string{}, Text: t}},
		paths:    [][]string{{}},
	}
	ex.blocks = paragraphBlocks(t, 0, len(t), 0, 0, nil)
	return ex
}

// paragraphBlocks appends to dst the blank-line separated paragraphs of
// s[start:end], each trimmed of surrounding white space.
func paragraphBlocks(s string, start, end, page, section int, dst []textBlock) []textBlock {
	for start < end {
		for start < end && isSpaceByte(s[start]) {
			start++
		}
		if start == end {
			break
		}
		stop := end
		if j := strings.Index(s[start:end], "\n\n"); j >= 0 {
			stop = start + j
		}
		e := stop
		for e > start && isSpaceByte(s[e-1]) {
			e--
		}
		if e > start {
			dst = append(dst, textBlock{start: start, end: e, page: page, section: section, kind: kindPara})
		}
		start = stop
	}
	return dst
}
