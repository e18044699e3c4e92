package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// EventsConfig configures an [Events] run.
type EventsConfig struct {
	Target
	// Customers is the number of customers, each in its own chat. Zero: 100.
	Customers int
	// Agents is the number of agent connections. Each one hears every
	// chat's events (they all join every chat), so deliveries are counted
	// per agent connection. Zero: 1.
	Agents int
	// Rate is the offered load in events per second over all customers,
	// sent on a fixed schedule whatever the server answers. Zero: as fast
	// as the server acknowledges, with Window requests in flight per
	// customer.
	Rate float64
	// Window is the number of sends in flight per customer when Rate is
	// zero. Zero: 1. A connection never has more than
	// protocol.MaxRequestsInFlight requests unanswered (the server refuses
	// more): past that, sends wait on the generator's side.
	Window int
	// Duration is how long the measured part of the run lasts. Zero: 10 s.
	Duration time.Duration
	// Warmup runs the load before measuring. Zero: 2 s; negative: none.
	Warmup time.Duration
	// Drain is how long to wait, once sending stops, for acknowledgements
	// and deliveries still under way. Zero: 10 s.
	Drain time.Duration
	// Connect is the number of connections set up at once. Zero: 32.
	Connect int
	// ServerPID, when not 0, is the server's process, whose memory and CPU
	// the result reports.
	ServerPID int
	// Progress, if not nil, is called about once a second while the load
	// runs.
	Progress func(Progress)
}

// Progress is a snapshot of a running load, per second since the last one.
type Progress struct {
	Elapsed                time.Duration
	Measuring              bool
	Sent, Acked, Delivered float64
	InFlight               int64
	Errors                 int64
}

// EventsResult is what an [Events] run measured. Counts and rates cover
// the measured window; latencies cover the sends scheduled in it.
type EventsResult struct {
	Customers int           `json:"customers"`
	Agents    int           `json:"agents"`
	Offered   float64       `json:"offered_per_s"` // 0: as fast as acknowledged
	Window    int           `json:"window,omitempty"`
	Duration  time.Duration `json:"duration_ns"`

	Sent      int64 `json:"sent"`
	Acked     int64 `json:"acked"`
	Delivered int64 `json:"delivered"`
	// Skipped counts scheduled sends a customer connection could not take
	// because its backlog was full (the server did not read them).
	Skipped int64 `json:"skipped"`
	// Unacked counts sends of the window still unacknowledged when the
	// drain ended.
	Unacked int64  `json:"unacked"`
	Errors  int64  `json:"errors"`
	Error   string `json:"first_error,omitempty"`

	SentPerSec      float64 `json:"sent_per_s"`
	AckedPerSec     float64 `json:"acked_per_s"`
	DeliveredPerSec float64 `json:"delivered_per_s"`

	Ack     Latency `json:"send_to_ack"`
	Deliver Latency `json:"send_to_deliver"`

	Server *ServerUsage `json:"server,omitempty"`
}

// ServerUsage is the server process's use of the machine during a window.
type ServerUsage struct {
	PID int `json:"pid"`
	// RSS is the largest resident set size seen.
	RSS int64 `json:"max_rss_bytes"`
	// Cores is CPU time over wall time: 1.5 is one and a half cores busy.
	Cores   float64 `json:"cpu_cores"`
	Threads int     `json:"threads"`
}

// textPrefix starts the text of every message the generator sends; the
// rest is the time the send was scheduled, in Unix nanoseconds, from which
// an agent that receives it computes the delivery latency.
const textPrefix = "parley-bench "

// Events runs an event load against a server; see [EventsConfig].
func Events(ctx context.Context, cfg EventsConfig) (EventsResult, error) {
	cfg.defaults()
	r := &eventsRun{cfg: cfg}
	defer r.close()
	if err := r.setup(ctx); err != nil {
		return EventsResult{}, err
	}
	return r.run(ctx)
}

func (c *EventsConfig) defaults() {
	c.init()
	if c.Customers <= 0 {
		c.Customers = 100
	}
	if c.Agents <= 0 {
		c.Agents = 1
	}
	if c.Window <= 0 {
		c.Window = 1
	}
	if c.Duration <= 0 {
		c.Duration = 10 * time.Second
	}
	if c.Warmup == 0 {
		c.Warmup = 2 * time.Second
	}
	if c.Warmup < 0 {
		c.Warmup = 0
	}
	if c.Drain <= 0 {
		c.Drain = 10 * time.Second
	}
	if c.Connect <= 0 {
		c.Connect = 32
	}
}

type eventsRun struct {
	cfg       EventsConfig
	customers []*customerConn
	agents    []*conn

	// The measured window, set when the warmup ends.
	winStart, winEnd atomic.Int64 // Unix nanoseconds; 0 until known

	sent, acked, delivered, skipped, errs, inflight atomic.Int64
	// Counters of the window.
	wSent, wAcked, wDelivered, wUnacked atomic.Int64
	ack, deliver                        recorder

	errMu    sync.Mutex
	firstErr string
}

