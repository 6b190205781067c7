package citations

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Turn is one earlier message of a conversation: Role "user" or
// "assistant". The engine's chat template (llm/chat) renders turns; this
// package only chooses them and counts their tokens.
type Turn struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// PromptInput is what BuildPrompt needs. Sources are the ranked
// candidates, best first; their N is ignored and reassigned.
type PromptInput struct {
	Question string
	// History holds the earlier turns, oldest first, starting with "user".
	// Markers are removed from assistant turns: their numbers belonged to
	// another prompt's sources.
	History []Turn
	Sources []Source
	// Count returns the number of tokens of a text for the model that will
	// read the prompt.
	Count       func(string) int
	ContextSize int // the model's context, in tokens (--ctx)
	// AnswerReserve is the room kept for the answer; 0 means
	// DefaultAnswerReserve.
	AnswerReserve int
}

// Prompt is a grounded prompt: the system instruction and the user message
// as plain text (the engine applies the chat template), the history turns
// kept, and the sources in the prompt, numbered 1..n in prompt order.
type Prompt struct {
	System  string
	User    string
	History []Turn
	Sources []Source
	// Dropped are the candidates left out for lack of room, in rank order,
	// with their original N.
	Dropped []Source
	// DroppedTurns counts the oldest history turns left out.
	DroppedTurns int
	// Tokens is the prompt's size as counted, template overhead included;
	// Tokens + the answer reserve <= ContextSize.
	Tokens int
}

// DefaultAnswerReserve is the room kept for the answer when the caller does
// not say.
const DefaultAnswerReserve = 512

// turnOverhead is what the chat template adds around one message: BOS,
// [INST] and [/INST] (text or control tokens), EOS and spaces. Mistral's
// templates add 4 to 7; 8 leaves a margin.
const turnOverhead = 8

// historyShare is the largest part of the room after the question and the
// reserve that history may take: the sources matter more.
const historyShare = 4 // 1/4

// SystemPrompt tells the model to answer from the numbered sources only,
// cite them, and say so when they do not hold the answer.
const SystemPrompt = "You answer questions about the user's documents using only the numbered sources given with the question. " +
	"After each sentence that uses a source, cite it with its number in square brackets, like [1] or [1, 3]. " +
	"Cite only the numbers of the sources given, and do not use outside knowledge. " +
	"If the sources do not contain the answer, reply exactly: \"" + NotFoundReply + "\" " +
	"Answer briefly, in the language of the question."

// ErrNoRoom is returned when the context cannot hold the question, the
// answer reserve and at least one source.
var ErrNoRoom = errors.New("the prompt does not fit the model's context")

