package rag

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/quirehq/quire/ingest"
)

// scripted is a Generator that writes a fixed text in fixed pieces.
type scripted struct {
	pieces []string
	calls  atomic.Int32
	last   GenRequest
}

func (g *scripted) Name() string                { return "scripted" }
func (g *scripted) CountTokens(text string) int { return ingest.ApproxTokens(text) }
func (g *scripted) ContextSize() int            { return 4096 }
func (g *scripted) Generate(ctx context.Context, req GenRequest, onText func(string) error) (GenStats, error) {
	g.calls.Add(1)
	g.last = req
	for _, p := range g.pieces {
		if err := ctx.Err(); err != nil {
			return GenStats{}, err
		}
		if err := onText(p); err != nil {
			return GenStats{}, err
		}
	}
	return GenStats{Tokens: len(g.pieces), StopReason: "eos"}, nil
}

func openWith(t *testing.T, g Generator) *Service {
	t.Helper()
	s, err := Open(context.Background(), Config{DataDir: t.TempDir(), Generator: g})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	require.NoError(t, s.Ingest(ctx, Source{Name: "notes.md", Data: []byte(notesMD)}).Err)
	require.NoError(t, s.Ingest(ctx, Source{Name: "recipes.md", Data: []byte(recipesMD)}).Err)
	return s
}

