package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/parleychat/parley/server/chat"
	"github.com/parleychat/parley/server/store/internal/codec"
)

// chatState is what the write paths need to know about a chat.
type chatState struct {
	active       bool
	lastThreadID string
	threadCount  int
}

const (
	qChatState = `SELECT active, last_thread_id, thread_count FROM chats WHERE id = $1`
	qLockChat  = qChatState + ` FOR NO KEY UPDATE`
)

// lockChat locks the chat's row until the end of tx and returns its state.
// Every write that changes a chat's threads, events or members takes this
// lock first, so such writes to one chat run one after the other, whichever
// node runs them, and always take their locks in the same order. The lock
// (FOR NO KEY UPDATE) does not block inserts of rows that refer to the chat.
func lockChat(ctx context.Context, tx pgx.Tx, chatID string) (chatState, error) {
	return scanChatState(tx.QueryRow(ctx, qLockChat, chatID))
}

// getChatState reads a chat's state without locking it.
func getChatState(ctx context.Context, q querier, chatID string) (chatState, error) {
	return scanChatState(q.QueryRow(ctx, qChatState, chatID))
}

func scanChatState(row pgx.Row) (chatState, error) {
	var st chatState
	if err := row.Scan(&st.active, &st.lastThreadID, &st.threadCount); err != nil {
		return chatState{}, notFound(err, "")
	}
	return st, nil
}

const chatColumns = `id, license_id, customer_id, group_ids, properties, created_at, last_thread_id, active, last_event_at`

