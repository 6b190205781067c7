// Package ingest turns uploaded bytes into chunks: it sniffs the type by
// content, extracts text (PDF page by page, Markdown by its AST, plain text),
// normalizes it and cuts it into structure-aware chunks with a token budget.
package ingest

import (
	"context"
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

// Section is a run of Markdown under one heading path.
type Section struct {
	HeadingPath []string `json:"heading_path"`
	Text        string   `json:"text"`
}

// Extracted is what ingestion sees of a file. Text is the whole extracted
// text; chunk spans (CharStart, CharEnd) are byte offsets into it.
type Extracted struct {
	Type     Type      `json:"type"`
	Title    string    `json:"title,omitempty"`
	Pages    []Page    `json:"pages,omitempty"`
	Sections []Section `json:"sections,omitempty"`
	Text     string    `json:"-"`
	Warnings []string  `json:"warnings,omitempty"`
}

// Limits bound the work one file may cause.
type Limits struct {
	MaxPages int           // PDF pages read (default 5000)
	Timeout  time.Duration // per file (default 2 minutes)
	MaxBytes int64         // input size (default 100 MB)
}

// Extract is defined in dispatch.go: Sniff, then the loader for the type.
var _ = context.Background
