// Command parley runs the Parley chat server and its tools.
//
//	parley serve          run the server (SQLite in ./parley-data, demo license)
//	parley serve --help   every setting, each with its PARLEY_* environment variable
//	parley … --config F   settings of any command from a JSON file (docs/deploy.md)
//	parley agent add      create or change an agent (agent list, agent revoke)
//	parley group add      create or rename a group
//	parley license add    create a license or change its name or organization id (license list, license show)
//	parley version        the module version and source revision of the binary
//	parley backup         copy a running server's database, keys and uploads to a tar.gz
//	parley restore        unpack a backup into a new data directory
//	parley healthcheck    exit 0 if a running server answers /healthz
//	parley chat           chat as a customer in the terminal (--help: keys and commands)
//	parley bench          drive a running server with real clients and measure it
//
// Exit statuses: 0 on success, 1 when a command fails, 2 when it is
// misused (an unknown flag, a missing argument, a bad value). Errors go to
// standard error as "parley: …"; parley chat names itself: "parley chat:
// license 999 not found on http://localhost:8080" (status 1) when the
// server refuses the session for good (a wrong license or client id, a
// refused token, a ban), "parley chat: --server must be an http or https
// URL, …" (status 2).
package main
