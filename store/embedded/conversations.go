package embedded

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/quirehq/quire/store"
)

// Conversations live in two buckets:
//
//	convs  conversation id -> JSON record (without turns)
//	turns  u16 len(id) | id | u32 index -> JSON turn
//
// They do not bump the catalog version: no index derives from them.
var (
	bucketConvs = []byte("convs")
	bucketTurns = []byte("turns")
)

func convBuckets(tx *bolt.Tx) (*bolt.Bucket, *bolt.Bucket, error) {
	convs, err := tx.CreateBucketIfNotExists(bucketConvs)
	if err != nil {
		return nil, nil, err
	}
	turns, err := tx.CreateBucketIfNotExists(bucketTurns)
	return convs, turns, err
}

func turnPrefix(id string) []byte {
	b := binary.BigEndian.AppendUint16(nil, uint16(len(id)))
	return append(b, id...)
}

func (c *Catalog) convUpdate(ctx context.Context, fn func(convs, turns *bolt.Bucket) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return c.db.Update(func(tx *bolt.Tx) error {
		convs, turns, err := convBuckets(tx)
		if err != nil {
			return err
		}
		return fn(convs, turns)
	})
}

func (c *Catalog) convView(ctx context.Context, fn func(convs, turns *bolt.Bucket) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return c.db.View(func(tx *bolt.Tx) error {
		convs, turns := tx.Bucket(bucketConvs), tx.Bucket(bucketTurns)
		if convs == nil || turns == nil {
			return fn(nil, nil)
		}
		return fn(convs, turns)
	})
}

func getConv(convs *bolt.Bucket, id string) (store.Conversation, bool, error) {
	var cv store.Conversation
	if convs == nil {
		return cv, false, nil
	}
	raw := convs.Get([]byte(id))
	if raw == nil {
		return cv, false, nil
	}
	if err := json.Unmarshal(raw, &cv); err != nil {
		return cv, false, errCorrupt("conversation record")
	}
	return cv, true, nil
}

func putConv(convs *bolt.Bucket, cv store.Conversation) error {
	cv.Turns = nil
	raw, err := json.Marshal(cv)
	if err != nil {
		return err
	}
	return convs.Put([]byte(cv.ID), raw)
}

// CreateConversation stores a new conversation; an existing id is a conflict.
func (c *Catalog) CreateConversation(ctx context.Context, cv store.Conversation) error {
	if cv.ID == "" || len(cv.ID) > store.MaxIDLen {
		return fmt.Errorf("conversation id %q: %w", cv.ID, store.ErrInvalid)
	}
	if cv.Collection == "" {
		cv.Collection = store.DefaultCollection
	}
	now := time.Now().UTC()
	if cv.Created.IsZero() {
		cv.Created = now
	}
	if cv.Updated.IsZero() {
		cv.Updated = cv.Created
	}
	return c.convUpdate(ctx, func(convs, _ *bolt.Bucket) error {
		if convs.Get([]byte(cv.ID)) != nil {
			return fmt.Errorf("conversation %q exists: %w", cv.ID, store.ErrConflict)
		}
		return putConv(convs, cv)
	})
}

// GetConversation returns a conversation and its turns in order.
func (c *Catalog) GetConversation(ctx context.Context, id string) (store.Conversation, error) {
	var cv store.Conversation
	err := c.convView(ctx, func(convs, turns *bolt.Bucket) error {
		var ok bool
		var err error
		if cv, ok, err = getConv(convs, id); err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("conversation %q: %w", id, store.ErrNotFound)
		}
		cv.Turns = []store.Turn{}
		prefix := turnPrefix(id)
		cur := turns.Cursor()
		for k, v := cur.Seek(prefix); k != nil && len(k) == len(prefix)+4 && string(k[:len(prefix)]) == string(prefix); k, v = cur.Next() {
			var t store.Turn
			if err := json.Unmarshal(v, &t); err != nil {
				return errCorrupt("conversation turn")
			}
			cv.Turns = append(cv.Turns, t)
		}
		return nil
	})
	return cv, err
}

// ListConversations returns a collection's conversations, newest first.
func (c *Catalog) ListConversations(ctx context.Context, collection string) ([]store.Conversation, error) {
	if collection == "" {
		collection = store.DefaultCollection
	}
	out := []store.Conversation{}
	err := c.convView(ctx, func(convs, _ *bolt.Bucket) error {
		if convs == nil {
			return nil
		}
		return convs.ForEach(func(k, v []byte) error {
			var cv store.Conversation
			if err := json.Unmarshal(v, &cv); err != nil {
				return errCorrupt("conversation record")
			}
			if cv.Collection == collection {
				out = append(out, cv)
			}
			return nil
		})
	})
	slices.SortStableFunc(out, func(a, b store.Conversation) int {
		if c := b.Updated.Compare(a.Updated); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, err
}

// AppendTurn adds a turn at the end and sets Updated to the turn's time.
func (c *Catalog) AppendTurn(ctx context.Context, id string, t store.Turn) error {
	if t.Created.IsZero() {
		t.Created = time.Now().UTC()
	}
	return c.convUpdate(ctx, func(convs, turns *bolt.Bucket) error {
		cv, ok, err := getConv(convs, id)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("conversation %q: %w", id, store.ErrNotFound)
		}
		prefix := turnPrefix(id)
		n := uint32(0)
		cur := turns.Cursor()
		for k, _ := cur.Seek(prefix); k != nil && len(k) == len(prefix)+4 && string(k[:len(prefix)]) == string(prefix); k, _ = cur.Next() {
			n++
		}
		raw, err := json.Marshal(t)
		if err != nil {
			return err
		}
		if err := turns.Put(binary.BigEndian.AppendUint32(append([]byte(nil), prefix...), n), raw); err != nil {
			return err
		}
		cv.Updated = t.Created
		return putConv(convs, cv)
	})
}

// DeleteConversation removes a conversation and its turns.
func (c *Catalog) DeleteConversation(ctx context.Context, id string) error {
	return c.convUpdate(ctx, func(convs, turns *bolt.Bucket) error {
		if convs.Get([]byte(id)) == nil {
			return fmt.Errorf("conversation %q: %w", id, store.ErrNotFound)
		}
		prefix := turnPrefix(id)
		cur := turns.Cursor()
		for k, _ := cur.Seek(prefix); k != nil && len(k) == len(prefix)+4 && string(k[:len(prefix)]) == string(prefix); k, _ = cur.Seek(prefix) {
			if err := turns.Delete(k); err != nil {
				return err
			}
		}
		return convs.Delete([]byte(id))
	})
}
