package sample

import "strings"

// Stopper watches generated text for stop strings. It holds back the tail
// that could still become a stop string, so a caller that streams what Push
// returns never shows part of one.
type Stopper struct {
	stops   []string
	pending string
	stopped bool
}

// NewStopper returns a Stopper for the given non-empty stop strings.
func NewStopper(stops []string) *Stopper {
	s := &Stopper{}
	for _, x := range stops {
		if x != "" {
			s.stops = append(s.stops, x)
		}
	}
	return s
}

// Push adds newly decoded text. It returns the text that is safe to emit and
// whether a stop string was found (the stop string and anything after it are
// never returned).
func (s *Stopper) Push(text string) (emit string, stop bool) {
	if s.stopped {
		return "", true
	}
	s.pending += text
	cut := -1
	for _, x := range s.stops {
		if i := strings.Index(s.pending, x); i >= 0 && (cut < 0 || i < cut) {
			cut = i
		}
	}
	if cut >= 0 {
		s.stopped = true
		emit, s.pending = s.pending[:cut], ""
		return emit, true
	}
	hold := 0
	for _, x := range s.stops {
		for n := min(len(x)-1, len(s.pending)); n > hold; n-- {
			if strings.HasSuffix(s.pending, x[:n]) {
				hold = n
				break
			}
		}
	}
	emit = s.pending[:len(s.pending)-hold]
	s.pending = s.pending[len(s.pending)-hold:]
	return emit, false
}

// Flush returns held-back text at the end of generation.
func (s *Stopper) Flush() string {
	if s.stopped {
		return ""
	}
	out := s.pending
	s.pending = ""
	return out
}
