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
package main
