package rag

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/quirehq/quire/llm/chat"
	"github.com/quirehq/quire/store"
)

// ConversationTurn is one question and its answer, as clients see it.
type ConversationTurn struct {
	Question string    `json:"question"`
	Answer   *Answer   `json:"answer"`
	Created  time.Time `json:"created"`
}

// Conversation is a thread of turns.
type Conversation struct {
	ID      string             `json:"id"`
	Title   string             `json:"title"`
	Created time.Time          `json:"created"`
	Updated time.Time          `json:"updated"`
	Turns   []ConversationTurn `json:"turns,omitempty"`
}

func newConversationID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func conversationOf(c store.Conversation) (Conversation, error) {
	out := Conversation{ID: c.ID, Title: c.Title, Created: c.Created, Updated: c.Updated}
	for _, t := range c.Turns {
		var a Answer
		if err := json.Unmarshal(t.Answer, &a); err != nil {
			return out, fmt.Errorf("conversation %s: stored answer is unreadable: %w", c.ID, err)
		}
		out.Turns = append(out.Turns, ConversationTurn{Question: t.Question, Answer: &a, Created: t.Created})
	}
	return out, nil
}

// Conversations lists the conversations of a collection, newest first.
func (s *Service) Conversations(ctx context.Context, collection string) ([]Conversation, error) {
	list, err := s.cat.ListConversations(ctx, s.collection(collection))
	if err != nil {
		return nil, err
	}
	out := make([]Conversation, 0, len(list))
	for _, c := range list {
		cv, err := conversationOf(c)
		if err != nil {
			return nil, err
		}
		out = append(out, cv)
	}
	return out, nil
}

// Conversation returns one conversation with its turns.
func (s *Service) Conversation(ctx context.Context, id string) (*Conversation, error) {
	c, err := s.cat.GetConversation(ctx, id)
	if err != nil {
		return nil, err
	}
	cv, err := conversationOf(c)
	return &cv, err
}

// DeleteConversation removes a conversation and its turns.
func (s *Service) DeleteConversation(ctx context.Context, id string) error {
	return s.cat.DeleteConversation(ctx, id)
}

// startConversation returns the conversation a question belongs to: the
// one named, or a new one titled by the question.
func (s *Service) startConversation(ctx context.Context, id, collection, question string) (store.Conversation, error) {
	if id != "" {
		return s.cat.GetConversation(ctx, id)
	}
	c := store.Conversation{ID: newConversationID(), Collection: s.collection(collection), Title: shorten(question, 80)}
	if err := s.cat.CreateConversation(ctx, c); err != nil {
		return c, err
	}
	return c, nil
}

// recordTurn stores a question and its answer in the conversation.
func (s *Service) recordTurn(ctx context.Context, convID, question string, ans *Answer) error {
	raw, err := json.Marshal(ans)
	if err != nil {
		return err
	}
	return s.cat.AppendTurn(context.WithoutCancel(ctx), convID, store.Turn{Question: question, Answer: raw})
}

// followUpQuery turns a follow-up question into a standalone retrieval
// query by a cheap rule: when the question leans on the previous turn
// (it is short, or refers back with "it", "that", "they"...), the previous
// question's content words are carried over. The question the user asked
// is still the one answered; only retrieval sees the expansion.
func followUpQuery(question string, history []store.Turn) string {
	if len(history) == 0 || !looksLikeFollowUp(question) {
		return question
	}
	prev := history[len(history)-1].Question
	have := map[string]bool{}
	for _, w := range contentWords(question) {
		have[w] = true
	}
	var carry []string
	for _, w := range strings.Fields(prev) {
		cw := contentWords(w)
		if len(cw) == 1 && !have[cw[0]] {
			have[cw[0]] = true
			carry = append(carry, strings.Trim(w, ".,;:!?\"'()"))
		}
	}
	if len(carry) == 0 {
		return question
	}
	return question + " " + strings.Join(carry, " ")
}

// retrievalQuery is the query retrieval sees for a question: the question
// itself, or for a follow-up a standalone version of it, by the model when
// RewriteFollowUps is on and by the cheap rule otherwise (or when the
// model's rewrite fails).
func (s *Service) retrievalQuery(ctx context.Context, question string, history []store.Turn) string {
	g := s.cfg.Generator
	if g == nil || !s.cfg.RewriteFollowUps || len(history) == 0 || !looksLikeFollowUp(question) {
		return followUpQuery(question, history)
	}
	var b strings.Builder
	b.WriteString("Rewrite the last question as one standalone question that can be understood without the conversation. Reply with the question only.\n\n")
	from := max(0, len(history)-3)
	for _, t := range history[from:] {
		b.WriteString("Question: ")
		b.WriteString(t.Question)
		b.WriteString("\n")
	}
	b.WriteString("Last question: ")
	b.WriteString(question)
	var out strings.Builder
	_, err := g.Generate(ctx, GenRequest{
		Messages:  []chat.Message{{Role: "user", Content: b.String()}},
		MaxTokens: 64,
		Stop:      []string{"\n"},
	}, func(t string) error { out.WriteString(t); return nil })
	rewritten := strings.TrimSpace(out.String())
	if err != nil || rewritten == "" {
		if err != nil {
			s.log.Warn("follow-up rewrite failed; using the rule", "err", err)
		}
		return followUpQuery(question, history)
	}
	s.log.Info("follow-up rewritten", "question", question, "query", rewritten)
	return rewritten
}

var backReferences = map[string]bool{
	"it": true, "its": true, "that": true, "this": true, "they": true, "them": true, "those": true,
	"these": true, "there": true, "he": true, "she": true, "one": true, "ones": true, "same": true,
}

func looksLikeFollowUp(q string) bool {
	words := strings.FieldsFunc(strings.ToLower(q), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '\'')
	})
	if len(contentWords(q)) <= 2 {
		return true
	}
	if len(words) > 0 && (words[0] == "and" || words[0] == "also" || words[0] == "what" && len(words) > 1 && words[1] == "about") {
		return true
	}
	for _, w := range words {
		if backReferences[w] {
			return true
		}
	}
	return false
}

func shorten(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}
