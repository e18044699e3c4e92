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

const eventColumns = `id, chat_id, thread_id, thread_ord, ord, type, author_id, created_at, custom_id, properties, body, visibility`

// scanEvent reads an event and the order of its thread.
func scanEvent(row pgx.Row) (chat.Event, int, error) {
	var (
		e           chat.Event
		threadOrd   int
		created     *int64
		props, body string
	)
	if err := row.Scan(&e.ID, &e.ChatID, &e.ThreadID, &threadOrd, &e.Order, &e.Type, &e.AuthorID, &created, &e.CustomID, &props, &body, &e.Visibility); err != nil {
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

// qInsertEvents inserts events, given one array per column (eventRows), in
// the arrays' order. The trigger on events moves each thread's total and
// each chat's last events (see migrations/0001_init.sql), row by row.
const qInsertEvents = `INSERT INTO events (id, chat_id, thread_id, thread_ord, ord, type, author_id, created_at, custom_id, properties, body, visibility)
	SELECT id, chat_id, thread_id, thread_ord, ord, type, author_id, created_at, custom_id, properties::json, body::json, visibility
	FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $6::text[], $7::text[], $8::bigint[],
		$9::text[], $10::text[], $11::text[], $12::text[])
		WITH ORDINALITY AS e(id, chat_id, thread_id, thread_ord, ord, type, author_id, created_at, custom_id, properties, body, visibility, n)
	ORDER BY n`

// eventRows are events to store with one qInsertEvents: one array per
// column.
type eventRows struct {
	ids, chatIDs, threadIDs  []string
	threadOrds, ords         []int
	types, authorIDs         []string
	createdAt                []*int64
	customIDs, props, bodies []string
	visibilities             []string
}

// add adds e, whose ChatID, ThreadID and Order are set, in the thread of
// order threadOrd, and returns it as it will read back. It adds nothing
// when e cannot be stored.
func (r *eventRows) add(e chat.Event, threadOrd int) (chat.Event, error) {
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
	r.ids, r.chatIDs, r.threadIDs = append(r.ids, e.ID), append(r.chatIDs, e.ChatID), append(r.threadIDs, e.ThreadID)
	r.threadOrds, r.ords = append(r.threadOrds, threadOrd), append(r.ords, e.Order)
	r.types, r.authorIDs = append(r.types, e.Type), append(r.authorIDs, e.AuthorID)
	r.createdAt = append(r.createdAt, ns(e.CreatedAt))
	r.customIDs, r.props, r.bodies = append(r.customIDs, e.CustomID), append(r.props, props), append(r.bodies, body)
	r.visibilities = append(r.visibilities, e.Visibility)
	if e.Properties == nil {
		e.Properties = chat.Properties{}
	}
	return e, nil
}

func (r *eventRows) len() int { return len(r.ids) }

// args are the arguments of qInsertEvents.
func (r *eventRows) args() []any {
	return []any{r.ids, r.chatIDs, r.threadIDs, r.threadOrds, r.ords, r.types, r.authorIDs, r.createdAt,
		r.customIDs, r.props, r.bodies, r.visibilities}
}

// insertEvents stores the events of r.
func insertEvents(ctx context.Context, tx pgx.Tx, r *eventRows) error {
	if r.len() == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, qInsertEvents, r.args()...); err != nil {
		return fmt.Errorf("insert events %q: %w", r.ids, mapErr(err))
	}
	return nil
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
			var rows eventRows
			if e, err = rows.add(e, th.Order); err != nil {
				return err
			}
			if err := insertEvents(ctx, tx, &rows); err != nil {
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
func (s *Store) ThreadEvents(ctx context.Context, chatID, threadID string, before, limit int, reader chat.UserType) (evs []chat.Event, err error) {
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
			WHERE chat_id = $1 AND thread_ord = $2 AND ord < $3::bigint AND ($5 OR visibility = '')
			ORDER BY ord DESC LIMIT $4`,
			chatID, t.Order, before, limitArg(limit), reader == chat.UserAgent)
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
//
// A customer reader gets the newest of the events visible to all
// (chats.last_customer_events, kept by the same trigger).
func (s *Store) LastEvents(ctx context.Context, chatID string, reader chat.UserType) (last map[string]chat.LastEvent, err error) {
	defer wrap(&err, "last events of chat %q", chatID)
	err = s.read(ctx, func(tx pgx.Tx) error {
		if _, err := getChatState(ctx, tx, chatID); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+eventColumns+` FROM events WHERE id IN (
			SELECT l.value FROM chats c,
				jsonb_each_text(CASE WHEN $2 THEN c.last_customer_events ELSE c.last_events END) l
			WHERE c.id = $1)`, chatID, reader != chat.UserAgent)
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
