package rag

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/quirehq/quire/store"
)

func TestConversationsRecordTurnsAndFollowUps(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir())
	defer s.Close()
	require.NoError(t, s.Ingest(ctx, Source{Name: "notes.md", Data: []byte(notesMD)}).Err)
	require.NoError(t, s.Ingest(ctx, Source{Name: "recipes.md", Data: []byte(recipesMD)}).Err)

	first, err := s.Ask(ctx, AskRequest{Question: "How many times does the scheduler retry failed jobs?"}, nil)
	require.NoError(t, err)
	require.NotEmpty(t, first.ConversationID)

	second, err := s.Ask(ctx, AskRequest{Question: "And in version 1.0?", ConversationID: first.ConversationID}, nil)
	require.NoError(t, err)
	require.Equal(t, first.ConversationID, second.ConversationID)

	cv, err := s.Conversation(ctx, first.ConversationID)
	require.NoError(t, err)
	require.Equal(t, "How many times does the scheduler retry failed jobs?", cv.Title)
	require.Len(t, cv.Turns, 2)
	require.Equal(t, "And in version 1.0?", cv.Turns[1].Question)
	require.Equal(t, second.Answer, cv.Turns[1].Answer.Answer)

	list, err := s.Conversations(ctx, "")
	require.NoError(t, err)
	require.Len(t, list, 1)

	_, err = s.Ask(ctx, AskRequest{Question: "anything", ConversationID: "missing"}, nil)
	require.ErrorIs(t, err, store.ErrNotFound)

	require.NoError(t, s.DeleteConversation(ctx, first.ConversationID))
	_, err = s.Conversation(ctx, first.ConversationID)
	require.ErrorIs(t, err, store.ErrNotFound)
}

func TestFollowUpQuery(t *testing.T) {
	history := []store.Turn{{Question: "How do I rotate the nginx logs?"}}
	cases := []struct{ q, want string }{
		{"And for apache?", "And for apache? rotate nginx logs"},
		{"How often should it run?", "How often should it run? rotate nginx logs"},
		{"How do I configure the mail server relay host?", "How do I configure the mail server relay host?"},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, followUpQuery(tc.q, history), tc.q)
	}
	require.Equal(t, "And for apache?", followUpQuery("And for apache?", nil))
}
