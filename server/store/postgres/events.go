package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleychat/parley/server/chat"
	"github.com/parleychat/parley/server/store/internal/codec"
)

const threadColumns = `id, chat_id, ord, active, user_ids, properties, created_at, closed_at, total_events`

func scanThread(row pgx.Row) (chat.Thread, error) {
	var (
		t               chat.Thread
		props           string
		created, closed *int64
	)
	if err := row.Scan(&t.ID, &t.ChatID, &t.Order, &t.Active, &t.UserIDs, &props, &created, &closed, &t.TotalEvents); err != nil {
		return chat.Thread{}, err
	}
	t.UserIDs = nonNil(t.UserIDs)
	p, err := codec.DecodeProps(props)
	if err != nil {
		return chat.Thread{}, err
	}
	t.Properties = p
	t.CreatedAt = fromNS(created)
	t.ClosedAt = fromNS(closed)
	return t, nil
}

// getThread reads a thread of a chat, without events.
func getThread(ctx context.Context, q querier, chatID, id string) (chat.Thread, error) {
	t, err := scanThread(q.QueryRow(ctx, `SELECT `+threadColumns+` FROM threads WHERE id = $1 AND chat_id = $2`, id, chatID))
	if err != nil {
		return chat.Thread{}, notFound(err, fmt.Sprintf("thread %q", id))
	}
	return t, nil
}

const eventColumns = `id, chat_id, thread_id, thread_ord, ord, type, author_id, created_at, custom_id, properties, body`

// scanEvent reads an event and the order of its thread.
func scanEvent(row pgx.Row) (chat.Event, int, error) {
	var (
		e           chat.Event
		threadOrd   int
		created     *int64
		props, body string
	)
	if err := row.Scan(&e.ID, &e.ChatID, &e.ThreadID, &threadOrd, &e.Order, &e.Type, &e.AuthorID, &created, &e.CustomID, &props, &body); err != nil {
		return chat.Event{}, 0, err
	}
	e.CreatedAt = fromNS(created)
	p, err := codec.DecodeProps(props)
	if err != nil {
		return chat.Event{}, 0, err
	}
	e.Properties = p
	if err := codec.DecodeBody(body, &e); err != nil {
		return chat.Event{}, 0, err
	}
	return e, threadOrd, nil
}

func queryEvents(ctx context.Context, q querier, query string, args ...any) ([]chat.Event, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	evs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (chat.Event, error) {
		e, _, err := scanEvent(row)
		return e, err
	})
	if err != nil {
		return nil, err
	}
	return nonNil(evs), nil
}