func (r *eventsRun) close() {
	for _, c := range r.customers {
		if c != nil {
			c.close()
		}
	}
	for _, a := range r.agents {
		if a != nil {
			a.close()
		}
	}
}

func (r *eventsRun) setup(ctx context.Context) error {
	cfg := r.cfg
	r.agents = make([]*conn, cfg.Agents)
	for i := range r.agents {
		a, err := cfg.dialAgent(ctx, r.onAgentPush)
		if err != nil {
			return err
		}
		r.agents[i] = a
	}
	r.customers = make([]*customerConn, cfg.Customers)
	err := parallel(ctx, cfg.Customers, cfg.Connect, func(ctx context.Context, i int) error {
		cc, err := cfg.dialCustomer(ctx, nil)
		if err != nil {
			return err
		}
		r.customers[i] = cc
		if err := cc.startChat(ctx); err != nil {
			return err
		}
		// Agents are one account: one join makes every connection hear it.
		_, err = r.agents[0].call(ctx, "join_chat", map[string]any{"chat_id": cc.chatID})
		return err
	}, nil)
	if err != nil {
		return fmt.Errorf("bench: set up %d customers: %w", cfg.Customers, err)
	}
	return nil
}

// inWindow reports whether t falls in the measured window.
func (r *eventsRun) inWindow(t int64) bool {
	s, e := r.winStart.Load(), r.winEnd.Load()
	return s != 0 && t >= s && (e == 0 || t < e)
}

func (r *eventsRun) fail(err error) {
	r.errs.Add(1)
	r.errMu.Lock()
	if r.firstErr == "" {
		r.firstErr = err.Error()
	}
	r.errMu.Unlock()
}

// onAgentPush counts an incoming_event the generator sent.
func (r *eventsRun) onAgentPush(raw []byte) {
	i := bytes.Index(raw, []byte(`"text":"`+textPrefix))
	if i < 0 || !bytes.Contains(raw[:min(len(raw), 64)], []byte(`"incoming_event"`)) {
		return
	}
	rest := raw[i+len(`"text":"`+textPrefix):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return
	}
	sched, err := strconv.ParseInt(string(rest[:j]), 10, 64)
	if err != nil {
		return
	}
	now := time.Now().UnixNano()
	r.delivered.Add(1)
	if r.inWindow(now) {
		r.wDelivered.Add(1)
	}
	if r.inWindow(sched) {
		r.deliver.add(time.Duration(now - sched))
	}
}

// sendOne sends one message scheduled at sched and calls done when it is
// acknowledged or failed.
func (r *eventsRun) sendOne(cc *customerConn, sched time.Time, done func()) {
	schedNs := sched.UnixNano()
	measured := r.inWindow(schedNs)
	r.sent.Add(1)
	r.inflight.Add(1)
	if measured {
		r.wSent.Add(1)
		r.wUnacked.Add(1)
	}
	text := textPrefix + strconv.FormatInt(schedNs, 10)
	cc.send("send_event", map[string]any{"chat_id": cc.chatID, "event": map[string]any{"type": "message", "text": text}}, func(rep reply) {
		r.inflight.Add(-1)
		defer done()
		if rep.err != nil {
			r.fail(rep.err)
			return
		}
		if msg, bad := rep.f.failed(); bad {
			r.fail(errors.New("send_event: " + msg))
			return
		}
		now := time.Now().UnixNano()
		r.acked.Add(1)
		if r.inWindow(now) {
			r.wAcked.Add(1)
		}
		if measured {
			r.wUnacked.Add(-1)
			r.ack.add(time.Duration(now - schedNs))
		}
	})
}

