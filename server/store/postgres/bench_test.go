package postgres

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleychat/parley/server/chat"
)

// benchChats is how many chats BenchmarkAppendEventParallel appends to,
// each already holding benchHeld events.
const benchChats, benchHeld = 1000, 50

// benchStore opens a store on a new database holding benchChats chats
// ("chat0", …), each with an active thread ("t-chat0", …) of benchHeld
// messages by its customer ("c-chat0", …).
func benchStore(b *testing.B) *Store {
	ctx := context.Background()
	s := open(b, testDB(b, true))
	at := time.Now()
	errs := make(chan error, benchChats)
	sem := make(chan struct{}, 8)
	for c := range benchChats {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			id := fmt.Sprint("chat", c)
			_, _, err := s.CreateChat(ctx, chat.NewChat{
				Chat: chat.Chat{ID: id, LicenseID: 1, CustomerID: "c-" + id,
					Users: []chat.User{{ID: "c-" + id, Type: chat.UserCustomer}}, CreatedAt: at},
				Thread: chat.Thread{ID: "t-" + id, CreatedAt: at},
			})
			errs <- err
		}()
	}
	for range benchChats {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO events (id, chat_id, thread_id, thread_ord, ord, type, author_id, created_at, body)
		SELECT c || '-old' || i, c, 't-' || c, 1, i, 'message', 'c-' || c, $1::bigint, '{"text":"earlier"}'
		FROM (SELECT 'chat' || n AS c FROM generate_series(0, $2::int - 1) n) cs, generate_series(1, $3::int) i
		ORDER BY c, i`, at.UnixNano(), benchChats, benchHeld)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, `VACUUM ANALYZE`); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkAppendEventParallel measures appends as a busy node makes them:
// benchChats chats, each with benchHeld events, append at once, one append
// at a time per chat (as the chat service's lock makes them).
func BenchmarkAppendEventParallel(b *testing.B) {
	ctx := context.Background()
	s := benchStore(b)
	var next atomic.Int64
	commits, appends := s.appender.commits.Load(), s.appender.appends.Load()
	b.SetParallelism(benchChats / runtime.GOMAXPROCS(0))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		n := next.Add(1)
		id := fmt.Sprint("chat", n%benchChats)
		for i := 0; pb.Next(); i++ {
			_, err := s.AppendEvent(ctx, chat.AppendEvent{Mode: chat.AppendOrOpen, NewThreadID: fmt.Sprintf("t%d-%d", n, i),
				Event: chat.Event{ID: fmt.Sprintf("e%d-%d", n, i), ChatID: id, Type: chat.EventMessage,
					AuthorID: "c-" + id, CreatedAt: time.Now(), Text: "How can I help you today?"}})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	if c := s.appender.commits.Load() - commits; c > 0 {
		b.ReportMetric(float64(s.appender.appends.Load()-appends)/float64(c), "appends/commit")
	}
}
