package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/parleychat/parley/server/chat"
	"github.com/parleychat/parley/server/store/internal/codec"
)

type scanner interface{ Scan(...any) error }

// Queries run often enough to be prepared once, at Open.
const (
	qChatState    = `SELECT active, last_thread_id, thread_count FROM chats WHERE id = ?`
	qChat         = `SELECT ` + chatColumns + ` FROM chats WHERE id = ?`
	qChatUsers    = `SELECT ` + userColumns + ` FROM chat_users WHERE chat_id = ? ORDER BY seq`
	qThread       = `SELECT ` + threadColumns + ` FROM threads WHERE id = ? AND chat_id = ?`
	qThreadEvents = `SELECT ` + eventColumns + ` FROM events WHERE chat_id = ? AND thread_ord = ? ORDER BY ord`
	// qThreadIDEventsBefore walks a thread, named by its id, backwards
	// from before, on the table's (chat_id, thread_ord, ord) key: a history
	// page in one statement.
	qThreadIDEventsBefore = `SELECT ` + eventColumns + ` FROM events
		WHERE chat_id = ?1 AND thread_ord = (SELECT ord FROM threads WHERE id = ?2 AND chat_id = ?1) AND ord < ?3
			AND (?5 OR visibility = '')
		ORDER BY ord DESC LIMIT ?4`
	// The custom_id <> '' term lets SQLite use the partial unique index
	// events_custom_id: without it, the lookup scans the chat's events.
	qEventByCustomID = `SELECT ` + eventColumns + ` FROM events WHERE chat_id = ? AND author_id = ? AND custom_id = ? AND custom_id <> ''`
	qInsertEvent     = `INSERT INTO events (id, chat_id, thread_id, thread_ord, ord, type, author_id, created_at, custom_id, properties, body, visibility)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
)

// readQueries are prepared on the read pool, writeQueries on the write
// connection.
var (
	readQueries  = []string{qChatState, qChat, qChatUsers, qThread, qThreadEvents, qLastEvents}
	writeQueries = []string{qChatState, qChat, qChatUsers, qThread, qThreadEvents, qEventByCustomID, qInsertEvent,
		qSavepoint, qRollbackTo, qRelease, qIndexSearch, qIndexedUpTo}
)

// chatState is what the write paths need to know about a chat.
type chatState struct {
	active       bool
	lastThreadID string
	threadCount  int
}

func getChatState(ctx context.Context, q querier, chatID string) (chatState, error) {
	var st chatState
	err := q.QueryRowContext(ctx, qChatState, chatID).
		Scan(&st.active, &st.lastThreadID, &st.threadCount)
	if err != nil {
		return chatState{}, notFound(err, "")
	}
	return st, nil
}

const chatColumns = `id, license_id, customer_id, group_ids, properties, created_at, last_thread_id, active, last_event_at`

func scanChat(row scanner) (chat.Chat, error) {
	var (
		c                    chat.Chat
		groups, props        string
		created, lastEventAt sql.NullInt64
	)
	if err := row.Scan(&c.ID, &c.LicenseID, &c.CustomerID, &groups, &props, &created, &c.LastThreadID, &c.Active, &lastEventAt); err != nil {
		return chat.Chat{}, err
	}
	if err := codec.Decode(groups, &c.GroupIDs, "chat group ids"); err != nil {
		return chat.Chat{}, err
	}
	p, err := codec.DecodeProps(props)
	if err != nil {
		return chat.Chat{}, err
	}
	c.Properties = p
	c.CreatedAt = fromNS(created)
	c.LastEventAt = fromNS(lastEventAt)
	c.Users = []chat.User{}
	return c, nil
}

const userColumns = `chat_id, user_id, type, present, last_seen`

func scanUser(row scanner) (string, chat.User, error) {
	var (
		chatID string
		u      chat.User
		seen   sql.NullInt64
	)
	if err := row.Scan(&chatID, &u.ID, &u.Type, &u.Present, &seen); err != nil {
		return "", chat.User{}, err
	}
	u.LastSeen = fromNS(seen)
	return chatID, u, nil
}

// loadChat reads a chat with its users.
func loadChat(ctx context.Context, q querier, id string) (chat.Chat, error) {
	c, err := scanChat(q.QueryRowContext(ctx, qChat, id))
	if err != nil {
		return chat.Chat{}, notFound(err, "")
	}
	rows, err := q.QueryContext(ctx, qChatUsers, id)
	if err != nil {
		return chat.Chat{}, err
	}
	defer rows.Close()
	for rows.Next() {
		_, u, err := scanUser(rows)
		if err != nil {
			return chat.Chat{}, err
		}
		c.Users = append(c.Users, u)
	}
	if err := rows.Err(); err != nil {
		return chat.Chat{}, err
	}
	return c, nil
}

const threadColumns = `id, chat_id, ord, active, user_ids, properties, created_at, closed_at, total_events`

func scanThread(row scanner) (chat.Thread, error) {
	var (
		t               chat.Thread
		users, props    string
		created, closed sql.NullInt64
	)
	if err := row.Scan(&t.ID, &t.ChatID, &t.Order, &t.Active, &users, &props, &created, &closed, &t.TotalEvents); err != nil {
		return chat.Thread{}, err
	}
	if err := codec.Decode(users, &t.UserIDs, "thread user ids"); err != nil {
		return chat.Thread{}, err
	}
	if t.UserIDs == nil {
		t.UserIDs = []string{}
	}
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
	t, err := scanThread(q.QueryRowContext(ctx, qThread, id, chatID))
	if err != nil {
		return chat.Thread{}, notFound(err, fmt.Sprintf("thread %q", id))
	}
	return t, nil
}

const eventColumns = `id, chat_id, thread_id, thread_ord, ord, type, author_id, created_at, custom_id, properties, body, visibility`

// scanEvent reads an event and the order of its thread.
func scanEvent(row scanner) (chat.Event, int, error) {
	var (
		e           chat.Event
		threadOrd   int
		created     sql.NullInt64
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

// queryEvents runs query and scans the events it returns; n is how many
// to make room for at first.
func queryEvents(ctx context.Context, q querier, n int, query string, args ...any) ([]chat.Event, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	evs := make([]chat.Event, 0, n)
	for rows.Next() {
		e, _, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		evs = append(evs, e)
	}
	return evs, rows.Err()
}

// threadEvents reads the events of the thread of a chat with that order.
func threadEvents(ctx context.Context, q querier, chatID string, threadOrder int) ([]chat.Event, error) {
	return queryEvents(ctx, q, 0, qThreadEvents, chatID, threadOrder)
}

// insertEvent stores e, whose ChatID, ThreadID and Order are set, and
// returns it as stored.
func insertEvent(ctx context.Context, tx *txn, e chat.Event, threadOrd int) (chat.Event, error) {
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
	if _, err := tx.ExecContext(ctx, qInsertEvent, e.ID, e.ChatID, e.ThreadID, threadOrd, e.Order, e.Type, e.AuthorID, ns(e.CreatedAt), e.CustomID, props, body, e.Visibility); err != nil {
		return chat.Event{}, fmt.Errorf("insert event %q: %w", e.ID, mapErr(err))
	}
	if e.Properties == nil {
		e.Properties = chat.Properties{}
	}
	return e, nil
}

// addUser makes u a present member of the chat; a present member is left
// as it is.
func addUser(ctx context.Context, tx *txn, chatID string, u chat.User) error {
	if u.ID == "" {
		return errors.New("user id is empty")
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO chat_users (chat_id, user_id, type, present, last_seen) VALUES (?, ?, ?, 1, ?)
		ON CONFLICT (chat_id, user_id) DO UPDATE SET present = 1, type = excluded.type,
			last_seen = CASE WHEN last_seen IS NULL OR excluded.last_seen > last_seen THEN coalesce(excluded.last_seen, last_seen) ELSE last_seen END
		WHERE present = 0`, chatID, u.ID, string(u.Type), ns(u.LastSeen))
	if err != nil {
		return fmt.Errorf("add user %q: %w", u.ID, err)
	}
	return nil
}