// BuildPrompt picks the sources that fit the context by rank (a source too
// big for the room left is skipped and a smaller one after it may still be
// taken), numbers them, labels each with its document and page or section,
// and keeps the newest history turns that fit in a quarter of the room.
func BuildPrompt(p PromptInput) (Prompt, error) {
	switch {
	case strings.TrimSpace(p.Question) == "":
		return Prompt{}, errors.New("citations: the question is empty")
	case p.Count == nil:
		return Prompt{}, errors.New("citations: no token counter given (pass the model tokenizer's count)")
	case len(p.Sources) == 0:
		return Prompt{}, errors.New("citations: no sources to ground the answer in (abstain instead of prompting)")
	case p.ContextSize <= 0:
		return Prompt{}, fmt.Errorf("citations: context size %d: must be positive", p.ContextSize)
	case p.AnswerReserve < 0:
		return Prompt{}, fmt.Errorf("citations: answer reserve %d: must not be negative", p.AnswerReserve)
	}
	reserve := p.AnswerReserve
	if reserve == 0 {
		reserve = DefaultAnswerReserve
	}
	out := Prompt{System: SystemPrompt}
	question := strings.TrimSpace(p.Question)
	base := p.Count(SystemPrompt) + p.Count(userMessage(question, nil)) + 2*turnOverhead + reserve
	if base > p.ContextSize {
		return Prompt{}, fmt.Errorf("%w: the question, instructions and the %d-token answer reserve need %d tokens, the context holds %d: shorten the question, lower the reserve or raise --ctx",
			ErrNoRoom, reserve, base, p.ContextSize)
	}
	room := p.ContextSize - base

	// History: the newest turns within a quarter of the room, starting
	// with a user turn so that roles still alternate.
	histRoom := room / historyShare
	hist := make([]Turn, len(p.History))
	for i, t := range p.History {
		if t.Role == "assistant" {
			// Its markers point at an earlier prompt's sources.
			t.Content = strings.TrimSpace(oldMarkersRE.ReplaceAllString(t.Content, ""))
		}
		hist[i] = t
	}
	keep := len(hist)
	used := 0
	for keep > 0 {
		c := p.Count(hist[keep-1].Content) + turnOverhead
		if used+c > histRoom {
			break
		}
		used += c
		keep--
	}
	for keep < len(hist) && hist[keep].Role != "user" {
		used -= p.Count(hist[keep].Content) + turnOverhead
		keep++
	}
	out.History = hist[keep:]
	out.DroppedTurns = keep
	room -= used

	// Sources by rank while they fit; the block of each is counted alone,
	// then the assembled message is counted again and trimmed, because
	// token counts of joined texts need not add up exactly.
	var chosen []int // indexes into p.Sources
	var blocks []string
	left := room
	for i, s := range p.Sources {
		s.N = len(chosen) + 1
		b := sourceBlock(s)
		if c := p.Count(b + "\n\n"); c <= left {
			left -= c
			chosen = append(chosen, i)
			blocks = append(blocks, b)
		}
	}
	for len(chosen) > 0 {
		out.User = userMessage(question, blocks)
		out.Tokens = p.Count(out.System) + p.Count(out.User) + 2*turnOverhead + used
		if out.Tokens+reserve <= p.ContextSize {
			break
		}
		chosen, blocks = chosen[:len(chosen)-1], blocks[:len(blocks)-1]
	}
	if len(chosen) == 0 {
		return Prompt{}, fmt.Errorf("%w: no source fits in the %d tokens left after the question, history and the %d-token answer reserve: raise --ctx or lower the reserve",
			ErrNoRoom, room, reserve)
	}
	in := map[int]bool{}
	for n, i := range chosen {
		s := p.Sources[i]
		s.N = n + 1
		out.Sources = append(out.Sources, s)
		in[i] = true
	}
	for i, s := range p.Sources {
		if !in[i] {
			out.Dropped = append(out.Dropped, s)
		}
	}
	return out, nil
}

// oldMarkersRE matches a marker with the spaces before it.
var oldMarkersRE = regexp.MustCompile(`[ \t]*\[\d+(?:\s*,\s*\d+)*\]`)

// userMessage is the last user turn: the numbered sources, then the
// question.
func userMessage(question string, blocks []string) string {
	var b strings.Builder
	b.WriteString("Sources:\n\n")
	for _, blk := range blocks {
		b.WriteString(blk)
		b.WriteString("\n\n")
	}
	b.WriteString("Question: ")
	b.WriteString(question)
	return b.String()
}

// sourceBlock is one numbered source: "[n] label" and its text. Bracketed
// numbers inside the text ("see [12]" in a paper) become "(12)" so the
// model does not take them for our numbering.
func sourceBlock(s Source) string {
	text := markerRE.ReplaceAllString(strings.TrimSpace(s.Text), "($1)")
	return "[" + strconv.Itoa(s.N) + "] " + promptLabel(s) + "\n" + text
}

// promptLabel is Label with the document's path instead of its base name,
// so that look-alike documents ("commander/v8.3.0/Readme.md" and
// "commander/v9.5.0/Readme.md") stay apart for the model.
func promptLabel(s Source) string {
	if s.Path != "" {
		s.DocName = s.Path
	}
	return s.Label()
}
