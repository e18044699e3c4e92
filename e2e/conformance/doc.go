// Package conformance holds the harness that runs the real, unmodified
// @livechat/customer-sdk (version pinned in package.json) in headless
// Chromium against Parley's server, and reports each SDK call as a Go
// subtest. TestConformance runs it against one server, TestConformanceCluster
// against two nodes of a cluster on PostgreSQL and NATS, with the requests
// spread over both.
//
// The package has no exported API; everything lives in its tests. Run it with
//
//	cd e2e && go test ./conformance/ -run Conformance -v
//
// See README.md for what it proves and what it needs on the machine.
package conformance
