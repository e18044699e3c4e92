// Package parleytest runs a real Parley server in-process for tests, the
// way net/http/httptest runs an HTTP server: SQLite in a temporary
// directory, an in-process broker, a demo license, a demo agent, and a
// listener on 127.0.0.1.
//
//	srv := parleytest.NewServer(t)
//	// srv.URL is "http://127.0.0.1:<port>"; the Customer Chat API is at
//	// srv.URL + "/v3.0/customer".
//
// srv.URL is also the server's public URL (server.Config.PublicURL, unless
// an Option sets another): file links are built on it, and its origin may
// get customer tokens. Pages of other origins must be listed in
// Demo.Origins, as in production.
//
// The server is shut down when the test ends. Outside a test (in an
// Example, or a program), Start returns a server the caller closes:
//
//	srv, err := parleytest.Start()
//	if err != nil { … }
//	defer srv.Close()
//
// A test can also break things under a live client, as a network or an
// operator would: DropConnections cuts connections, StallConnections makes
// them go silent, PauseListener refuses new ones until ResumeListener,
// Restart restarts the server on the same address and data,
// DisconnectCustomer and BanCustomer end a customer's sessions,
// PushToCustomer sends any push (see faults.go).
package parleytest
