// Package limit keeps the state behind the server's rate limits and
// quotas, in bounded memory: token buckets per key (golang.org/x/time/rate),
// a growing lockout for failed logins, and counts of open connections per
// key. It also decides, in one place, which address a request comes from
// and how addresses are grouped into keys.
//
// # Memory
//
// A Keyed holds one bucket per key that has been used, at most MaxKeys of
// them, kept in least-recently-used order. A key whose bucket has filled up
// again is idle: forgetting it changes nothing, and the oldest idle keys are
// dropped as new ones come. When MaxKeys keys are all busy, the least
// recently used one is dropped anyway, which hands that key a fresh, full
// bucket: under a flood of distinct keys a limit errs on the side of
// letting a client through, never of refusing everyone. One key costs about
// 300 bytes, so a Keyed of the default 16,384 keys stays under 5 MiB.
//
// A Counter holds an entry per key with at least one open connection: its
// memory follows the connections, which other limits bound.
//
// # Concurrency
//
// Every type here is safe for concurrent use.
package limit
