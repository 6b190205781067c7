package ingest

import (
	"fmt"

	"github.com/ledongthuc/pdf"
)

// resolveKid reads one entry of a Kids array, turning the library's panic
// on a damaged object into an error.
func resolveKid(kids pdf.Value, i int) (kid pdf.Value, err error) {
	err = guard(func() {
		kid = kids.Index(i)
		_ = kid.Key("Type")
	})
	return kid, err
}

// maxTreeDepth bounds the page tree: real trees are a few levels deep.
const maxTreeDepth = 64

// errTooManyPages is returned (wrapped) when the page tree holds more
// leaves than Limits.MaxPages.
type errTooManyPages struct{ limit int }

func (e errTooManyPages) Error() string {
	return fmt.Sprintf("PDF has more than %d pages, the limit; split the file or raise the page limit", e.limit)
}

// pageList walks the page tree once, in order, and returns its leaves. The
// library's Reader.Page walks the tree again for every page (quadratic)
// and loops forever on a tree that contains itself; this walk remembers
// the nodes it has seen, caps depth and leaf count, and reports loops.
func pageList(root pdf.Value, maxPages int, expired func() bool) (pages []pdf.Value, looped bool, err error) {
	seen := map[objKey]bool{}
	var walk func(node pdf.Value, depth int) error
	walk = func(node pdf.Value, depth int) error {
		if expired() {
			return errAbort
		}
		if depth > maxTreeDepth {
			looped = true
			return nil
		}
		if k, ok := objectKey(node); ok {
			if seen[k] {
				looped = true
				return nil
			}
			seen[k] = true
		}
		kids := node.Key("Kids")
		typ := node.Key("Type").Name()
		if typ == "Pages" || (typ != "Page" && kids.Kind() == pdf.Array) {
			for i := 0; i < kids.Len(); i++ {
				kid, err := resolveKid(kids, i)
				if err != nil {
					// An unreadable page object: keep its place so that
					// the pages after it keep their numbers.
					if len(pages) >= maxPages {
						return errTooManyPages{maxPages}
					}
					pages = append(pages, pdf.Value{})
					continue
				}
				if err := walk(kid, depth+1); err != nil {
					return err
				}
			}
			return nil
		}
		if node.Kind() != pdf.Dict {
			return nil
		}
		if len(pages) >= maxPages {
			return errTooManyPages{maxPages}
		}
		pages = append(pages, node)
		return nil
	}
	err = walk(root, 0)
	return pages, looped, err
}
