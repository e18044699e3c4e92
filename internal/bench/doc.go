// Package bench drives a running Parley server over its real protocol and
// measures it: the load generator behind `parley bench`.
//
// Every figure comes from real connections: customers fetch tokens from the
// customer token endpoint (cookie grant, one new customer each), open the
// customer RTM WebSocket, log in and start a chat; agents sign in with a
// password and join those chats over the agent RTM WebSocket. A run then
// measures one of:
//
//   - [Events]: customers send messages at a fixed offered rate (open loop:
//     sends are scheduled by the clock, not by the answers) or as fast as the
//     server acknowledges them (a window of requests in flight per customer).
//     It reports sent, acknowledged (durable: the server acknowledges an event
//     after it is committed) and delivered events per second, and the
//     latency percentiles of send→acknowledgement and send→delivery to an
//     agent.
//   - [Idle]: holds N logged-in customer connections, reporting the connect
//     and login rate and the server's memory per connection.
//   - [History]: fills a chat with many events and times the requests a
//     client makes to page through it.
//   - [Fsync]: times a bare write+fsync loop in a directory, the floor under
//     every durable acknowledgement on that disk.
//
// When the server runs on the same host, [ProcStats] reads its resident
// memory and CPU time from /proc. Latencies are measured from the time a
// send was scheduled, so a server that falls behind shows it in the tail
// instead of slowing the generator down (no coordinated omission).
//
// The generator keeps its own cost low (one reader goroutine per connection,
// frames decoded only as far as needed), but it shares the machine with the
// server when both run on one host: its figures are a floor of what the
// server can do, and the report says how much CPU the server used.
package bench