func presentUserIDs(ctx context.Context, q querier, chatID string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT user_id FROM chat_users WHERE chat_id = ? AND present = 1 ORDER BY seq`, chatID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// openThread stores a new active thread t of the chat with its events and
// points the chat at it.
func (s *Store) openThread(ctx context.Context, tx *txn, chatID string, t chat.Thread, ord int, userIDs []string, events []chat.Event) (chat.Thread, error) {
	if t.ID == "" {
		return chat.Thread{}, errors.New("thread id is empty")
	}
	s.wr.forget(chatID)
	if userIDs == nil {
		userIDs = []string{}
	}
	users, err := codec.JSON(userIDs, "[]")
	if err != nil {
		return chat.Thread{}, err
	}
	props, err := codec.EncodeProps(t.Properties)
	if err != nil {
		return chat.Thread{}, fmt.Errorf("thread %q: %w", t.ID, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO threads (id, chat_id, ord, active, user_ids, properties, created_at, closed_at)
		VALUES (?, ?, ?, 1, ?, ?, ?, NULL)`, t.ID, chatID, ord, users, props, ns(t.CreatedAt)); err != nil {
		return chat.Thread{}, fmt.Errorf("insert thread %q: %w", t.ID, mapErr(err))
	}
	stored := chat.Thread{
		ID: t.ID, ChatID: chatID, Order: ord, Active: true, UserIDs: userIDs,
		CreatedAt: t.CreatedAt, TotalEvents: len(events), Events: make([]chat.Event, 0, len(events)),
	}
	if stored.Properties, err = codec.DecodeProps(props); err != nil {
		return chat.Thread{}, err
	}
	for i, e := range events {
		e.ChatID, e.ThreadID, e.Order = chatID, t.ID, i+1
		e, err := insertEvent(ctx, tx, e, ord)
		if err != nil {
			return chat.Thread{}, err
		}
		stored.Events = append(stored.Events, e)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE chats SET active = 1, last_thread_id = ?, thread_count = ? WHERE id = ?`,
		t.ID, ord, chatID); err != nil {
		return chat.Thread{}, err
	}
	return stored, nil
}

// CreateChat stores a chat with its first, active thread and the thread's
// first events. With an empty nc.Thread.ID it stores the chat without a
// thread; nc.Events must then be empty.
func (s *Store) CreateChat(ctx context.Context, nc chat.NewChat) (c chat.Chat, th chat.Thread, err error) {
	defer wrap(&err, "create chat %q", nc.Chat.ID)
	if nc.Chat.ID == "" {
		return chat.Chat{}, chat.Thread{}, errors.New("chat id is empty")
	}
	if nc.Thread.ID == "" && len(nc.Events) > 0 {
		return chat.Chat{}, chat.Thread{}, errors.New("events without a thread")
	}
	groups, err := codec.JSON(nc.Chat.GroupIDs, "[]")
	if err != nil {
		return chat.Chat{}, chat.Thread{}, err
	}
	props, err := codec.EncodeProps(nc.Chat.Properties)
	if err != nil {
		return chat.Chat{}, chat.Thread{}, err
	}
	err = s.write(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO chats (id, license_id, customer_id, group_ids, properties, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, nc.Chat.ID, nc.Chat.LicenseID, nc.Chat.CustomerID, groups, props, ns(nc.Chat.CreatedAt)); err != nil {
			return mapErr(err)
		}
		var userIDs []string
		for _, u := range nc.Chat.Users {
			if err := addUser(ctx, tx, nc.Chat.ID, u); err != nil {
				return err
			}
			if !slices.Contains(userIDs, u.ID) {
				userIDs = append(userIDs, u.ID)
			}
		}
		if nc.Thread.ID != "" {
			var err error
			th, err = s.openThread(ctx, tx, nc.Chat.ID, nc.Thread, 1, userIDs, nc.Events)
			if err != nil {
				return err
			}
		}
		var err error
		c, err = loadChat(ctx, tx, nc.Chat.ID)
		return err
	})
	if err != nil {
		return chat.Chat{}, chat.Thread{}, err
	}
	return c, th, nil
}

// ActivateChat opens a new active thread in a chat that has none.
func (s *Store) ActivateChat(ctx context.Context, chatID string, t chat.Thread, users []chat.User, events []chat.Event) (c chat.Chat, th chat.Thread, err error) {
	defer wrap(&err, "activate chat %q with thread %q", chatID, t.ID)
	err = s.write(ctx, func(tx *txn) error {
		st, err := getChatState(ctx, tx, chatID)
		if err != nil {
			return err
		}
		if st.active {
			return chat.ErrChatActive
		}
		for _, u := range users {
			if err := addUser(ctx, tx, chatID, u); err != nil {
				return err
			}
		}
		userIDs, err := presentUserIDs(ctx, tx, chatID)
		if err != nil {
			return err
		}
		if th, err = s.openThread(ctx, tx, chatID, t, st.threadCount+1, userIDs, events); err != nil {
			return err
		}
		c, err = loadChat(ctx, tx, chatID)
		return err
	})
	if err != nil {
		return chat.Chat{}, chat.Thread{}, err
	}
	return c, th, nil
}

// Chat returns a chat with its users.
func (s *Store) Chat(ctx context.Context, id string) (c chat.Chat, err error) {
	defer wrap(&err, "chat %q", id)
	err = s.read(ctx, func(tx *txn) error {
		c, err = loadChat(ctx, tx, id)
		return err
	})
	if err != nil {
		return chat.Chat{}, err
	}
	return c, nil
}

// Chats returns the chats matching f, the most recently active first, and
// how many match in all.
func (s *Store) Chats(ctx context.Context, f chat.ChatFilter, offset, limit int) (cs []chat.Chat, total int, err error) {
	defer wrap(&err, "chats of %+v", f)
	var (
		where []string
		args  []any
	)
	if f.LicenseID != 0 {
		where = append(where, "c.license_id = ?")
		args = append(args, f.LicenseID)
	}
	if f.CustomerID != "" {
		where = append(where, "c.customer_id = ?")
		args = append(args, f.CustomerID)
	}
	if f.MemberID != "" {
		where = append(where, "EXISTS (SELECT 1 FROM chat_users u WHERE u.chat_id = c.id AND u.user_id = ? AND u.present = 1)")
		args = append(args, f.MemberID)
	}
	if f.Active || f.Queued {
		where = append(where, "c.active = 1")
	}
	if f.Queued {
		where = append(where, "NOT EXISTS (SELECT 1 FROM chat_users u WHERE u.chat_id = c.id AND u.type = 'agent' AND u.present = 1)")
	}
	if f.Access != nil {
		cond, a := accessCond(f.Access)
		where, args = append(where, cond), append(args, a...)
	}
	if f.Tag != "" {
		where = append(where, "EXISTS (SELECT 1 FROM thread_tags g WHERE g.chat_id = c.id AND g.tag = ?)")
		args = append(args, f.Tag)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	if limit <= 0 {
		limit = -1
	}
	offset = max(offset, 0)
	qCount := `SELECT count(*) FROM chats c` + cond
	qList := `SELECT ` + chatColumns + ` FROM chats c` + cond + `
			ORDER BY coalesce(c.last_event_at, c.created_at) DESC, c.created_at DESC, c.id DESC
			LIMIT ? OFFSET ?`
	// Prepared before the transaction takes a connection of the pool.
	s.rStmts.prepare(ctx, qCount)
	s.rStmts.prepare(ctx, qList)
	err = s.read(ctx, func(tx *txn) error {
		rows, err := tx.QueryContext(ctx, qList, append(args, limit, offset)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		cs = []chat.Chat{}
		index := map[string]int{}
		for rows.Next() {
			c, err := scanChat(rows)
			if err != nil {
				return err
			}
			index[c.ID] = len(cs)
			cs = append(cs, c)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if offset == 0 && (limit < 0 || len(cs) < limit) {
			total = len(cs) // the whole list: no need to count (a login's usual case)
		} else if err := tx.QueryRowContext(ctx, qCount, args...).Scan(&total); err != nil {
			return err
		}
		if len(cs) == 0 {
			return nil
		}
		ids := make([]any, len(cs))
		for i, c := range cs {
			ids[i] = c.ID
		}
		urows, err := tx.QueryContext(ctx, `SELECT `+userColumns+` FROM chat_users WHERE chat_id IN (?`+
			strings.Repeat(", ?", len(ids)-1)+`) ORDER BY seq`, ids...)
		if err != nil {
			return err
		}
		defer urows.Close()
		for urows.Next() {
			chatID, u, err := scanUser(urows)
			if err != nil {
				return err
			}
			i := index[chatID]
			cs[i].Users = append(cs[i].Users, u)
		}
		return urows.Err()
	})
	if err != nil {
		return nil, 0, err
	}
	return cs, total, nil
}

// AppendEvent stores one event as a.Mode says.
func (s *Store) AppendEvent(ctx context.Context, a chat.AppendEvent) (res chat.AppendResult, err error) {
	defer wrap(&err, "append event %q to chat %q", a.Event.ID, a.Event.ChatID)
	if a.Mode != chat.AppendOrOpen && a.Mode != chat.AppendActive && a.Mode != chat.AppendLast {
		return chat.AppendResult{}, fmt.Errorf("unknown append mode %d", a.Mode)
	}
	err = s.write(ctx, func(tx *txn) error {
		ev := a.Event // afresh on each run: the writer may run this twice
		res = chat.AppendResult{}
		h, err := s.wr.hotChat(ctx, tx, ev.ChatID)
		if err != nil {
			return err
		}
		if ev.CustomID != "" {
			dup, _, err := scanEvent(tx.QueryRowContext(ctx, qEventByCustomID, ev.ChatID, ev.AuthorID, ev.CustomID))
			switch {
			case err == nil:
				th, err := getThread(ctx, tx, ev.ChatID, dup.ThreadID)
				if err != nil {
					return err
				}
				res = chat.AppendResult{Thread: th, Event: dup, Duplicate: true}
				return nil
			case !errors.Is(err, sql.ErrNoRows):
				return err
			}
		}
		st := h.st
		if a.Mode == chat.AppendOrOpen && !st.active {
			userIDs, err := presentUserIDs(ctx, tx, ev.ChatID)
			if err != nil {
				return err
			}
			th, err := s.openThread(ctx, tx, ev.ChatID, chat.Thread{ID: a.NewThreadID, CreatedAt: ev.CreatedAt},
				st.threadCount+1, userIDs, []chat.Event{ev})
			if err != nil {
				return err
			}
			res.Event = th.Events[0]
			th.Events = nil
			res.Thread = th
			res.Opened = true
			return nil
		}
		switch {
		case a.Mode == chat.AppendActive && !st.active:
			return chat.ErrNoActiveThread
		case st.lastThreadID == "":
			return chat.ErrNoThread
		}
		th := h.thread
		ev.ThreadID = th.ID
		ev.Order = th.TotalEvents + 1
		// One statement: the trigger on events moves the thread's total
		// and the chat's last event (see migrations/0003_lean_events.sql).
		if ev, err = insertEvent(ctx, tx, ev, th.Order); err != nil {
			return err
		}
		// Stored: the writer's copy follows.
		h.thread.TotalEvents = ev.Order
		th.TotalEvents = ev.Order
		th.UserIDs = slices.Clone(th.UserIDs)
		th.Properties = codec.CloneProps(th.Properties)
		res.Thread = th
		res.Event = ev
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
	err = s.write(ctx, func(tx *txn) error {
		s.wr.forget(chatID)
		st, err := getChatState(ctx, tx, chatID)
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
		if _, err := tx.ExecContext(ctx, `UPDATE threads SET active = 0, closed_at = ? WHERE id = ?`, ns(at), th.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE chats SET active = 0 WHERE id = ?`, chatID); err != nil {
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
	if limit <= 0 {
		limit = -1
	}
	offset = max(offset, 0)
	err = s.read(ctx, func(tx *txn) error {
		st, err := getChatState(ctx, tx, chatID)
		if err != nil {
			return err
		}
		total = st.threadCount
		rows, err := tx.QueryContext(ctx, `SELECT `+threadColumns+` FROM threads WHERE chat_id = ? ORDER BY ord DESC LIMIT ? OFFSET ?`,
			chatID, limit, offset)
		if err != nil {
			return err
		}
		defer rows.Close()
		ts = []chat.Thread{}
		for rows.Next() {
			t, err := scanThread(rows)
			if err != nil {
				return err
			}
			ts = append(ts, t)
		}
		return rows.Err()
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
	err = s.read(ctx, func(tx *txn) error {
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
			if t.Events, err = threadEvents(ctx, tx, chatID, t.Order); err != nil {
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
	err = s.read(ctx, func(tx *txn) error {
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
	if limit <= 0 {
		limit = -1
	}
	if before <= 0 {
		before = math.MaxInt64
	}
	err = s.read(ctx, func(tx *txn) error {
		var err error
		evs, err = queryEvents(ctx, tx, min(max(limit, 0), 1000), qThreadIDEventsBefore, chatID, threadID, before, limit, reader == chat.UserAgent)
		if err != nil || len(evs) > 0 {
			return err
		}
		// Nothing: an empty page, or no such chat or thread.
		if _, err := getChatState(ctx, tx, chatID); err != nil {
			return err
		}
		_, err = getThread(ctx, tx, chatID, threadID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return evs, nil
}

// qLastEvents reads the newest event of each type by id: the chat's row
// keeps their ids (chats.last_events, and chats.last_customer_events
// without private notes, maintained by a trigger on every insert into
// events), so no lookup depends on how many events the chat holds. ?2
// picks the customers' map.
var qLastEvents = `SELECT ` + eventColumns + ` FROM events WHERE id IN (
		SELECT value FROM chats, json_each(CASE WHEN ?2 THEN chats.last_customer_events ELSE chats.last_events END)
		WHERE chats.id = ?1)`

// LastEvents returns the newest event of each type in a chat that reader
// may see.
func (s *Store) LastEvents(ctx context.Context, chatID string, reader chat.UserType) (last map[string]chat.LastEvent, err error) {
	defer wrap(&err, "last events of chat %q", chatID)
	err = s.read(ctx, func(tx *txn) error {
		if _, err := getChatState(ctx, tx, chatID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, qLastEvents, chatID, reader != chat.UserAgent)
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
	if limit <= 0 {
		limit = -1
	}
	err = s.read(ctx, func(tx *txn) error {
		if _, err := getChatState(ctx, tx, chatID); err != nil {
			return err
		}
		evs, err = queryEvents(ctx, tx, 0, `SELECT `+eventColumns+` FROM events
			WHERE chat_id = ? AND (thread_ord, ord) > (?, ?) ORDER BY thread_ord, ord LIMIT ?`,
			chatID, threadOrder, eventOrder, limit)
		return err
	})
	if err != nil {
		return nil, err
	}
	return evs, nil
}
