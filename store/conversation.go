package store

import (
	"context"
	"time"
)

// Conversation is a thread of questions and answers. The store keeps each
// answer as opaque JSON: its shape belongs to the service (package rag).
type Conversation struct {
	ID         string    `json:"id"`
	Collection string    `json:"collection"`
	Title      string    `json:"title"` // the first question, shortened
	Created    time.Time `json:"created"`
	Updated    time.Time `json:"updated"`
	Turns      []Turn    `json:"turns,omitempty"` // empty in listings
}

// Turn is one question and its answer.
type Turn struct {
	Question string    `json:"question"`
	Answer   []byte    `json:"answer"` // JSON of the answer, as the service wrote it
	Created  time.Time `json:"created"`
}

// Conversations is the part of a Catalog that keeps conversations. Writes
// here do not bump Version: conversations are not indexed.
type Conversations interface {
	// CreateConversation stores a new conversation (its Turns are ignored).
	CreateConversation(ctx context.Context, c Conversation) error
	// GetConversation returns a conversation with its turns in order.
	GetConversation(ctx context.Context, id string) (Conversation, error)
	// ListConversations returns a collection's conversations without their
	// turns, most recently updated first.
	ListConversations(ctx context.Context, collection string) ([]Conversation, error)
	// AppendTurn adds a turn and sets Updated.
	AppendTurn(ctx context.Context, id string, t Turn) error
	DeleteConversation(ctx context.Context, id string) error
}
