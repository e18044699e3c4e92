package bench

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// IdleConfig configures an [Idle] run.
type IdleConfig struct {
	Target
	// Conns is the number of customer connections to hold. Zero: 1000.
	Conns int
	// Connect is the number of connections set up at once. Zero: 64.
	Connect int
	// Settle is how long to wait after the last login before reading the
	// server's memory. Zero: 3 s.
	Settle time.Duration
	// Hold keeps the connections open this long after the measurement.
	Hold time.Duration
	// ServerPID, when not 0, is the server's process, whose memory the
	// result reports per connection.
	ServerPID int
	// Progress, if not nil, is called after each login with the number
	// done so far.
	Progress func(done int)
}

// IdleResult is what an [Idle] run measured.
type IdleResult struct {
	Conns int `json:"conns"`
	// TokensPerSec is the rate of the customer token requests made first
	// (one per customer, as on a first visit).
	TokensPerSec float64 `json:"tokens_per_s"`
	// LoginsPerSec is the rate of WebSocket connects plus logins with
	// tokens at hand, as when every visitor reconnects after a deploy.
	LoginsPerSec float64 `json:"logins_per_s"`
	Login        Latency `json:"connect_login"`

	// Server memory, when ServerPID is set: before the connections, with
	// them, and the difference per connection.
	RSSBefore  int64 `json:"rss_before_bytes,omitempty"`
	RSSAfter   int64 `json:"rss_after_bytes,omitempty"`
	RSSPerConn int64 `json:"rss_per_conn_bytes,omitempty"`
	Threads    int   `json:"threads,omitempty"`
}

// Idle connects Conns customers, measures, and holds them; see
// [IdleConfig].
func Idle(ctx context.Context, cfg IdleConfig) (IdleResult, error) {
	cfg.init()
	if cfg.Conns <= 0 {
		cfg.Conns = 1000
	}
	if cfg.Connect <= 0 {
		cfg.Connect = 64
	}
	if cfg.Settle <= 0 {
		cfg.Settle = 3 * time.Second
	}
	res := IdleResult{Conns: cfg.Conns}
	tokens := make([]string, cfg.Conns)
	t0 := time.Now()
	err := parallel(ctx, cfg.Conns, cfg.Connect, func(ctx context.Context, i int) error {
		tok, _, err := cfg.CustomerToken(ctx)
		tokens[i] = tok
		return err
	}, nil)
	if err != nil {
		return res, fmt.Errorf("bench: tokens: %w", err)
	}
	res.TokensPerSec = float64(cfg.Conns) / time.Since(t0).Seconds()

	if cfg.ServerPID != 0 {
		if st, err := ReadProc(cfg.ServerPID); err == nil {
			res.RSSBefore = st.RSS
		}
	}
	conns := make([]*conn, cfg.Conns)
	defer func() {
		// Closing thousands at once is the server's problem, not ours:
		// drop them without the handshake.
		var wg sync.WaitGroup
		for _, c := range conns {
			if c != nil {
				wg.Go(c.closeNow)
			}
		}
		wg.Wait()
	}()
	var lat recorder
	t0 = time.Now()
	err = parallel(ctx, cfg.Conns, cfg.Connect, func(ctx context.Context, i int) error {
		s := time.Now()
		c, err := dial(ctx, cfg.client(), cfg.customerURL(), nil)
		if err != nil {
			return fmt.Errorf("connect: %w", err)
		}
		conns[i] = c
		if _, err := c.login(ctx, tokens[i], nil); err != nil {
			return err
		}
		lat.add(time.Since(s))
		return nil
	}, cfg.Progress)
	if err != nil {
		return res, fmt.Errorf("bench: connect %d customers: %w", cfg.Conns, err)
	}
	res.LoginsPerSec = float64(cfg.Conns) / time.Since(t0).Seconds()
	res.Login = lat.summary()

	select {
	case <-time.After(cfg.Settle):
	case <-ctx.Done():
		return res, ctx.Err()
	}
	if cfg.ServerPID != 0 {
		if st, err := ReadProc(cfg.ServerPID); err == nil {
			res.RSSAfter, res.Threads = st.RSS, st.Threads
			res.RSSPerConn = (res.RSSAfter - res.RSSBefore) / int64(cfg.Conns)
		}
	}
	if cfg.Hold > 0 {
		select {
		case <-time.After(cfg.Hold):
		case <-ctx.Done():
		}
	}
	return res, nil
}
