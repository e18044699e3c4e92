// Package conformance holds the harness that runs the real, unmodified
// @livechat/customer-sdk in headless Chromium against Parley's server, and
// reports each SDK call as a Go subtest. Two releases are pinned in
// package.json: 2.0.0-alpha.3 (Customer Chat API v3.0) and 4.0.2 (v3.5, as
// the npm alias customer-sdk-4). TestConformance and TestConformance35 run
// their scenarios against one server, TestConformanceCluster and
// TestConformance35Cluster against two nodes of a cluster on PostgreSQL and
// NATS, with the requests spread over both.
//
// The package has no exported API; everything lives in its tests. Run it with
//
//	cd e2e && go test ./conformance/ -run Conformance -v
//
// See README.md for what it proves and what it needs on the machine.
package conformance
