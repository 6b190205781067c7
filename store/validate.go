package store

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrConflict is returned when a write would give two documents the same
// collection and name, or two chunks the same id.
var ErrConflict = errors.New("conflict")

// ErrInvalid is wrapped by every error about a malformed document or chunk.
var ErrInvalid = errors.New("invalid input")

// Size limits shared by all backends, so that a record one backend accepts
// is accepted by every other (they also keep keys small in the embedded one).
const (
	MaxIDLen         = 512
	MaxCollectionLen = 256
	MaxNameLen       = 4096
)

// NormalizeDocument checks d and fills the defaults every backend applies:
// the default collection, and times in UTC. It does not set Created,
// Updated or Chunks: those depend on what is already stored.
func NormalizeDocument(d Document) (Document, error) {
	if err := checkKey("document id", d.ID, MaxIDLen); err != nil {
		return d, err
	}
	if d.Collection == "" {
		d.Collection = DefaultCollection
	}
	if err := checkKey("collection", d.Collection, MaxCollectionLen); err != nil {
		return d, fmt.Errorf("document %q: %w", d.ID, err)
	}
	if err := checkKey("name", d.Name, MaxNameLen); err != nil {
		return d, fmt.Errorf("document %q: %w", d.ID, err)
	}
	for _, f := range []struct{ what, v string }{
		{"type", d.Type}, {"title", d.Title}, {"sha256", d.SHA256},
		{"status", d.Status}, {"error", d.Error}, {"embedder", d.Embedder},
	} {
		if err := checkText(f.what, f.v); err != nil {
			return d, fmt.Errorf("document %q: %w", d.ID, err)
		}
	}
	if d.Size < 0 || d.Pages < 0 {
		return d, fmt.Errorf("document %q: negative size or page count: %w", d.ID, ErrInvalid)
	}
	d.Created = utc(d.Created)
	d.Updated = utc(d.Updated)
	return d, nil
}

// NormalizeChunks checks chunks for document d (already normalized) and
// fills DocID and Collection where they are empty. Chunk ids must be unique
// and Seq values unique and non-negative; the result is sorted by Seq.
func NormalizeChunks(d Document, chunks []Chunk) ([]Chunk, error) {
	out := make([]Chunk, len(chunks))
	ids := make(map[string]struct{}, len(chunks))
	seqs := make(map[int]struct{}, len(chunks))
	sorted := true
	for i, c := range chunks {
		if err := checkKey("chunk id", c.ID, MaxIDLen); err != nil {
			return nil, fmt.Errorf("document %q chunk %d: %w", d.ID, i, err)
		}
		if _, dup := ids[c.ID]; dup {
			return nil, fmt.Errorf("document %q: chunk id %q appears twice: %w", d.ID, c.ID, ErrInvalid)
		}
		ids[c.ID] = struct{}{}
		switch c.DocID {
		case "":
			c.DocID = d.ID
		case d.ID:
		default:
			return nil, fmt.Errorf("chunk %q belongs to document %q, not %q: %w", c.ID, c.DocID, d.ID, ErrInvalid)
		}
		switch c.Collection {
		case "":
			c.Collection = d.Collection
		case d.Collection:
		default:
			return nil, fmt.Errorf("chunk %q is in collection %q, its document in %q: %w", c.ID, c.Collection, d.Collection, ErrInvalid)
		}
		if c.Seq < 0 || c.Seq > math.MaxUint32 {
			return nil, fmt.Errorf("chunk %q: seq %d out of range: %w", c.ID, c.Seq, ErrInvalid)
		}
		if _, dup := seqs[c.Seq]; dup {
			return nil, fmt.Errorf("document %q: seq %d appears twice: %w", d.ID, c.Seq, ErrInvalid)
		}
		seqs[c.Seq] = struct{}{}
		if i > 0 && c.Seq < out[i-1].Seq {
			sorted = false
		}
		if err := checkText("text", c.Text); err != nil {
			return nil, fmt.Errorf("chunk %q: %w", c.ID, err)
		}
		for _, h := range c.HeadingPath {
			if err := checkText("heading", h); err != nil {
				return nil, fmt.Errorf("chunk %q: %w", c.ID, err)
			}
		}
		if c.PageStart < 0 || c.PageEnd < c.PageStart || c.CharStart < 0 || c.CharEnd < c.CharStart {
			return nil, fmt.Errorf("chunk %q: bad span (pages %d-%d, chars %d-%d): %w",
				c.ID, c.PageStart, c.PageEnd, c.CharStart, c.CharEnd, ErrInvalid)
		}
		out[i] = c
	}
	if !sorted {
		slices.SortFunc(out, func(a, b Chunk) int { return cmp.Compare(a.Seq, b.Seq) })
	}
	return out, nil
}

func checkKey(what, v string, max int) error {
	if v == "" {
		return fmt.Errorf("%s is empty: %w", what, ErrInvalid)
	}
	if len(v) > max {
		return fmt.Errorf("%s is %d bytes, more than the limit of %d: %w", what, len(v), max, ErrInvalid)
	}
	return checkText(what, v)
}

// checkText rejects what PostgreSQL's text type rejects, so that every
// backend accepts the same records.
func checkText(what, v string) error {
	if !utf8.ValidString(v) {
		return fmt.Errorf("%s is not valid UTF-8: %w", what, ErrInvalid)
	}
	if strings.IndexByte(v, 0) >= 0 {
		return fmt.Errorf("%s contains a NUL byte: %w", what, ErrInvalid)
	}
	return nil
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}
