package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/quirehq/quire/store"
)

func testConversations(t *testing.T, c store.Catalog) {
	ctx := context.Background()
	v0 := version(t, c)
	a := store.Conversation{ID: "conv-a", Collection: "default", Title: "How do backups work?", Created: base, Updated: base}
	b := store.Conversation{ID: "conv-b", Collection: "default", Title: "Second", Created: base.Add(time.Second), Updated: base.Add(time.Second)}
	other := store.Conversation{ID: "conv-o", Collection: "other", Title: "Elsewhere", Created: base, Updated: base}
	for _, cv := range []store.Conversation{a, b, other} {
		require.NoError(t, c.CreateConversation(ctx, cv))
	}
	require.ErrorIs(t, c.CreateConversation(ctx, a), store.ErrConflict)

	got, err := c.GetConversation(ctx, "conv-a")
	require.NoError(t, err)
	require.Equal(t, a.Title, got.Title)
	require.Empty(t, got.Turns)

	for i := 0; i < 3; i++ {
		turn := store.Turn{
			Question: fmt.Sprintf("question %d", i),
			Answer:   []byte(fmt.Sprintf(`{"answer":"answer %d","citations":[]}`, i)),
			Created:  base.Add(time.Duration(10+i) * time.Second),
		}
		require.NoError(t, c.AppendTurn(ctx, "conv-a", turn))
	}
	got, err = c.GetConversation(ctx, "conv-a")
	require.NoError(t, err)
	require.Len(t, got.Turns, 3)
	for i, turn := range got.Turns {
		require.Equal(t, fmt.Sprintf("question %d", i), turn.Question)
		require.JSONEq(t, fmt.Sprintf(`{"answer":"answer %d","citations":[]}`, i), string(turn.Answer))
		require.True(t, turn.Created.Equal(base.Add(time.Duration(10+i)*time.Second)))
	}
	require.True(t, got.Updated.Equal(base.Add(12*time.Second)), "Updated follows the last turn")

	list, err := c.ListConversations(ctx, "default")
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, "conv-a", list[0].ID, "most recently updated first")
	require.Equal(t, "conv-b", list[1].ID)
	require.Empty(t, list[0].Turns, "listings carry no turns")
	list, err = c.ListConversations(ctx, "other")
	require.NoError(t, err)
	require.Len(t, list, 1)

	require.ErrorIs(t, c.AppendTurn(ctx, "nope", store.Turn{Question: "q"}), store.ErrNotFound)
	_, err = c.GetConversation(ctx, "nope")
	require.ErrorIs(t, err, store.ErrNotFound)

	require.NoError(t, c.DeleteConversation(ctx, "conv-a"))
	_, err = c.GetConversation(ctx, "conv-a")
	require.ErrorIs(t, err, store.ErrNotFound)
	require.ErrorIs(t, c.DeleteConversation(ctx, "conv-a"), store.ErrNotFound)
	// a new conversation under a deleted id starts with no turns
	require.NoError(t, c.CreateConversation(ctx, a))
	got, err = c.GetConversation(ctx, "conv-a")
	require.NoError(t, err)
	require.Empty(t, got.Turns)

	require.Equal(t, v0, version(t, c), "conversations do not bump the index version")
}