func (r *eventsRun) run(ctx context.Context) (EventsResult, error) {
	cfg := r.cfg
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	measureAt := start.Add(cfg.Warmup)
	stopAt := measureAt.Add(cfg.Duration)
	r.winStart.Store(measureAt.UnixNano())
	r.winEnd.Store(stopAt.UnixNano())
	var wg sync.WaitGroup
	if cfg.Rate > 0 {
		r.openLoop(ctx, &wg, start, stopAt)
	} else {
		r.closedLoop(ctx, &wg, stopAt)
	}

	var proc0 ProcStats
	var usage *ServerUsage
	sample := func() {
		if cfg.ServerPID == 0 {
			return
		}
		if st, err := ReadProc(cfg.ServerPID); err == nil && usage != nil {
			usage.RSS = max(usage.RSS, st.RSS)
			usage.Threads = st.Threads
		}
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var last [4]int64
	lastAt := start
	for measuring := false; ; {
		now := time.Now()
		if !measuring && !now.Before(measureAt) {
			measuring = true
			if cfg.ServerPID != 0 {
				if st, err := ReadProc(cfg.ServerPID); err == nil {
					proc0, usage = st, &ServerUsage{PID: cfg.ServerPID, RSS: st.RSS, Threads: st.Threads}
				}
			}
		}
		if !now.Before(stopAt) {
			break
		}
		wait := time.Until(stopAt)
		if !measuring {
			wait = time.Until(measureAt)
		}
		select {
		case <-ctx.Done():
			return EventsResult{}, ctx.Err()
		case <-tick.C:
			sample()
			cur := [4]int64{r.sent.Load(), r.acked.Load(), r.delivered.Load(), r.errs.Load()}
			dt := time.Since(lastAt).Seconds()
			if cfg.Progress != nil {
				cfg.Progress(Progress{
					Elapsed: time.Since(start), Measuring: measuring,
					Sent: float64(cur[0]-last[0]) / dt, Acked: float64(cur[1]-last[1]) / dt, Delivered: float64(cur[2]-last[2]) / dt,
					InFlight: r.inflight.Load(), Errors: cur[3],
				})
			}
			last, lastAt = cur, time.Now()
		case <-time.After(wait):
		}
	}
	if usage != nil {
		if st, err := ReadProc(cfg.ServerPID); err == nil {
			usage.RSS = max(usage.RSS, st.RSS)
			usage.Cores = (st.CPU - proc0.CPU).Seconds() / cfg.Duration.Seconds()
		}
	}
	// The generators stop by themselves once every send scheduled before
	// stopAt is made; past the drain they are stopped.
	deadline := time.Now().Add(cfg.Drain)
	stopped := make(chan struct{})
	go func() { wg.Wait(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(cfg.Drain):
		cancel()
		<-stopped
	}
	// Wait for what is still on its way.
	want := func() bool {
		return r.inflight.Load() == 0 && r.delivered.Load() >= r.acked.Load()*int64(cfg.Agents)
	}
	for !want() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}

	res := EventsResult{
		Customers: cfg.Customers, Agents: cfg.Agents, Offered: cfg.Rate, Duration: cfg.Duration,
		Sent: r.wSent.Load(), Acked: r.wAcked.Load(), Delivered: r.wDelivered.Load(),
		Skipped: r.skipped.Load(), Unacked: r.wUnacked.Load(), Errors: r.errs.Load(), Error: r.firstErr,
		Ack: r.ack.summary(), Deliver: r.deliver.summary(), Server: usage,
	}
	if cfg.Rate == 0 {
		res.Window = cfg.Window
	}
	secs := cfg.Duration.Seconds()
	res.SentPerSec, res.AckedPerSec, res.DeliveredPerSec = float64(res.Sent)/secs, float64(res.Acked)/secs, float64(res.Delivered)/secs
	return res, nil
}

// closedLoop keeps Window sends in flight per customer until stopAt.
func (r *eventsRun) closedLoop(ctx context.Context, wg *sync.WaitGroup, stopAt time.Time) {
	for _, cc := range r.customers {
		wg.Go(func() {
			slots := make(chan struct{}, r.cfg.Window)
			for {
				select {
				case slots <- struct{}{}:
				case <-ctx.Done():
					return
				}
				now := time.Now()
				if !now.Before(stopAt) {
					return
				}
				r.sendOne(cc, now, func() { <-slots })
			}
		})
	}
}

// backlog is how many scheduled sends a customer may have waiting for its
// connection before more are skipped.
const backlog = 256

// openLoop sends Rate events per second in total, round robin over the
// customers, on the clock's schedule.
func (r *eventsRun) openLoop(ctx context.Context, wg *sync.WaitGroup, start, stopAt time.Time) {
	queues := make([]chan time.Time, len(r.customers))
	for i, cc := range r.customers {
		q := make(chan time.Time, backlog)
		queues[i] = q
		wg.Go(func() {
			for {
				select {
				case sched, ok := <-q:
					if !ok {
						return
					}
					r.sendOne(cc, sched, func() {})
				case <-ctx.Done():
					return
				}
			}
		})
	}
	wg.Go(func() {
		defer func() {
			for _, q := range queues {
				close(q)
			}
		}()
		interval := time.Duration(float64(time.Second) / r.cfg.Rate)
		tick := time.NewTicker(max(interval, time.Millisecond))
		defer tick.Stop()
		var k int64
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-tick.C:
				// Every send due by now, each stamped with its own time.
				due := int64(now.Sub(start).Seconds() * r.cfg.Rate)
				for ; k < due; k++ {
					sched := start.Add(time.Duration(float64(k) / r.cfg.Rate * float64(time.Second)))
					if !sched.Before(stopAt) {
						return
					}
					select {
					case queues[k%int64(len(queues))] <- sched:
					default:
						r.skipped.Add(1)
					}
				}
			}
		}
	})
}