func scanChat(row pgx.Row) (chat.Chat, error) {
	var (
		c                    chat.Chat
		props                string
		created, lastEventAt *int64
	)
	if err := row.Scan(&c.ID, &c.LicenseID, &c.CustomerID, &c.GroupIDs, &props, &created, &c.LastThreadID, &c.Active, &lastEventAt); err != nil {
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

func scanUser(row pgx.Row) (string, chat.User, error) {
	var (
		chatID string
		u      chat.User
		seen   *int64
	)
	if err := row.Scan(&chatID, &u.ID, &u.Type, &u.Present, &seen); err != nil {
		return "", chat.User{}, err
	}
	u.LastSeen = fromNS(seen)
	return chatID, u, nil
}

// loadChat reads a chat with its users.
func loadChat(ctx context.Context, q querier, id string) (chat.Chat, error) {
	c, err := scanChat(q.QueryRow(ctx, `SELECT `+chatColumns+` FROM chats WHERE id = $1`, id))
	if err != nil {
		return chat.Chat{}, notFound(err, "")
	}
	rows, err := q.Query(ctx, `SELECT `+userColumns+` FROM chat_users WHERE chat_id = $1 ORDER BY seq`, id)
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

// addUser makes u a present member of the chat; a present member is left
// as it is.
func addUser(ctx context.Context, tx pgx.Tx, chatID string, u chat.User) error {
	if u.ID == "" {
		return errors.New("user id is empty")
	}
	_, err := tx.Exec(ctx, `INSERT INTO chat_users (chat_id, user_id, type, present, last_seen) VALUES ($1, $2, $3, true, $4)
		ON CONFLICT (chat_id, user_id) DO UPDATE SET present = true, type = excluded.type,
			last_seen = greatest(chat_users.last_seen, excluded.last_seen)
		WHERE NOT chat_users.present`, chatID, u.ID, string(u.Type), ns(u.LastSeen))
	if err != nil {
		return fmt.Errorf("add user %q: %w", u.ID, err)
	}
	return nil
}

func presentUserIDs(ctx context.Context, q querier, chatID string) ([]string, error) {
	rows, err := q.Query(ctx, `SELECT user_id FROM chat_users WHERE chat_id = $1 AND present ORDER BY seq`, chatID)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	return nonNil(ids), nil
}

// Statements that open a thread: qInsertThread stores it, qPointChat makes
// it the chat's last and active thread.
const (
	qInsertThread = `INSERT INTO threads (id, chat_id, ord, active, user_ids, properties, created_at, closed_at)
		VALUES ($1, $2, $3, true, $4, $5, $6, NULL)`
	qPointChat = `UPDATE chats SET active = true, last_thread_id = $1, thread_count = $2 WHERE id = $3`
)

// openThread stores a new active thread t of the chat with its events and
// points the chat at it. The caller holds the chat's lock (or has just
// created the chat).
func openThread(ctx context.Context, tx pgx.Tx, chatID string, t chat.Thread, ord int, userIDs []string, events []chat.Event) (chat.Thread, error) {
	if t.ID == "" {
		return chat.Thread{}, errors.New("thread id is empty")
	}
	userIDs = nonNil(userIDs)
	props, err := codec.EncodeProps(t.Properties)
	if err != nil {
		return chat.Thread{}, fmt.Errorf("thread %q: %w", t.ID, err)
	}
	if _, err := tx.Exec(ctx, qInsertThread, t.ID, chatID, ord, userIDs, props, ns(t.CreatedAt)); err != nil {
		return chat.Thread{}, fmt.Errorf("insert thread %q: %w", t.ID, mapErr(err))
	}
	stored := chat.Thread{
		ID: t.ID, ChatID: chatID, Order: ord, Active: true, UserIDs: userIDs,
		CreatedAt: t.CreatedAt, TotalEvents: len(events), Events: make([]chat.Event, 0, len(events)),
	}
	if stored.Properties, err = codec.DecodeProps(props); err != nil {
		return chat.Thread{}, err
	}
	var rows eventRows
	for i, e := range events {
		e.ChatID, e.ThreadID, e.Order = chatID, t.ID, i+1
		if e, err = rows.add(e, ord); err != nil {
			return chat.Thread{}, err
		}
		stored.Events = append(stored.Events, e)
	}
	if err := insertEvents(ctx, tx, &rows); err != nil {
		return chat.Thread{}, err
	}
	if _, err := tx.Exec(ctx, qPointChat, t.ID, ord, chatID); err != nil {
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
	props, err := codec.EncodeProps(nc.Chat.Properties)
	if err != nil {
		return chat.Chat{}, chat.Thread{}, err
	}
	err = s.write(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO chats (id, license_id, customer_id, group_ids, properties, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, nc.Chat.ID, nc.Chat.LicenseID, nc.Chat.CustomerID, nonNil(nc.Chat.GroupIDs),
			props, ns(nc.Chat.CreatedAt)); err != nil {
			return err
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
			if th, err = openThread(ctx, tx, nc.Chat.ID, nc.Thread, 1, userIDs, nc.Events); err != nil {
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
	err = s.write(ctx, func(tx pgx.Tx) error {
		st, err := lockChat(ctx, tx, chatID)
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
		if th, err = openThread(ctx, tx, chatID, t, st.threadCount+1, userIDs, events); err != nil {
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
	err = s.read(ctx, func(tx pgx.Tx) error {
		c, err = loadChat(ctx, tx, id)
		return err
	})
	if err != nil {
		return chat.Chat{}, err
	}
	return c, nil
}

// args collects the arguments of a query built piece by piece.
type args []any

// add appends v and returns its placeholder.
func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// limitArg is the stored form of a limit: NULL (LIMIT ALL) for <= 0.
func limitArg(limit int) *int {
	if limit <= 0 {
		return nil
	}
	return &limit
}

// Chats returns the chats matching f, the most recently active first, and
// how many match in all.
func (s *Store) Chats(ctx context.Context, f chat.ChatFilter, offset, limit int) (cs []chat.Chat, total int, err error) {
	defer wrap(&err, "chats of %+v", f)
	var (
		where []string
		a     args
	)
	if f.LicenseID != 0 {
		where = append(where, "c.license_id = "+a.add(f.LicenseID))
	}
	if f.CustomerID != "" {
		where = append(where, "c.customer_id = "+a.add(f.CustomerID))
	}
	if f.MemberID != "" {
		where = append(where, "EXISTS (SELECT 1 FROM chat_users u WHERE u.chat_id = c.id AND u.user_id = "+a.add(f.MemberID)+" AND u.present)")
	}
	if f.Active || f.Queued {
		where = append(where, "c.active")
	}
	if f.Queued {
		where = append(where, "NOT EXISTS (SELECT 1 FROM chat_users u WHERE u.chat_id = c.id AND u.type = 'agent' AND u.present)")
	}
	if f.Access != nil {
		where = append(where, accessCond(f.Access, &a))
	}
	if f.Tag != "" {
		where = append(where, "EXISTS (SELECT 1 FROM thread_tags g WHERE g.chat_id = c.id AND g.tag = "+a.add(f.Tag)+")")
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	qCount := `SELECT count(*) FROM chats c` + cond
	countArgs := slices.Clone(a)
	qList := `SELECT ` + chatColumns + ` FROM chats c` + cond + `
		ORDER BY coalesce(c.last_event_at, c.created_at) DESC, c.created_at DESC, c.id DESC
		LIMIT ` + a.add(limitArg(limit)) + ` OFFSET ` + a.add(max(offset, 0))
	err = s.read(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, qCount, countArgs...).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, qList, a...)
		if err != nil {
			return err
		}
		cs, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (chat.Chat, error) { return scanChat(row) })
		if err != nil {
			return err
		}
		cs = nonNil(cs)
		if len(cs) == 0 {
			return nil
		}
		index := make(map[string]int, len(cs))
		ids := make([]string, len(cs))
		for i, c := range cs {
			index[c.ID] = i
			ids[i] = c.ID
		}
		urows, err := tx.Query(ctx, `SELECT `+userColumns+` FROM chat_users WHERE chat_id = ANY($1) ORDER BY seq`, ids)
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
