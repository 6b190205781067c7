package ingest

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Extract sniffs data's type by content and runs its loader. name (a file
// name, may be empty) is used only in messages and to prefer Markdown for
// ambiguous text named *.md. Zero Limits mean the defaults. Errors wrap
// ErrEmpty, ErrUnsupported, ErrNoText or ErrTooLarge where they apply.
func Extract(ctx context.Context, data []byte, name string, lim Limits) (*Extracted, error) {
	ex, err := extractData(ctx, data, name, lim)
	if err != nil && name != "" {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return ex, err
}

func extractData(ctx context.Context, data []byte, name string, lim Limits) (*Extracted, error) {
	lim = lim.withDefaults()
	if int64(len(data)) > lim.MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d (raise Limits.MaxBytes)", ErrTooLarge, len(data), lim.MaxBytes)
	}
	ctx, cancel := context.WithTimeout(ctx, lim.Timeout)
	defer cancel()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s, err := sniff(data, name)
	if err != nil {
		return nil, err
	}
	var ex *Extracted
	switch s.typ {
	case TypePDF:
		pages, title, warnings, err := extractPDF(ctx, data, lim)
		if err != nil {
			return nil, fmt.Errorf("reading PDF: %w", err)
		}
		ex = fromPages(pages, title, warnings)
		if strings.TrimSpace(ex.Text) == "" {
			return nil, fmt.Errorf("%w: the PDF has no text layer (a scan? OCR is not supported)", ErrNoText)
		}
	case TypeMarkdown:
		ex = extractMarkdown(s.text)
	default:
		ex = extractText(s.text)
	}
	if err := ctx.Err(); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("extraction took longer than %s; split the file or raise the time limit: %w", lim.Timeout, err)
		}
		return nil, err
	}
	ex.Warnings = append(s.warnings, ex.Warnings...)
	if len(ex.blocks) == 0 {
		return nil, fmt.Errorf("%w: the file has no text once markup and control characters are removed", ErrNoText)
	}
	return ex, nil
}

// fromPages builds a PDF extraction: each page's text is normalized, Text
// joins them with "\n\n", and pageStarts records where each page begins so
// that chunk spans map back to pages.
func fromPages(pages []Page, title string, warnings []string) *Extracted {
	ex := &Extracted{Type: TypePDF, Title: strings.TrimSpace(normalize(title, false)), Warnings: warnings}
	ex.Pages = make([]Page, len(pages))
	for i, p := range pages {
		ex.Pages[i] = Page{Number: p.Number, Text: normalize(p.Text, false)}
	}
	joinPages(ex)
	return ex
}

// layoutPages sets Text, pageStarts and paragraph blocks from ex.Pages.
func joinPages(ex *Extracted) {
	var b strings.Builder
	n := 0
	for _, p := range ex.Pages {
		n += len(p.Text) + 2
	}
	b.Grow(n)
	ex.pageStarts = make([]int, len(ex.Pages))
	ex.blocks = ex.blocks[:0]
	for i, p := range ex.Pages {
		if i > 0 {
			b.WriteString("\n\n")
		}
		ex.pageStarts[i] = b.Len()
		b.WriteString(p.Text)
	}
	ex.Text = b.String()
	for i, p := range ex.Pages {
		ex.blocks = paragraphBlocks(ex.Text, ex.pageStarts[i], ex.pageStarts[i]+len(p.Text), p.Number, -1, ex.blocks)
	}
}