// insertEvent stores e, whose ChatID, ThreadID and Order are set, and
// returns it as stored. The trigger on events moves the thread's total and
// the chat's last event (see migrations/0001_init.sql).
func insertEvent(ctx context.Context, tx pgx.Tx, e chat.Event, threadOrd int) (chat.Event, error) {
	if e.ID == "" {
		return chat.Event{}, errors.New("event id is empty")
	}
	body, err := codec.EncodeBody(&e)
	if err != nil {
		return chat.Event{}, err
	}
	props, err := codec.EncodeProps(e.Properties)
	if err != nil {
		return chat.Event{}, fmt.Errorf("event %q: %w", e.ID, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO events (id, chat_id, thread_id, thread_ord, ord, type, author_id, created_at, custom_id, properties, body)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		e.ID, e.ChatID, e.ThreadID, threadOrd, e.Order, e.Type, e.AuthorID, ns(e.CreatedAt), e.CustomID, props, body); err != nil {
		return chat.Event{}, fmt.Errorf("insert event %q: %w", e.ID, mapErr(err))
	}
	if e.Properties == nil {
		e.Properties = chat.Properties{}
	}
	return e, nil
}

// Queries of AppendEvent's first round trip, which starts with qLockChat:
// each statement after the lock reads afresh, so it sees every write
// committed before the lock was granted.
const (
	// qLastThread reads the chat's last thread.
	qLastThread = `SELECT ` + threadColumns + ` FROM threads
		WHERE id = (SELECT last_thread_id FROM chats WHERE id = $1) AND chat_id = $1`
	// qEventByCustomID has the custom_id <> '' term of the partial unique
	// index events_custom_id, so that it can use the index.
	qEventByCustomID = `SELECT ` + eventColumns + ` FROM events
		WHERE chat_id = $1 AND author_id = $2 AND custom_id = $3 AND custom_id <> ''`
)

// AppendEvent stores one event as a.Mode says. It holds the chat's lock
// (see lockChat) from before it looks for a CustomID duplicate until it
// commits, so appends to one chat get consecutive orders and a custom id
// is stored once, from any number of nodes. The lock, the read of the last
// thread and the duplicate lookup go in one round trip; the insert in a
// second; BEGIN and COMMIT are the others.
func (s *Store) AppendEvent(ctx context.Context, a chat.AppendEvent) (res chat.AppendResult, err error) {
	defer wrap(&err, "append event %q to chat %q", a.Event.ID, a.Event.ChatID)
	if a.Mode != chat.AppendOrOpen && a.Mode != chat.AppendActive && a.Mode != chat.AppendLast {
		return chat.AppendResult{}, fmt.Errorf("unknown append mode %d", a.Mode)
	}
	err = s.write(ctx, func(tx pgx.Tx) error {
		ev := a.Event
		var (
			st         chatState
			last, dup  chat.Thread
			dupEv      chat.Event
			hasDup     bool
			lastExists bool
		)
		b := &pgx.Batch{}
		b.Queue(qLockChat, ev.ChatID).QueryRow(func(row pgx.Row) (err error) {
			st, err = scanChatState(row)
			return err
		})
		b.Queue(qLastThread, ev.ChatID).QueryRow(func(row pgx.Row) error {
			var err error
			last, err = scanThread(row)
			lastExists = err == nil
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			}
			return err
		})
		if ev.CustomID != "" {
			b.Queue(qEventByCustomID, ev.ChatID, ev.AuthorID, ev.CustomID).QueryRow(func(row pgx.Row) error {
				var err error
				dupEv, _, err = scanEvent(row)
				hasDup = err == nil
				if errors.Is(err, pgx.ErrNoRows) {
					return nil
				}
				return err
			})
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		if hasDup {
			dup = last
			if !lastExists || dupEv.ThreadID != last.ID {
				var err error
				if dup, err = getThread(ctx, tx, ev.ChatID, dupEv.ThreadID); err != nil {
					return err
				}
			}
			res = chat.AppendResult{Thread: dup, Event: dupEv, Duplicate: true}
			return nil
		}
		if a.Mode == chat.AppendOrOpen && !st.active {
			userIDs, err := presentUserIDs(ctx, tx, ev.ChatID)
			if err != nil {
				return err
			}
			th, err := openThread(ctx, tx, ev.ChatID, chat.Thread{ID: a.NewThreadID, CreatedAt: ev.CreatedAt},
				st.threadCount+1, userIDs, []chat.Event{ev})
			if err != nil {
				return err
			}
			res = chat.AppendResult{Event: th.Events[0], Opened: true}
			th.Events = nil
			res.Thread = th
			return nil
		}
		switch {
		case a.Mode == chat.AppendActive && !st.active:
			return chat.ErrNoActiveThread
		case st.lastThreadID == "":
			return chat.ErrNoThread
		case !lastExists:
			return fmt.Errorf("thread %q: %w", st.lastThreadID, chat.ErrNotFound)
		}
		th := last
		ev.ThreadID = th.ID
		ev.Order = th.TotalEvents + 1
		var err error
		if ev, err = insertEvent(ctx, tx, ev, th.Order); err != nil {
			return err
		}
		th.TotalEvents = ev.Order
		res = chat.AppendResult{Thread: th, Event: ev}
		return nil
	})
	if err != nil {
		return chat.AppendResult{}, err
	}
	return res, nil
}

// CloseThread deactivates the chat's active thread, appending sys (if not
// nil) to it first.
func (s *Store) CloseThread(ctx context.Context, chatID string, at time.Time, sys *chat.Event) (th chat.Thread, stored *chat.Event, err error) {
	defer wrap(&err, "close thread of chat %q", chatID)
	err = s.write(ctx, func(tx pgx.Tx) error {
		stored = nil
		st, err := lockChat(ctx, tx, chatID)
		if err != nil {
			return err
		}
		if !st.active {
			return chat.ErrNoActiveThread
		}
		if th, err = getThread(ctx, tx, chatID, st.lastThreadID); err != nil {
			return err
		}
		if sys != nil {
			e := *sys
			e.ChatID, e.ThreadID, e.Order = chatID, th.ID, th.TotalEvents+1
			if e, err = insertEvent(ctx, tx, e, th.Order); err != nil {
				return err
			}
			stored = &e
			th.TotalEvents = e.Order
		}
		if _, err := tx.Exec(ctx, `UPDATE threads SET active = false, closed_at = $1 WHERE id = $2`, ns(at), th.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE chats SET active = false WHERE id = $1`, chatID); err != nil {
			return err
		}
		th.Active = false
		th.ClosedAt = at
		return nil
	})
	if err != nil {
		return chat.Thread{}, nil, err
	}
	return th, stored, nil
}

// Threads returns a chat's threads newest first, without events, and the
// chat's number of threads.
func (s *Store) Threads(ctx context.Context, chatID string, offset, limit int) (ts []chat.Thread, total int, err error) {
	defer wrap(&err, "threads of chat %q", chatID)
	err = s.read(ctx, func(tx pgx.Tx) error {
		st, err := getChatState(ctx, tx, chatID)
		if err != nil {
			return err
		}
		total = st.threadCount
		rows, err := tx.Query(ctx, `SELECT `+threadColumns+` FROM threads WHERE chat_id = $1 ORDER BY ord DESC LIMIT $2 OFFSET $3`,
			chatID, limitArg(limit), max(offset, 0))
		if err != nil {
			return err
		}
		ts, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (chat.Thread, error) { return scanThread(row) })
		ts = nonNil(ts)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return ts, total, nil
}

// ThreadsByID returns the named threads of a chat with their events,
// ordered by Order.
func (s *Store) ThreadsByID(ctx context.Context, chatID string, ids []string) (ts []chat.Thread, err error) {
	defer wrap(&err, "threads %q of chat %q", ids, chatID)
	err = s.read(ctx, func(tx pgx.Tx) error {
		if _, err := getChatState(ctx, tx, chatID); err != nil {
			return err
		}
		ts = make([]chat.Thread, 0, len(ids))
		seen := make(map[string]bool, len(ids))
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			t, err := getThread(ctx, tx, chatID, id)
			if err != nil {
				return err
			}
			if t.Events, err = queryEvents(ctx, tx, `SELECT `+eventColumns+` FROM events
				WHERE chat_id = $1 AND thread_ord = $2 ORDER BY ord`, chatID, t.Order); err != nil {
				return err
			}
			ts = append(ts, t)
		}
		slices.SortFunc(ts, func(a, b chat.Thread) int { return a.Order - b.Order })
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ts, nil
}

// Thread returns a thread of a chat without its events.
func (s *Store) Thread(ctx context.Context, chatID, id string) (t chat.Thread, err error) {
	defer wrap(&err, "thread %q of chat %q", id, chatID)
	err = s.read(ctx, func(tx pgx.Tx) error {
		if _, err := getChatState(ctx, tx, chatID); err != nil {
			return err
		}
		t, err = getThread(ctx, tx, chatID, id)
		return err
	})
	return t, err
}

// ThreadEvents returns up to limit events of a chat's thread below order
// before (before <= 0: from the newest), newest first.
func (s *Store) ThreadEvents(ctx context.Context, chatID, threadID string, before, limit int) (evs []chat.Event, err error) {
	defer wrap(&err, "events of thread %q of chat %q before %d", threadID, chatID, before)
	if before <= 0 {
		before = math.MaxInt64
	}
	err = s.read(ctx, func(tx pgx.Tx) error {
		if _, err := getChatState(ctx, tx, chatID); err != nil {
			return err
		}
		t, err := getThread(ctx, tx, chatID, threadID)
		if err != nil {
			return err
		}
		evs, err = queryEvents(ctx, tx, `SELECT `+eventColumns+` FROM events
			WHERE chat_id = $1 AND thread_ord = $2 AND ord < $3::bigint ORDER BY ord DESC LIMIT $4`,
			chatID, t.Order, before, limitArg(limit))
		return err
	})
	if err != nil {
		return nil, err
	}
	return evs, nil
}

// LastEvents returns the newest event of each type in a chat. The chat's
// row keeps their ids (chats.last_events, kept by the trigger on events),
// so the lookup does not depend on how many events the chat holds.
func (s *Store) LastEvents(ctx context.Context, chatID string) (last map[string]chat.LastEvent, err error) {
	defer wrap(&err, "last events of chat %q", chatID)
	err = s.read(ctx, func(tx pgx.Tx) error {
		if _, err := getChatState(ctx, tx, chatID); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+eventColumns+` FROM events WHERE id IN (
			SELECT l.value FROM chats c, jsonb_each_text(c.last_events) l WHERE c.id = $1)`, chatID)
		if err != nil {
			return err
		}
		defer rows.Close()
		last = map[string]chat.LastEvent{}
		for rows.Next() {
			e, threadOrd, err := scanEvent(rows)
			if err != nil {
				return err
			}
			last[e.Type] = chat.LastEvent{ThreadOrder: threadOrd, Event: e}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return last, nil
}

// EventsAfter returns up to limit events of a chat stored after the event
// at (threadOrder, eventOrder), in store order.
func (s *Store) EventsAfter(ctx context.Context, chatID string, threadOrder, eventOrder, limit int) (evs []chat.Event, err error) {
	defer wrap(&err, "events of chat %q after (%d, %d)", chatID, threadOrder, eventOrder)
	err = s.read(ctx, func(tx pgx.Tx) error {
		if _, err := getChatState(ctx, tx, chatID); err != nil {
			return err
		}
		evs, err = queryEvents(ctx, tx, `SELECT `+eventColumns+` FROM events
			WHERE chat_id = $1 AND (thread_ord, ord) > ($2::bigint, $3::bigint) ORDER BY thread_ord, ord LIMIT $4`,
			chatID, threadOrder, eventOrder, limitArg(limit))
		return err
	})
	if err != nil {
		return nil, err
	}
	return evs, nil
}
