// Package ingest turns uploaded bytes into chunks: it sniffs the type by
// content, extracts text (PDF page by page, Markdown by its AST, plain text),
// normalizes it and cuts it into structure-aware chunks with a token budget.
package ingest

import (
	"time"
)

// Type is a document type found by content.
type Type string

const (
	TypePDF      Type = "pdf"
	TypeMarkdown Type = "markdown"
	TypeText     Type = "text"
)

// Page is one PDF page's text. Number is 1-based.
type Page struct {
	Number int    `json:"page"`
	Text   string `json:"text"`
}

// Section is a run of Markdown under one heading path. Text is the section's
// body in Markdown source form, without its own heading line.
type Section struct {
	HeadingPath []string `json:"heading_path"`
	Text        string   `json:"text"`
}

// Extracted is what ingestion sees of a file. Text is the whole extracted
// text; chunk spans (CharStart, CharEnd) are byte offsets into it.
//
// For PDF, Text is the pages' texts joined with "\n\n". For Markdown it is
// the normalized source without front matter (headings included, so that a
// chunk starting at a heading reads well). For plain text it is the
// normalized text.
type Extracted struct {
	Type     Type      `json:"type"`
	Title    string    `json:"title,omitempty"`
	Pages    []Page    `json:"pages,omitempty"`
	Sections []Section `json:"sections,omitempty"`
	Text     string    `json:"-"`
	Warnings []string  `json:"warnings,omitempty"`

	// Structure found by the loaders, used by Chunk. When absent (an
	// Extracted built by hand or loaded from storage) Chunk derives it from
	// Pages, Sections or Text.
	blocks     []textBlock
	paths      [][]string // heading path of each block.section
	pageStarts []int      // byte offset of each page in Text
}

// Limits bound the work one file may cause.
type Limits struct {
	MaxPages int           // PDF pages read (default 5000)
	Timeout  time.Duration // per file (default 2 minutes)
	MaxBytes int64         // input size (default 100 MB)
}

// withDefaults fills zero limits with the documented defaults.
func (l Limits) withDefaults() Limits {
	if l.MaxPages <= 0 {
		l.MaxPages = 5000
	}
	if l.Timeout <= 0 {
		l.Timeout = 2 * time.Minute
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = 100 << 20
	}
	return l
}