func TestGeneratedAnswerCitationsStreamAndChecks(t *testing.T) {
	g := &scripted{pieces: []string{"The scheduler retries failed jobs ", "three times [", "1", "]. ", "It also bakes bread [9]. ", "Soup needs salt."}}
	s := openWith(t, g)
	var events []Event
	ans, err := s.Ask(context.Background(), AskRequest{Question: "How many times does the scheduler retry failed jobs?"}, func(e Event) error {
		events = append(events, e)
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, ProvenanceGenerated, ans.Provenance)
	require.Equal(t, "scripted", ans.Model)
	require.Equal(t, "The scheduler retries failed jobs three times [1]. It also bakes bread. Soup needs salt.", ans.Answer)
	require.Equal(t, []int{9}, ans.DroppedCitations, "a number that points nowhere is dropped and reported")
	require.Len(t, ans.Citations, 1)
	require.Equal(t, "notes.md", ans.Citations[0].DocName)
	require.NotEmpty(t, ans.Sources, "the sources in the prompt are listed")
	reasons := map[string]string{}
	for _, u := range ans.Unsupported {
		reasons[u.Sentence] = u.Reason
	}
	require.NotContains(t, reasons, "The scheduler retries failed jobs three times [1].")
	require.Equal(t, "no citation", reasons["Soup needs salt."])
	require.Len(t, ans.Unsupported, 2)

	// the stream: tokens, one citation event as soon as "[1]" completes, done last
	var text strings.Builder
	citationsSeen := 0
	for i, e := range events {
		switch e.Type {
		case "token":
			text.WriteString(e.Text)
		case "citation":
			citationsSeen++
			require.Contains(t, text.String(), "[1]", "the citation follows its marker")
		case "done":
			require.Equal(t, len(events)-1, i)
		}
	}
	require.Equal(t, ans.Answer, text.String())
	require.Equal(t, 1, citationsSeen)

	// the prompt is grounded: system instruction, numbered labelled sources
	require.Equal(t, "system", g.last.Messages[0].Role)
	user := g.last.Messages[len(g.last.Messages)-1].Content
	require.Contains(t, user, "[1] notes.md")
	require.Contains(t, user, "How many times does the scheduler retry failed jobs?")
}

func TestGeneratedAnswerCitingNothingIsStillGenerated(t *testing.T) {
	g := &scripted{pieces: []string{"Jobs are retried [7]. ", "Nothing else is known."}}
	s := openWith(t, g)
	ans, err := s.Ask(context.Background(), AskRequest{Question: "How many times does the scheduler retry failed jobs?"}, nil)
	require.NoError(t, err)
	require.Equal(t, ProvenanceGenerated, ans.Provenance)
	require.Empty(t, ans.Citations)
	require.Equal(t, []int{7}, ans.DroppedCitations)
	require.Len(t, ans.Unsupported, 2, "every sentence is flagged")
}

func TestAbstainsWithoutRunningTheModel(t *testing.T) {
	g := &scripted{pieces: []string{"should not be written"}}
	s := openWith(t, g)
	ans, err := s.Ask(context.Background(), AskRequest{Question: "What is the boiling point of tungsten hexafluoride?"}, nil)
	require.NoError(t, err)
	require.Equal(t, ProvenanceAbstained, ans.Provenance)
	require.Equal(t, NoAnswer, ans.Answer)
	require.Zero(t, g.calls.Load())
}

func TestClientGoneStopsGeneration(t *testing.T) {
	g := &scripted{pieces: []string{"The scheduler ", "retries ", "jobs ", "three ", "times [1]."}}
	s := openWith(t, g)
	gone := errors.New("client went away")
	tokens := 0
	_, err := s.Ask(context.Background(), AskRequest{Question: "How many times does the scheduler retry failed jobs?"}, func(e Event) error {
		if e.Type == "token" {
			tokens++
			if tokens == 2 {
				return gone
			}
		}
		return nil
	})
	require.ErrorIs(t, err, gone)
	require.Equal(t, 2, tokens, "nothing is written after the client leaves")
}

func TestFollowUpPromptCarriesHistory(t *testing.T) {
	g := &scripted{pieces: []string{"Three times [1]."}}
	s := openWith(t, g)
	first, err := s.Ask(context.Background(), AskRequest{Question: "How many times does the scheduler retry failed jobs?"}, nil)
	require.NoError(t, err)
	_, err = s.Ask(context.Background(), AskRequest{Question: "And what did version 1.0 ship?", ConversationID: first.ConversationID}, nil)
	require.NoError(t, err)
	roles := []string{}
	for _, m := range g.last.Messages {
		roles = append(roles, m.Role)
	}
	require.Equal(t, []string{"system", "user", "assistant", "user"}, roles)
	require.Equal(t, "Three times.", g.last.Messages[2].Content, "old markers are stripped from history")
}

// funcGen is a Generator whose reply depends on the request.
type funcGen struct {
	reply func(req GenRequest) string
	reqs  []GenRequest
}

func (g *funcGen) Name() string                { return "func" }
func (g *funcGen) CountTokens(text string) int { return ingest.ApproxTokens(text) }
func (g *funcGen) ContextSize() int            { return 4096 }
func (g *funcGen) Generate(ctx context.Context, req GenRequest, onText func(string) error) (GenStats, error) {
	g.reqs = append(g.reqs, req)
	return GenStats{}, onText(g.reply(req))
}

func TestModelRewritesFollowUpsWhenAsked(t *testing.T) {
	g := &funcGen{reply: func(req GenRequest) string {
		if strings.Contains(req.Messages[0].Content, "Rewrite the last question") {
			return "What did the first release, version 1.0, ship?"
		}
		return "It shipped a command-line client and a REST API [1]."
	}}
	s, err := Open(context.Background(), Config{DataDir: t.TempDir(), Generator: g, RewriteFollowUps: true})
	require.NoError(t, err)
	defer s.Close()
	ctx := context.Background()
	require.NoError(t, s.Ingest(ctx, Source{Name: "notes.md", Data: []byte(notesMD)}).Err)
	require.NoError(t, s.Ingest(ctx, Source{Name: "recipes.md", Data: []byte(recipesMD)}).Err)
	first, err := s.Ask(ctx, AskRequest{Question: "How many times does the scheduler retry failed jobs?"}, nil)
	require.NoError(t, err)
	n := len(g.reqs)
	ans, err := s.Ask(ctx, AskRequest{Question: "And what about that?", ConversationID: first.ConversationID}, nil)
	require.NoError(t, err)
	require.Len(t, g.reqs, n+2, "one rewrite, one answer")
	require.Contains(t, g.reqs[n].Messages[0].Content, "Last question: And what about that?")
	require.Equal(t, ProvenanceGenerated, ans.Provenance, "the rewritten query found the release notes")
	require.Contains(t, ans.Citations[0].DocName, "notes.md")

	// off by default: no rewrite call
	s2 := openWith(t, g)
	first, err = s2.Ask(ctx, AskRequest{Question: "How many times does the scheduler retry failed jobs?"}, nil)
	require.NoError(t, err)
	n = len(g.reqs)
	_, err = s2.Ask(ctx, AskRequest{Question: "And in version 1.0?", ConversationID: first.ConversationID}, nil)
	require.NoError(t, err)
	require.Len(t, g.reqs, n+1)
}
