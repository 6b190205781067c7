package citations

import (
	"strings"
	"testing"
)

// benchAnswer is a 12-sentence answer of about 1,300 bytes, cut into
// 4-byte tokens (about what a SentencePiece token averages).
func benchAnswer() (string, []string) {
	var b strings.Builder
	for i := range 12 {
		b.WriteString("The shell sets the default value of the history size to 500 after reading the startup files ")
		b.WriteString([]string{"[1]. ", "[2, 3]. ", "[7]. "}[i%3])
	}
	text := b.String()
	var toks []string
	for i := 0; i < len(text); i += 4 {
		toks = append(toks, text[i:min(i+4, len(text))])
	}
	return text, toks
}

func BenchmarkStream(b *testing.B) {
	text, toks := benchAnswer()
	srcs := supportSources()
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		st := NewStream(srcs)
		for _, t := range toks {
			st.Push(t)
		}
		st.Finish()
	}
}

func BenchmarkCheckSupport(b *testing.B) {
	text, _ := benchAnswer()
	srcs := supportSources()
	for b.Loop() {
		CheckSupport(text, srcs)
	}
}

func BenchmarkAssess(b *testing.B) {
	srcs := supportSources()
	for i := range srcs { // about 300 words each, like a retrieved chunk
		srcs[i].Text = strings.Repeat(srcs[i].Text+" ", 5)
	}
	top := append(srcs, srcs[:2]...)
	for b.Loop() {
		Assess("How many commands does bash keep in its history by default?", top)
	}
}
