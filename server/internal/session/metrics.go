package session

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the sessions' Prometheus metrics. A nil *Metrics records
// nothing.
type Metrics struct {
	connections   *prometheus.GaugeVec
	requests      *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	pushes        *prometheus.CounterVec
	slowConsumers *prometheus.CounterVec
	pushGaps      prometheus.Counter
}

// NewMetrics creates the metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		connections: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "parley_rtm_connections", Help: "Open RTM connections.",
		}, []string{"role"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_rtm_requests_total", Help: "RTM requests handled, by action and result (ok or the error type).",
		}, []string{"role", "action", "result"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "parley_rtm_request_duration_seconds", Help: "Time to handle an RTM request.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"role", "action"}),
		pushes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_rtm_pushes_total", Help: "Pushes queued for RTM connections.",
		}, []string{"role"}),
		slowConsumers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_rtm_slow_consumer_disconnects_total", Help: "Connections closed because their push queue was full.",
		}, []string{"role"}),
		pushGaps: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_push_gaps_total", Help: "Pushes missing from a chat's sequence on a topic, each making the topic's clients reconnect.",
		}),
	}
	reg.MustRegister(m.connections, m.requests, m.duration, m.pushes, m.slowConsumers, m.pushGaps)
	return m
}

func (m *Metrics) connected(role string, delta float64) {
	if m != nil {
		m.connections.WithLabelValues(role).Add(delta)
	}
}

func (m *Metrics) request(role, action, result string, d time.Duration) {
	if m == nil {
		return
	}
	if !knownAction(role, action) {
		action = "unknown" // keep label cardinality bounded
	}
	m.requests.WithLabelValues(role, action, result).Inc()
	m.duration.WithLabelValues(role, action).Observe(d.Seconds())
}

func (m *Metrics) pushed(role string) {
	if m != nil {
		m.pushes.WithLabelValues(role).Inc()
	}
}

func (m *Metrics) slowConsumer(role string) {
	if m != nil {
		m.slowConsumers.WithLabelValues(role).Inc()
	}
}

func (m *Metrics) pushGap() {
	if m != nil {
		m.pushGaps.Inc()
	}
}

func knownAction(role, action string) bool {
	if action == "ping" {
		return true
	}
	if role == "agent" {
		_, ok := agentHandlers[action]
		return ok
	}
	_, ok := customerHandlers[action]
	return ok
}
